using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.HostAgent.Protocol;

/// <summary>
/// The HTTP API between the HostAgent and the Platform API. The agent always dials out (servers open
/// no port): it enrols once with a one-time join token, then presents its host credential on every call.
/// </summary>
public static class AgentApi
{
    public const string Prefix = "/api/v1/agent";

    /// <summary><c>POST</c> an <see cref="EnrolRequest"/> with the join token, get an <see cref="EnrolResponse"/>.</summary>
    public const string Enrol = Prefix + "/enrol";

    /// <summary><c>POST</c> a <see cref="HostReport"/>: heartbeat and observed state.</summary>
    public const string Report = Prefix + "/report";

    /// <summary>
    /// <c>GET ?after=N&amp;wait_seconds=S</c>: answers a <see cref="HostDesiredState"/> as soon as its version
    /// exceeds N (at once if it already does), or 204 when S seconds pass without a change.
    /// </summary>
    public const string DesiredState = Prefix + "/desired-state";

    /// <summary><c>GET {image_id}/{part}</c>: an image part's bytes.</summary>
    public const string Images = Prefix + "/images";

    /// <summary>
    /// <c>PUT {snapshot_id}</c>: a snapshot's bytes (the pool volume as virStorageVolDownload streams it), stored in the
    /// object store's blobs; <c>GET {snapshot_id}</c>: those bytes back, to restore a new volume from.
    /// </summary>
    public const string Snapshots = Prefix + "/snapshots";

    /// <summary>
    /// <c>GET {instance_id}/iam-credentials</c>: an <see cref="InstanceProfileCredentials"/> for an instance on the asking server
    /// with an instance profile (a new session of its role each time); any other instance is not found.
    /// </summary>
    public const string Instances = Prefix + "/instances";

    /// <summary>The host credential's scheme in the Authorization header: <c>PlatformHost host_id:secret</c>.</summary>
    public const string AuthorizationScheme = "PlatformHost";

    /// <summary>The JSON the API speaks: snake_case names and enum values.</summary>
    public static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        json.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        json.MakeReadOnly(populateMissingResolver: true);
        return json;
    }
}

/// <param name="HostSecret">
/// The host's secret, made and saved by the agent before it first asks (at least 32 characters). The API keeps only its
/// hash, and asking again with the same token and secret answers the same host: an agent that crashed after the API
/// enrolled it, before it saved its credential, is not left with a spent token and no identity. Null: the API makes one.
/// </param>
public sealed record EnrolRequest(string JoinToken, string HostName, HostCapacity Capacity, string? HostSecret = null);

/// <param name="HostSecret">The secret the request carried, or the one the API made (shown once); the agent keeps it (mode 0600).</param>
public sealed record EnrolResponse(string HostId, string HostSecret, string AvailabilityZone);
