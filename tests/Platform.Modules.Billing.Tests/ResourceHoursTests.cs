using Platform.Modules.Billing.Metering;
using Platform.Modules.Network.Contracts;

namespace Platform.Modules.Billing.Tests;

/// <summary>Resources billed by the hour: each hour holds the whole seconds the resource existed in it, keyed by resource and hour.</summary>
public sealed class ResourceHoursTests
{
    private static readonly DateTime Hour = new(2026, 3, 1, 10, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(-7200, null, 3600)] // made before the hour, still there: the whole hour
    [InlineData(1234.9, null, 3600 - 1234)] // made in the hour: from its whole second
    [InlineData(-60, 600.5, 660 - 60)] // deleted in the hour: up to its deletion
    [InlineData(100, 160.0, 60)] // made and deleted in the hour
    [InlineData(3600, null, 0)] // made at the hour's end: not in it
    [InlineData(-7200, 0.0, 0)] // deleted at the hour's start: not in it
    [InlineData(-7200, 5000.0, 3600)] // deleted after the hour: the whole hour
    public void Given_a_resource_made_and_deleted_at_times_Then_the_hour_holds_its_whole_seconds_in_it(double createdAt, double? deletedAt, long seconds)
    {
        var resource = new HourlyResource("123456789012", UsageTypes.Ec2, "NatGateway-Hours", MeteredNetworkKinds.NatGateway, "nat-0123456789abcdef0",
            Hour.AddSeconds(createdAt), deletedAt is null ? null : Hour.AddSeconds(deletedAt.Value));

        var records = SampleResourceHoursHandler.Records([resource], Hour, Hour.AddHours(1));

        Assert.Equal(seconds, records.Sum(r => r.Quantity));
        Assert.All(records, r =>
        {
            Assert.Equal("hours:nat-gateway:nat-0123456789abcdef0:2026030110", r.IdempotencyKey);
            Assert.Equal((Hour, Hour.AddHours(1), "Seconds"), (r.UsageStart, r.UsageEnd, r.Unit));
        });
    }

    [Fact]
    public void Given_network_resources_Then_each_has_AWSs_service_and_usage_type_and_every_one_is_priced()
    {
        var at = Hour.AddDays(-1);
        var described = new[]
        {
            new MeteredNetworkResource("123456789012", "eipalloc-1", MeteredNetworkKinds.ElasticIp, MeteredNetworkKinds.Idle, at, null),
            new MeteredNetworkResource("123456789012", "eipalloc-2", MeteredNetworkKinds.ElasticIp, MeteredNetworkKinds.InUse, at, null),
            new MeteredNetworkResource("123456789012", "nat-1", MeteredNetworkKinds.NatGateway, null, at, null),
            new MeteredNetworkResource("123456789012", "arn:lb", MeteredNetworkKinds.LoadBalancer, "network", at, null),
        };

        var held = described.Select(SampleResourceHoursHandler.Of).ToList();

        Assert.Equal(
            [
                ("AmazonEC2", "ElasticIP:IdleAddress"), ("AmazonEC2", "ElasticIP:InUseAddress"), ("AmazonEC2", "NatGateway-Hours"), ("AWSELB", "LoadBalancerUsage"),
            ],
            held.Select(h => (h.Service, h.UsageType)));
        Assert.All(held, h => Assert.NotNull(Prices.DefaultPrices.Find(h.Service, h.UsageType)));
        Assert.Equal(0.045m, Prices.DefaultPrices.Find("AmazonEC2", "NatGateway-Hours")!.PricePerUnit);
        Assert.Equal(4, SampleResourceHoursHandler.Records(held, Hour, Hour).Select(r => r.IdempotencyKey).Distinct().Count());
    }
}
