using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Metadata;

/// <summary>A request to the metadata service as the responder needs it: nothing in it says who is asking.</summary>
/// <param name="Token">The X-aws-ec2-metadata-token header, if any.</param>
/// <param name="TokenTtl">The X-aws-ec2-metadata-token-ttl-seconds header, if any.</param>
/// <param name="Forwarded">Whether an X-Forwarded-For header came with it.</param>
public sealed record MetadataRequest(string Method, string Path, string? Token = null, string? TokenTtl = null, bool Forwarded = false);

/// <param name="HopLimit">For a token: the IP TTL its answer must leave with (the instance's hop limit).</param>
public sealed record MetadataAnswer(int Status, byte[] Body, string ContentType, IReadOnlyDictionary<string, string> Headers, int? HopLimit = null)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public static MetadataAnswer Plain(int status, string body, IReadOnlyDictionary<string, string>? headers = null, int? hopLimit = null) =>
        new(status, Encoding.UTF8.GetBytes(body), "text/plain", headers ?? new Dictionary<string, string>(), hopLimit);
}

/// <summary>The instance the request came from (found by its switch port) with what the API said the service tells it.</summary>
/// <param name="Credentials">Its instance profile's role credentials as the agent holds them, for a request that needs them
/// (<see cref="MetadataResponder.NeedsCredentials"/>); null when there are none to give.</param>
public sealed record MetadataGuest(DesiredInstance Instance, DesiredInstanceMetadata Metadata, InstanceProfileCredentials? Credentials = null);

/// <summary>
/// EC2's instance metadata service (paths, listings, IMDSv2 token rules) as a pure function of the asking guest and its
/// request. It never learns who asks from the request: the caller finds the guest by the switch port.
/// </summary>
public sealed class MetadataResponder(MetadataTokens tokens)
{
    public const string TokenPath = "/latest/api/token";
    public const string TokenHeader = "X-aws-ec2-metadata-token";
    public const string TokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";

    private static readonly JsonSerializerOptions DocumentJson = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public MetadataAnswer Answer(MetadataGuest guest, MetadataRequest request)
    {
        var path = request.Path;
        var query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            path = path[..query];
        }

        if (path == TokenPath)
        {
            return request.Method == "PUT" ? IssueToken(guest, request) : Error(405, "Method Not Allowed");
        }

        if (request.Method is not ("GET" or "HEAD"))
        {
            return Error(405, "Method Not Allowed");
        }

        if (!Authorized(guest, request))
        {
            return Error(401, "Unauthorized");
        }

        return Lookup(guest, path);
    }

    /// <summary>
    /// Whether the answer to the request would show the instance profile's credentials or their state (a read under
    /// <c>/latest/meta-data/iam</c> that passes the token rules, from an instance with a profile): only then does the caller
    /// fetch them and pass them in with the guest.
    /// </summary>
    public bool NeedsCredentials(MetadataGuest guest, MetadataRequest request)
    {
        var path = request.Path;
        var query = path.IndexOf('?', StringComparison.Ordinal);
        var segments = (query >= 0 ? path[..query] : path).Split('/', StringSplitOptions.RemoveEmptyEntries);
        return guest.Metadata.IamInstanceProfile is not null && request.Method is "GET" or "HEAD"
            && segments is ["latest", "meta-data", "iam", ..] && Authorized(guest, request);
    }

    /// <summary>A token that is there must be good, whether or not tokens are required (as EC2: 401 for a bad or expired one).</summary>
    private bool Authorized(MetadataGuest guest, MetadataRequest request) =>
        request.Token is not null ? tokens.IsValid(request.Token, guest.Instance.InstanceId) : guest.Metadata.HttpTokens != "required";

    private MetadataAnswer IssueToken(MetadataGuest guest, MetadataRequest request)
    {
        // A request relayed by a proxy in the guest is not the instance's own: EC2 refuses it.
        if (request.Forwarded)
        {
            return Error(403, "Forbidden");
        }

        if (request.TokenTtl is not { } ttlText || !int.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out var ttl)
            || ttl is < MetadataTokens.MinTtlSeconds or > MetadataTokens.MaxTtlSeconds)
        {
            return Error(400, "Bad Request");
        }

        return MetadataAnswer.Plain(200, tokens.Issue(guest.Instance.InstanceId, ttl),
            new Dictionary<string, string> { [TokenTtlHeader] = ttl.ToString(CultureInfo.InvariantCulture) }, guest.Metadata.HttpPutResponseHopLimit);
    }

    private static MetadataAnswer Lookup(MetadataGuest guest, string path)
    {
        if (path is "/latest/user-data" or "/latest/user-data/")
        {
            return UserData(guest.Instance.UserData) is { } bytes
                ? new MetadataAnswer(200, bytes, "application/octet-stream", new Dictionary<string, string>())
                : Error(404, "Not Found");
        }

        if (path is "/latest/dynamic/instance-identity/document")
        {
            return new MetadataAnswer(200, JsonSerializer.SerializeToUtf8Bytes(IdentityDocument(guest), DocumentJson), "application/json",
                new Dictionary<string, string>());
        }

        var root = Tree(guest);
        object? node = root;
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node is Dictionary<string, object> directory && directory.TryGetValue(segment, out var child) ? child : null;
            if (node is null)
            {
                return Error(404, "Not Found");
            }

            if (node is Unavailable)
            {
                // The instance has a profile but the agent holds no credentials for it (the API not reached yet): a failure
                // the SDKs retry, not a 404 that would say there is no role.
                return Error(500, "Internal Server Error");
            }
        }

        return node switch
        {
            string leaf => MetadataAnswer.Plain(200, leaf),
            JsonLeaf json => MetadataAnswer.Plain(200, json.Text),
            Listed listed => MetadataAnswer.Plain(200, listed.Listing),
            Dictionary<string, object> directory => MetadataAnswer.Plain(200,
                string.Join('\n', directory.Select(e => e.Value is Dictionary<string, object> ? e.Key + "/" : e.Key))),
            _ => Error(404, "Not Found"),
        };
    }

    /// <summary>The whole path tree for this guest; a key absent is a 404 (public-ipv4 without an elastic IP, public-keys without a key).</summary>
    private static Dictionary<string, object> Tree(MetadataGuest guest)
    {
        var instance = guest.Instance;
        var metadata = guest.Metadata;
        var interfaces = instance.Interfaces ?? [];
        var primary = interfaces.Count > 0 ? interfaces[0] : null;
        var securityGroups = string.Join('\n', metadata.SecurityGroupNames ?? []);

        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["ami-id"] = metadata.ImageId,
            ["ami-launch-index"] = "0",
            ["hostname"] = metadata.LocalHostname,
            ["instance-id"] = instance.InstanceId,
            ["instance-type"] = metadata.InstanceType,
        };
        if (primary is not null)
        {
            data["local-ipv4"] = primary.PrivateIpAddress;
        }

        data["local-hostname"] = metadata.LocalHostname;
        if (primary is not null)
        {
            data["mac"] = primary.MacAddress.ToLowerInvariant();
        }

        var macs = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var device = 0; device < interfaces.Count; device++)
        {
            var nic = interfaces[device];
            var entry = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["device-number"] = device.ToString(CultureInfo.InvariantCulture),
                ["interface-id"] = nic.InterfaceId,
                ["local-hostname"] = metadata.LocalHostname,
                ["local-ipv4s"] = nic.PrivateIpAddress,
                ["mac"] = nic.MacAddress.ToLowerInvariant(),
                ["owner-id"] = metadata.AccountId,
            };
            if (nic.PublicIpAddress is { } publicIp)
            {
                entry["public-ipv4s"] = publicIp;
            }

            entry["security-groups"] = securityGroups;
            if (nic.SubnetId is { } subnet)
            {
                entry["subnet-id"] = subnet;
            }

            entry["subnet-ipv4-cidr-block"] = SubnetOf(nic.PrivateIpAddress, nic.PrefixLength);
            entry["vpc-id"] = nic.VpcId;
            macs[nic.MacAddress.ToLowerInvariant()] = entry;
        }

        data["network"] = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["interfaces"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["macs"] = macs },
        };
        data["placement"] = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["availability-zone"] = metadata.AvailabilityZone,
            ["region"] = metadata.Region,
        };
        if (primary?.PublicIpAddress is { } primaryPublic)
        {
            data["public-ipv4"] = primaryPublic;
        }

        if (instance.PublicKey is { } key)
        {
            // EC2 lists "0=<key name>"; the key itself is under 0/openssh-key.
            data["public-keys"] = new Listed($"0={metadata.KeyName ?? "key"}")
            {
                ["0"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["openssh-key"] = key.Trim() + "\n" },
            };
        }

        if (metadata.IamInstanceProfile is { } profile)
        {
            data["iam"] = guest.Credentials is { } credentials && credentials.AssociationId == profile.AssociationId
                ? Iam(credentials)
                : new Unavailable();
        }

        data["security-groups"] = securityGroups;
        if (metadata.SpotInstanceAction is { } spot)
        {
            // EC2's two-minute warning: instance-action always, termination-time when the instance is to be terminated.
            var time = spot.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            var notice = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["instance-action"] = JsonSerializer.Serialize(new Dictionary<string, string> { ["action"] = spot.Action, ["time"] = time }),
            };
            if (spot.Action == "terminate")
            {
                notice["termination-time"] = time;
            }

            data["spot"] = notice;
        }

        return new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["latest"] = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["dynamic"] = new Dictionary<string, object>(StringComparer.Ordinal)
                {
                    ["instance-identity"] = new Dictionary<string, object>(StringComparer.Ordinal) { ["document"] = "" },
                },
                ["meta-data"] = data,
                ["user-data"] = "",
            },
        };
    }

    /// <summary>
    /// EC2's <c>iam/</c>: <c>info</c> (the profile, or the error that keeps its role's credentials from the instance) and
    /// <c>security-credentials/</c> listing the role, whose entry holds the keys (or, when EC2 may not assume the role, the
    /// same error, as a 200 the SDKs read and give up on). A profile without a role lists no role.
    /// </summary>
    private static Dictionary<string, object> Iam(InstanceProfileCredentials credentials)
    {
        var updated = Timestamp(credentials.LastUpdated);
        var roles = new Dictionary<string, object>(StringComparer.Ordinal);
        JsonLeaf info;
        if (credentials.HasKeys)
        {
            info = JsonLeaf.Of(("Code", credentials.Code), ("LastUpdated", updated), ("InstanceProfileArn", credentials.InstanceProfileArn),
                ("InstanceProfileId", credentials.InstanceProfileId));
            roles[credentials.RoleName!] = JsonLeaf.Of(("Code", credentials.Code), ("LastUpdated", updated), ("Type", "AWS-HMAC"),
                ("AccessKeyId", credentials.AccessKeyId!), ("SecretAccessKey", credentials.SecretAccessKey!), ("Token", credentials.Token!),
                ("Expiration", Timestamp(credentials.Expiration!.Value)));
        }
        else
        {
            info = JsonLeaf.Of(("Code", credentials.Code), ("Message", credentials.Message ?? ""), ("LastUpdated", updated));
            if (credentials.RoleName is { } role)
            {
                roles[role] = info;
            }
        }

        var iam = new Dictionary<string, object>(StringComparer.Ordinal) { ["info"] = info };
        if (roles.Count > 0)
        {
            iam["security-credentials"] = roles;
        }

        return iam;
    }

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static byte[]? UserData(string? base64)
    {
        if (string.IsNullOrEmpty(base64))
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            // The API checks user data at launch; should anything else arrive, the guest gets it as given.
            return Encoding.UTF8.GetBytes(base64);
        }
    }

    private static Dictionary<string, object?> IdentityDocument(MetadataGuest guest)
    {
        var primary = guest.Instance.Interfaces is { Count: > 0 } nics ? nics[0] : null;
        return new Dictionary<string, object?>
        {
            ["accountId"] = guest.Metadata.AccountId,
            ["architecture"] = "x86_64",
            ["availabilityZone"] = guest.Metadata.AvailabilityZone,
            ["billingProducts"] = null,
            ["devpayProductCodes"] = null,
            ["marketplaceProductCodes"] = null,
            ["imageId"] = guest.Metadata.ImageId,
            ["instanceId"] = guest.Instance.InstanceId,
            ["instanceType"] = guest.Metadata.InstanceType,
            ["kernelId"] = null,
            ["pendingTime"] = guest.Metadata.LaunchTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["privateIp"] = primary?.PrivateIpAddress,
            ["ramdiskId"] = null,
            ["region"] = guest.Metadata.Region,
            ["version"] = "2017-09-30",
        };
    }

    private static string SubnetOf(string address, int prefixLength)
    {
        var bytes = IPAddress.Parse(address).GetAddressBytes();
        var value = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
        var network = prefixLength == 0 ? 0u : value & (uint.MaxValue << (32 - prefixLength));
        return string.Create(CultureInfo.InvariantCulture, $"{network >> 24}.{(network >> 16) & 255}.{(network >> 8) & 255}.{network & 255}/{prefixLength}");
    }

    /// <summary>EC2 answers errors with a small HTML page.</summary>
    private static MetadataAnswer Error(int status, string title) => new(status,
        Encoding.UTF8.GetBytes($"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
            + $"\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
            + $" <head>\n  <title>{status} - {title}</title>\n </head>\n <body>\n  <h1>{status} - {title}</h1>\n </body>\n</html>\n"),
        "text/html", new Dictionary<string, string>());

    /// <summary>A JSON document as EC2 lays out its iam/ answers: one <c>"Name" : "value"</c> per line.</summary>
    private sealed record JsonLeaf(string Text)
    {
        // Keys hold '+' and '/': written as they are, as EC2 does, not as \u002B.
        private static readonly JsonSerializerOptions Strings = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public static JsonLeaf Of(params (string Name, string Value)[] fields) => new("{\n"
            + string.Join(",\n", fields.Select(f => $"  {JsonSerializer.Serialize(f.Name, Strings)} : {JsonSerializer.Serialize(f.Value, Strings)}")) + "\n}");
    }

    /// <summary>iam/ of an instance whose credentials the agent could not get: listed, but nothing under it answers.</summary>
    private sealed class Unavailable() : Dictionary<string, object>(StringComparer.Ordinal);

    /// <summary>A directory whose listing is not its children's names: public-keys lists "0=name", its child is "0".</summary>
    private sealed class Listed(string listing) : Dictionary<string, object>(StringComparer.Ordinal)
    {
        public string Listing { get; } = listing;
    }
}
