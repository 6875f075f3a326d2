using System.ComponentModel.DataAnnotations;

namespace Platform.Modules.Shared.Hosting;

/// <summary>Settings every module reads: where data lives and which region this cloud calls itself.</summary>
public sealed class PlatformOptions
{
    public const string SectionName = "Platform";

    /// <summary>Directory for the embedded database, keys and object bytes.</summary>
    [Required]
    public string DataDirectory { get; set; } = "/var/lib/platform";

    /// <summary>The region name clients sign for (SigV4 credential scope) and ARNs carry.</summary>
    [Required]
    [RegularExpression("^[a-z0-9-]{1,32}$")]
    public string Region { get; set; } = "us-east-1";

    /// <summary>
    /// Base64 of a 32-byte key that encrypts secrets at rest. Replicas of one cloud must share it;
    /// when empty, a key is generated once in the data directory (single-node installs).
    /// </summary>
    public string? MasterKey { get; set; }

    /// <summary>The availability zones servers may join; empty means one zone, the region's name and <c>a</c>.</summary>
    public List<string> AvailabilityZones { get; set; } = [];

    public IReadOnlyList<string> Zones => AvailabilityZones.Count > 0 ? AvailabilityZones : [Region + "a"];
}
