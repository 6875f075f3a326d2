using Microsoft.Extensions.Configuration;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Network;

/// <summary>
/// The region and its availability zones. Zones come from <c>Platform:AvailabilityZones</c> (a list, so
/// Compute's hosts and Network's subnets name the same zones); without it the region has one zone,
/// <c>&lt;region&gt;a</c>. The order matters: the default VPC's subnets are carved in it, and a launch
/// that names no zone lands in the first.
/// </summary>
internal sealed class NetworkSettings
{
    public NetworkSettings(string region, IReadOnlyList<string> availabilityZones)
    {
        Region = region;
        AvailabilityZones = availabilityZones.Count > 0 ? availabilityZones : [region + "a"];
    }

    public string Region { get; }

    public IReadOnlyList<string> AvailabilityZones { get; }

    public static NetworkSettings From(IConfiguration configuration)
    {
        // The same zones Compute places servers in (PlatformOptions.Zones), so subnets and hosts agree.
        var platform = configuration.GetSection(PlatformOptions.SectionName).Get<PlatformOptions>() ?? new PlatformOptions();
        var zones = platform.Zones.Where(z => !string.IsNullOrWhiteSpace(z)).Distinct(StringComparer.Ordinal).ToList();
        return new NetworkSettings(platform.Region, zones);
    }
}
