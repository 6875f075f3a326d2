using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Instances.Profiles;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Instances;

internal sealed record TagResponse(string Key, string Value);

/// <param name="InstanceStatus">EC2's instance status check: <c>initializing</c> until running, <c>ok</c>, or
/// <c>impaired</c> when the host stopped answering (nothing is deleted then; it recovers with the host).</param>
/// <param name="SystemStatus">The host's side: <c>ok</c> or <c>impaired</c> (host unreachable).</param>
internal sealed record InstanceResponse(
    string InstanceId,
    string InstanceType,
    string ImageId,
    string? KeyName,
    string State,
    int StateCode,
    string? StateReason,
    string AvailabilityZone,
    string HostId,
    string? PrivateIpAddress,
    string? MacAddress,
    string? SubnetId,
    string? VpcId,
    string? NetworkInterfaceId,
    IReadOnlyList<string> SecurityGroups,
    IReadOnlyList<TagResponse> Tags,
    string InstanceStatus,
    string SystemStatus,
    string? ClientToken,
    DateTime? LaunchTime,
    DateTime CreatedAt,
    string? PublicIpAddress = null,
    InstanceMetadataOptionsResponse? MetadataOptions = null,
    IamInstanceProfileResponse? IamInstanceProfile = null,
    string? InstanceLifecycle = null,
    string? SpotInstanceRequestId = null,
    SpotInstanceActionResponse? SpotInstanceAction = null)
{
    /// <param name="publicIpAddress">The elastic IP of its interface (Network's <c>DescribeInstancePublicAddresses</c>), null for none.</param>
    public static InstanceResponse From(Instance instance, bool hostReachable, string? publicIpAddress = null)
    {
        var alive = instance.State is not (InstanceStates.Terminated or InstanceStates.Stopped);
        var system = !alive ? "not-applicable" : hostReachable ? "ok" : "impaired";
        var status = !alive ? "not-applicable"
            : !hostReachable ? "impaired"
            : instance.State == InstanceStates.Running ? "ok" : "initializing";
        return new InstanceResponse(instance.Id, instance.InstanceType, instance.ImageId, instance.KeyName, instance.State,
            InstanceStates.Code(instance.State), instance.StateReason, instance.AvailabilityZone, instance.HostId, instance.PrivateIpAddress,
            instance.MacAddress, instance.SubnetId, instance.VpcId, instance.NetworkInterfaceId,
            JsonSerializer.Deserialize<List<string>>(instance.SecurityGroups) ?? [],
            instance.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new TagResponse(t.Key, t.Value)).ToList(),
            status, system, instance.ClientToken, instance.LaunchedAt, instance.CreatedAt, publicIpAddress,
            InstanceMetadataOptionsResponse.From(instance),
            instance.IamInstanceProfileArn is { } profileArn ? new IamInstanceProfileResponse(profileArn, instance.IamInstanceProfileId!) : null,
            instance.InstanceLifecycle, instance.SpotInstanceRequestId,
            instance.SpotActionTime is { } actionTime
                ? new SpotInstanceActionResponse(instance.SpotInterruptionBehavior ?? SpotMarket.Terminate, DateTime.SpecifyKind(actionTime, DateTimeKind.Utc))
                : null);
    }
}

/// <summary>A spot instance's interruption notice, as its metadata's spot/instance-action says it: what happens, and when.</summary>
internal sealed record SpotInstanceActionResponse(string Action, DateTime Time);

internal sealed record InstancesResponse(IReadOnlyList<InstanceResponse> Instances);

/// <summary>One instance's move, as EC2's Start/Stop/TerminateInstances report it.</summary>
internal sealed record InstanceStateChange(string InstanceId, string PreviousState, string CurrentState);

internal static partial class InstanceLookup
{
    public static void EnsureWellFormed(string? instanceId)
    {
        if (instanceId is null || !InstanceId().IsMatch(instanceId))
        {
            throw new ApiException(400, "InvalidInstanceID.Malformed", $"Invalid id: \"{instanceId}\" (expecting \"i-...\")");
        }
    }

    /// <summary>
    /// The account's instance, tracked for change; another account's is as absent as a missing one, and so is a managed
    /// instance (a DB instance's guest): the platform's, not the tenant's, whatever account its interface is in.
    /// </summary>
    public static async Task<Instance> OwnedAsync(ComputeDbContext db, string accountId, string instanceId, CancellationToken cancellationToken)
    {
        EnsureWellFormed(instanceId);
        return await db.Instances.Include(i => i.Tags).SingleOrDefaultAsync(i => i.Id == instanceId && i.AccountId == accountId && i.ManagedBy == null, cancellationToken)
            ?? throw NotFound(instanceId);
    }

    public static ApiException NotFound(string instanceId) =>
        new(400, "InvalidInstanceID.NotFound", $"The instance ID '{instanceId}' does not exist");

    public static ApiException IncorrectState(Instance instance, string action) =>
        new(400, "IncorrectInstanceState", $"The instance '{instance.Id}' is not in a state from which it can be {action}.");

    [GeneratedRegex("^i-[0-9a-f]{8,17}$")]
    private static partial Regex InstanceId();
}
