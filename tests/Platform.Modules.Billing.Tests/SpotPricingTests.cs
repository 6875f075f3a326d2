using Platform.Modules.Billing.Metering;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;
using Platform.Modules.Billing.Spot;
using Platform.Modules.Compute.Contracts;

namespace Platform.Modules.Billing.Tests;

/// <summary>
/// The spot market's arithmetic: the price from a zone's free capacity, when a new price takes effect, a spot run cut where
/// its price changed (the pieces add up to the run, minimum included), and each piece priced at the spot price in force.
/// </summary>
public sealed class SpotPricingTests
{
    private static readonly DateTime T0 = new(2026, 3, 10, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Given_idle_half_and_full_zones_Then_the_spot_price_is_10_percent_then_rising_with_the_square_of_the_held_share_to_on_demand()
    {
        ZoneCapacity Zone(long cpus, long memory) => new("us-east-1a", 16, cpus, 4096, memory);

        Assert.Equal(0.00104m, SpotPricing.Price(0.0104m, Zone(0, 0)));
        // Memory half held (the larger share): 0.1 + 0.9 * 0.25 = 0.325.
        Assert.Equal(0.00338m, SpotPricing.Price(0.0104m, Zone(2, 2048)));
        Assert.Equal(0.0104m, SpotPricing.Price(0.0104m, Zone(16, 1024)));
        // Overcommitted beyond its capacity (a launch waiting for spot capacity) counts as full; no server at all too.
        Assert.Equal(0.0104m, SpotPricing.Price(0.0104m, Zone(20, 5000)));
        Assert.Equal(0.0104m, SpotPricing.Price(0.0104m, new ZoneCapacity("us-east-1b", 0, 0, 0, 0)));
        // Never free: six decimal places, at least a millionth.
        Assert.Equal(0.000001m, SpotPricing.Price(0.000001m, Zone(0, 0)));
    }

    [Fact]
    public void Given_a_time_Then_its_price_takes_effect_at_the_next_whole_minute()
    {
        Assert.Equal(T0, SpotPricing.EffectiveMinute(T0));
        Assert.Equal(T0.AddMinutes(1), SpotPricing.EffectiveMinute(T0.AddTicks(1)));
        Assert.Equal(T0.AddMinutes(1), SpotPricing.EffectiveMinute(T0.AddSeconds(59.9)));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(20261206)]
    public void Given_random_spot_runs_and_price_changes_Then_the_pieces_add_up_to_the_run_and_each_starts_at_a_change(int seed)
    {
        var random = new Random(seed);
        for (var n = 0; n < 2000; n++)
        {
            var start = T0.AddTicks(random.NextInt64(TimeSpan.FromDays(60).Ticks));
            var end = start + TimeSpan.FromTicks(random.NextInt64(random.Next(2) == 0 ? TimeSpan.FromSeconds(90).Ticks : TimeSpan.FromDays(40).Ticks));
            var changes = Enumerable.Range(0, random.Next(6)).Select(_ => start.AddTicks(random.NextInt64(-TimeSpan.FromHours(1).Ticks, (end - start).Ticks + TimeSpan.FromHours(1).Ticks)))
                .Select(SpotPricing.EffectiveMinute).ToList();
            var run = new InstanceRun
            {
                InstanceId = "i-0aaaaaaaaaaaaaaa1", StartedAt = RunSegments.Second(start), EndedAt = RunSegments.Second(end), AccountId = "111111111111",
                Service = UsageTypes.Ec2, UsageType = UsageTypes.Spot("t3.micro"), AvailabilityZone = "us-east-1a",
            };

            var records = MeterInstanceRuns.Records(run, run.EndedAt.Value, end, changes);

            var whole = (long)(run.EndedAt.Value - run.StartedAt).TotalSeconds;
            Assert.Equal(Math.Max(60, whole), records.Sum(r => r.Quantity));
            Assert.Equal(records.Count, records.Select(r => r.IdempotencyKey).Distinct().Count());
            Assert.All(records, r => Assert.Equal("SpotUsage:t3.micro", r.UsageType));
            for (var i = 1; i < records.Count; i++)
            {
                Assert.Equal(records[i - 1].UsageEnd, records[i].UsageStart);
                Assert.True(changes.Contains(records[i].UsageStart) || records[i].UsageStart == RunSegments.MonthOf(records[i].UsageStart));
            }

            // Recorded again (a redelivered fact), the keys are the same.
            Assert.Equal(records.Select(r => r.IdempotencyKey), MeterInstanceRuns.Records(run, run.EndedAt.Value, end, changes).Select(r => r.IdempotencyKey));
        }
    }

    [Fact]
    public void Given_spot_prices_over_time_Then_spot_usage_is_priced_at_the_price_of_its_zone_in_force_at_its_start()
    {
        var book = new PriceBook([],
        [
            new SpotPrice { InstanceType = "t3.micro", AvailabilityZone = "us-east-1a", EffectiveFrom = T0, PricePerHour = 0.002m },
            new SpotPrice { InstanceType = "t3.micro", AvailabilityZone = "us-east-1a", EffectiveFrom = T0.AddMinutes(5), PricePerHour = 0.005m },
            new SpotPrice { InstanceType = "t3.micro", AvailabilityZone = "us-east-1b", EffectiveFrom = T0, PricePerHour = 0.009m },
        ]);
        UsageRecord Record(string usageType, string? zone, DateTime start) => new()
        {
            IdempotencyKey = "k", AccountId = "111111111111", Service = UsageTypes.Ec2, UsageType = usageType, ResourceId = "i-0aaaaaaaaaaaaaaa1",
            UsageStart = start, UsageEnd = start.AddMinutes(1), Quantity = 60, Unit = UsageTypes.Seconds, AvailabilityZone = zone,
        };

        Assert.Equal(0.002m, book.PriceOf(Record("SpotUsage:t3.micro", "us-east-1a", T0.AddMinutes(4))).PricePerUnit);
        Assert.Equal(0.005m, book.PriceOf(Record("SpotUsage:t3.micro", "us-east-1a", T0.AddMinutes(5))).PricePerUnit);
        Assert.Equal(0.009m, book.PriceOf(Record("SpotUsage:t3.micro", "us-east-1b", T0.AddMinutes(5))).PricePerUnit);
        // Before its zone's first price: the first. In a zone without spot prices: the on-demand price.
        Assert.Equal(0.002m, book.PriceOf(Record("SpotUsage:t3.micro", "us-east-1a", T0.AddSeconds(-30))).PricePerUnit);
        Assert.Equal(0.0104m, book.PriceOf(Record("SpotUsage:t3.micro", "us-east-1c", T0)).PricePerUnit);
        Assert.Equal("SpotUsage:t3.micro", book.PriceOf(Record("SpotUsage:t3.micro", "us-east-1c", T0)).UsageType);
        // On-demand usage keeps the price list's price.
        Assert.Equal(0.0104m, book.PriceOf(Record("BoxUsage:t3.micro", "us-east-1a", T0.AddMinutes(6))).PricePerUnit);
    }
}
