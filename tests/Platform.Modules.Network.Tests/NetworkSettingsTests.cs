using Microsoft.Extensions.Configuration;

namespace Platform.Modules.Network.Tests;

public sealed class NetworkSettingsTests
{
    [Fact]
    public void Without_configured_zones_the_region_has_one_zone_named_after_it()
    {
        var settings = NetworkSettings.From(Configuration(new() { ["Platform:Region"] = "eu-west-7" }));
        Assert.Equal("eu-west-7", settings.Region);
        Assert.Equal(["eu-west-7a"], settings.AvailabilityZones);
        Assert.Equal(["us-east-1a"], NetworkSettings.From(Configuration([])).AvailabilityZones);
    }

    [Fact]
    public void Configured_zones_keep_their_order_without_blanks_or_repeats()
    {
        var settings = NetworkSettings.From(Configuration(new()
        {
            ["Platform:AvailabilityZones:0"] = "lab-b",
            ["Platform:AvailabilityZones:1"] = "lab-a",
            ["Platform:AvailabilityZones:2"] = " ",
            ["Platform:AvailabilityZones:3"] = "lab-b",
        }));
        Assert.Equal(["lab-b", "lab-a"], settings.AvailabilityZones);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
