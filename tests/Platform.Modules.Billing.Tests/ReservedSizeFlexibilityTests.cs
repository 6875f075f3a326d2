using FsCheck;
using FsCheck.Fluent;
using Platform.Modules.Billing.Invoices;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;
using Platform.Modules.Billing.Reservations;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.Modules.Billing.Tests;

/// <summary>
/// Size flexibility: a regional Linux reservation covers any size of its family by AWS's normalization factors (its own
/// type first, then the smallest sizes up); a zonal one only its own type in its zone, and zonal ones apply first.
/// </summary>
public sealed class ReservedSizeFlexibilityTests(ITestOutputHelper output)
{
    private static readonly DateTime March = new(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Hour = March.AddDays(4).AddHours(10);
    private static readonly PriceBook Book = new([]);
    private static int _next;

    [Theory]
    [InlineData("t3.nano", 0.25)]
    [InlineData("t3.micro", 0.5)]
    [InlineData("t3.small", 1)]
    [InlineData("t3.medium", 2)]
    [InlineData("m5.large", 4)]
    [InlineData("m5.xlarge", 8)]
    [InlineData("m5.2xlarge", 16)]
    [InlineData("c5.9xlarge", 72)]
    [InlineData("m5.24xlarge", 192)]
    [InlineData("x1.32xlarge", 256)]
    public void Given_a_size_Then_its_normalization_factor_is_AWSs(string type, decimal factor) => Assert.Equal(factor, InstanceSizes.Factor(type));

    [Theory]
    [InlineData("m5.metal")]
    [InlineData("m5")]
    [InlineData("m5.")]
    [InlineData(".large")]
    [InlineData("m5.0xlarge")]
    [InlineData("m5.02xlarge")]
    [InlineData("m5.+2xlarge")]
    [InlineData("m5.large.x")]
    public void Given_a_size_without_a_fixed_factor_Then_it_has_none_and_only_its_own_type_matches(string type)
    {
        Assert.Null(InstanceSizes.Factor(type));
        Assert.False(InstanceSizes.Flexible(type, "m5.large"));
        Assert.False(InstanceSizes.Flexible("m5.large", type));
    }

    [Fact]
    public void Given_a_regional_large_reservation_Then_it_covers_two_mediums_or_half_an_xlarge_and_not_another_family()
    {
        // A t3.large holds 4 units a second: two t3.medium (2 each) for the whole hour use all of it.
        var large = Reserved("t3.large", null, 1);
        var two = Apply([Run("t3.medium", "us-east-1a", Hour, 3600, "i-m1"), Run("t3.medium", "us-east-1b", Hour, 3600, "i-m2")], large);
        Assert.Equal(7200m, Covered(two, large));
        Assert.Equal(0m, OnDemand(two));

        // Alone with a t3.xlarge (8 a second) for the hour, it covers half its seconds; the other half is on demand at the xlarge's price.
        var xlarge = Apply([Run("t3.xlarge", "us-east-1a", Hour, 3600, "i-x1")], large);
        Assert.Equal(1800m, Covered(xlarge, large));
        Assert.Equal(1800m, OnDemand(xlarge));

        // Another family, even of the same size, is not covered.
        var other = Apply([Run("m5.large", "us-east-1a", Hour, 3600, "i-o1")], large);
        Assert.Equal(0m, Covered(other, large));
        Assert.Equal(3600m, OnDemand(other));
    }

    [Fact]
    public void Given_a_zonal_reservation_Then_it_has_no_size_flexibility_and_covers_its_zone_before_a_regional_one_covers_the_rest()
    {
        var zonal = Reserved("t3.large", "us-east-1a", 1);
        var onlyZonal = Apply([Run("t3.medium", "us-east-1a", Hour, 3600, "i-z1"), Run("t3.large", "us-east-1b", Hour, 3600, "i-z2")], zonal);
        Assert.Equal(0m, Covered(onlyZonal, zonal));
        Assert.Equal(7200m, OnDemand(onlyZonal));

        // A t3.large in 1a and one in 1b for the hour: the zonal one covers 1a's; a regional t3.medium pair (2 x 2 units) covers 1b's.
        var regional = Reserved("t3.medium", null, 2);
        var both = Apply([Run("t3.large", "us-east-1a", Hour, 3600, "i-a"), Run("t3.large", "us-east-1b", Hour, 3600, "i-b")], regional, zonal);
        Assert.Equal([("i-a", 3600m)], CoveredBy(both, zonal));
        Assert.Equal([("i-b", 3600m)], CoveredBy(both, regional));
        Assert.Equal(0m, OnDemand(both));
    }

    [Fact]
    public void Given_more_usage_than_a_regional_reservation_Then_it_covers_its_own_type_first_then_the_smallest_sizes_up()
    {
        // A t3.small (1 unit a second), a t3.medium (2) and a t3.nano (0.25) run the whole hour. One t3.medium reserved
        // (2 units): its own type takes it all, though the two smaller ones would fit in it as well.
        var usage = new[] { Run("t3.small", "us-east-1a", Hour, 3600, "i-s"), Run("t3.medium", "us-east-1a", Hour, 3600, "i-m"), Run("t3.nano", "us-east-1a", Hour, 3600, "i-n") };
        var medium = Reserved("t3.medium", null, 1);
        var own = Apply(usage, medium);
        Assert.Equal([("i-m", 3600m)], CoveredBy(own, medium));

        // Two t3.small reserved (2 units): its own type first (the small, 1), then the nano (0.25), then the 0.75 units left on
        // the medium: 1,350 of its seconds.
        var smalls = Reserved("t3.small", null, 2);
        var covered = CoveredBy(Apply(usage, smalls), smalls).ToDictionary(c => c.Item1, c => c.Item2);
        Assert.Equal(new Dictionary<string, decimal> { ["i-s"] = 3600m, ["i-n"] = 3600m, ["i-m"] = 1350m }, covered);
    }

    [Fact]
    public void Given_an_invoice_with_size_flexible_coverage_Then_the_covered_seconds_of_each_size_are_their_own_zero_priced_line()
    {
        var reservation = Reserved("m5.xlarge", null, 1);
        var invoice = CloseMonthHandler.Compose("123456789012", DateOnly.FromDateTime(March), [Run("m5.large", "us-east-1a", Hour, 7200, "i-l1"),
            Run("m5.large", "us-east-1b", Hour, 3600, "i-l2"), Run("m5.xlarge", "us-east-1a", Hour.AddHours(1), 3600, "i-x")], Book, March.AddMonths(1), [reservation]);

        var lines = invoice.Lines.ToDictionary(l => (l.UsageType, l.ReservationId));
        // Hour one: both larges (4 + 4 = 8 units) covered. Hour two: the xlarge (its own type, 8 units) first; the large's second hour on demand.
        Assert.Equal((7200m, 0m), (lines[("BoxUsage:m5.large", reservation.Id)].Quantity, lines[("BoxUsage:m5.large", reservation.Id)].Amount));
        Assert.Equal(3600m, lines[("BoxUsage:m5.xlarge", reservation.Id)].Quantity);
        Assert.Equal((3600m, 0.10m), (lines[("BoxUsage:m5.large", null)].Quantity, lines[("BoxUsage:m5.large", null)].Amount));
        Assert.Equal(invoice.Lines.Sum(l => l.Amount), invoice.Total);
    }

    private static readonly string[] Sizes = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"];

    private static readonly Gen<UsageRecord> AnyRun =
        from family in Gen.Elements("t3", "m5")
        from size in Gen.Elements(Sizes)
        from zone in Gen.Elements("us-east-1a", "us-east-1b")
        from startSecond in Gen.Choose(0, 3 * 3600)
        from seconds in Gen.Choose(60, 2 * 3600)
        from resource in Gen.Choose(1, 6)
        select Run($"{family}.{size}", zone, Hour.AddSeconds(startSecond), seconds, $"i-{resource}{family}{size}{zone[^1]}{startSecond}");

    private static readonly Gen<Reservation> AnyReservation =
        from family in Gen.Elements("t3", "m5")
        from size in Gen.Elements(Sizes)
        from zone in Gen.Elements<string?>(null, null, "us-east-1a", "us-east-1b")
        from count in Gen.Choose(1, 3)
        select Reserved($"{family}.{size}", zone, count);

    private static readonly Gen<(UsageRecord[] Usage, Reservation[] Reservations)> AnyMonth =
        from runs in Gen.Choose(0, 8)
        from usage in Gen.ListOf(AnyRun, runs)
        from count in Gen.Choose(0, 4)
        from reservations in Gen.ListOf(AnyReservation, count)
        select (usage.ToArray(), reservations.ToArray());

    [Fact]
    public void Given_any_runs_and_reservations_Then_every_second_is_billed_once_and_no_reservation_covers_more_units_than_it_holds_or_leaves_any_unused_beside_on_demand_usage_it_could_cover()
    {
        PropertyRuns.Check(output, "size flexibility", Prop.ForAll(AnyMonth.ToArbitrary(), month =>
        {
            var (usage, reservations) = month;
            var charges = ReservedUsage.Apply(usage, reservations, March, Book).Where(c => c.UsageType.StartsWith("BoxUsage:", StringComparison.Ordinal)).ToList();

            // Each run's seconds (with its minimum) are billed once: covered and on-demand seconds add up to it.
            foreach (var run in usage.GroupBy(u => u.ResourceId))
            {
                Assert.Equal(run.Sum(r => r.Quantity), charges.Where(c => c.ResourceId == run.Key).Sum(c => c.Quantity));
            }

            foreach (var hour in charges.GroupBy(c => c.Start))
            {
                foreach (var reservation in reservations)
                {
                    var held = reservation.InstanceCount * InstanceSizes.Factor(reservation.InstanceType)!.Value * 3600m;
                    var mine = hour.Where(c => c.ReservationId == reservation.Id).ToList();
                    var used = mine.Sum(c => c.Quantity * InstanceSizes.Factor(c.UsageType["BoxUsage:".Length..])!.Value);
                    Assert.True(used <= held, $"{reservation.Id} used {used} of {held}");

                    // What it covers: a zonal one its own type in its zone only; a regional one its family.
                    foreach (var charge in mine)
                    {
                        var type = charge.UsageType["BoxUsage:".Length..];
                        var zone = usage.First(u => u.ResourceId == charge.ResourceId).AvailabilityZone;
                        Assert.True(reservation.AvailabilityZone is null
                            ? type.Split('.')[0] == reservation.InstanceType.Split('.')[0]
                            : type == reservation.InstanceType && zone == reservation.AvailabilityZone, $"{reservation.Id} covered {type} in {zone}");
                        Assert.Equal(0m, charge.Price.PricePerUnit);
                    }

                    // Nothing it could cover is left on demand while some of it is unused.
                    var coverable = hour.Where(c => c.ReservationId is null && ReservedUsage.Covers(reservation, c.UsageType)
                        && (reservation.AvailabilityZone is null || usage.First(u => u.ResourceId == c.ResourceId).AvailabilityZone == reservation.AvailabilityZone));
                    if (coverable.Any(c => c.Quantity > 0))
                    {
                        Assert.True(held - used < 0.000001m, $"{reservation.Id} left {held - used} units unused beside on-demand usage it covers");
                    }
                }
            }
        }), 300);
    }

    private static IReadOnlyList<Charge> Apply(UsageRecord[] usage, params Reservation[] reservations) => ReservedUsage.Apply(usage, reservations, March, Book);

    private static decimal Covered(IReadOnlyList<Charge> charges, Reservation reservation) =>
        charges.Where(c => c.ReservationId == reservation.Id && c.UsageType.StartsWith("BoxUsage:", StringComparison.Ordinal)).Sum(c => c.Quantity);

    private static (string, decimal)[] CoveredBy(IReadOnlyList<Charge> charges, Reservation reservation) =>
        [.. charges.Where(c => c.ReservationId == reservation.Id && c.UsageType.StartsWith("BoxUsage:", StringComparison.Ordinal)).Select(c => (c.ResourceId, c.Quantity))];

    private static decimal OnDemand(IReadOnlyList<Charge> charges) =>
        charges.Where(c => c.ReservationId is null && c.UsageType.StartsWith("BoxUsage:", StringComparison.Ordinal)).Sum(c => c.Quantity);

    private static Reservation Reserved(string type, string? zone, int count) => new()
    {
        Id = $"ri-{Interlocked.Increment(ref _next):D5}",
        AccountId = "123456789012",
        OfferingId = ReservedOfferings.IdOf(type, zone, 1, "No Upfront"),
        InstanceType = type,
        AvailabilityZone = zone,
        InstanceCount = count,
        OfferingType = "No Upfront",
        FixedPrice = 0m,
        RecurringHourly = 0.01m,
        Start = March.AddDays(-10),
        End = March.AddDays(-10).AddYears(1),
    };

    private static UsageRecord Run(string type, string zone, DateTime start, long seconds, string resource) => new()
    {
        IdempotencyKey = $"ec2-run:{resource}:{Interlocked.Increment(ref _next)}",
        AccountId = "123456789012",
        Service = "AmazonEC2",
        UsageType = $"BoxUsage:{type}",
        ResourceId = resource,
        UsageStart = start,
        UsageEnd = start.AddSeconds(seconds),
        Quantity = seconds,
        Unit = "Seconds",
        AvailabilityZone = zone,
    };
}
