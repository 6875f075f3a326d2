using Platform.Modules.Billing.Invoices;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;
using Platform.Modules.Billing.Reservations;

namespace Platform.Modules.Billing.Tests;

/// <summary>Reserved instances on an invoice: hour by hour, up to N instances of the type (zonal first), the rest on demand; fees once.</summary>
public sealed class ReservedInstanceTests
{
    private static readonly DateTime March = new(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly PriceBook Book = new([]);
    private static int _next;

    [Fact]
    public void Given_one_regional_reservation_and_two_instances_of_its_type_Then_one_instance_second_per_second_is_covered_and_the_rest_is_on_demand()
    {
        // Two t3.micro runs overlap from 10:00:00 to 10:30:00 (1,800 s); the first runs 09:30:00-10:30:00 (3,600 s),
        // the second 10:00:00-11:15:00 (4,500 s). One reserved instance covers one at a time: 3,600 + 4,500 - 1,800 = 6,300 s
        // covered, 1,800 s on demand; an m5.large run alongside is not covered at all.
        var reservation = Reserved("t3.micro", null, 1, March.AddDays(-10), fixedPrice: 0m, hourly: 0.0064m);
        var usage = new[]
        {
            Run("t3.micro", "us-east-1a", March.AddHours(9.5), 3600),
            Run("t3.micro", "us-east-1b", March.AddHours(10), 4500),
            Run("m5.large", "us-east-1a", March.AddHours(10), 600),
        };

        var invoice = CloseMonthHandler.Compose("123456789012", DateOnly.FromDateTime(March), usage, Book, March.AddMonths(1), [reservation]);

        var lines = invoice.Lines.ToDictionary(l => (l.UsageType, l.ReservationId));
        Assert.Equal(6300m, lines[("BoxUsage:t3.micro", reservation.Id)].Quantity);
        Assert.Equal(0m, lines[("BoxUsage:t3.micro", reservation.Id)].Amount);
        Assert.Equal(1800m, lines[("BoxUsage:t3.micro", null)].Quantity);
        Assert.Equal(decimal.Round(1800m / 3600m * 0.0104m, 2, MidpointRounding.AwayFromZero), lines[("BoxUsage:t3.micro", null)].Amount);
        Assert.Equal(600m, lines[("BoxUsage:m5.large", null)].Quantity);
        // The recurring fee for every hour of March (31 days), run or not: 744 h at 0.0064.
        var heavy = lines[("HeavyUsage:t3.micro", reservation.Id)];
        Assert.Equal((31m * 24m * 3600m, 4.76m), (heavy.Quantity, heavy.Amount));
        Assert.False(lines.ContainsKey(("Upfront:t3.micro", reservation.Id))); // bought in February
        Assert.Equal(invoice.Lines.Sum(l => l.Amount), invoice.Total);
    }

    [Fact]
    public void Given_a_zonal_and_a_regional_reservation_Then_the_zonal_one_covers_its_zone_first_and_the_regional_one_the_rest_up_to_its_count()
    {
        var zonal = Reserved("c5.large", "us-east-1b", 1, March.AddDays(-1), fixedPrice: 0m, hourly: 0.05m);
        var regional = Reserved("c5.large", null, 2, March.AddDays(-1), fixedPrice: 0m, hourly: 0.05m);
        // Four c5.large in the same hour, 1,000 s each: two in 1a, two in 1b. The zonal one (one instance, 3,600 s) takes
        // both in 1b, the regional one (two, 7,200 s) both in 1a: nothing on demand.
        var hour = March.AddDays(3).AddHours(4);
        var usage = new[]
        {
            Run("c5.large", "us-east-1a", hour, 1000), Run("c5.large", "us-east-1a", hour.AddSeconds(5), 1000),
            Run("c5.large", "us-east-1b", hour, 1000), Run("c5.large", "us-east-1b", hour.AddSeconds(9), 1000),
        };

        var invoice = CloseMonthHandler.Compose("123456789012", DateOnly.FromDateTime(March), usage, Book, March.AddMonths(1), [regional, zonal]);

        var covered = invoice.Lines.Where(l => l.UsageType == "BoxUsage:c5.large").ToDictionary(l => l.ReservationId ?? "on-demand", l => l.Quantity);
        Assert.Equal(new Dictionary<string, decimal> { [zonal.Id] = 2000m, [regional.Id] = 2000m }, covered);

        // One reserved instance covers one instance-hour per clock hour: eight such runs in the hour (8,000 s) leave 4,400 s on demand.
        var eight = Enumerable.Range(0, 8).Select(n => Run("c5.large", "us-east-1a", hour.AddSeconds(n), 1000)).ToArray();
        var one = Reserved("c5.large", null, 1, March.AddDays(-1), fixedPrice: 0m, hourly: 0.05m);
        var second = CloseMonthHandler.Compose("123456789012", DateOnly.FromDateTime(March), eight, Book, March.AddMonths(1), [one]);
        Assert.Equal(4400m, second.Lines.Single(l => l.UsageType == "BoxUsage:c5.large" && l.ReservationId is null).Quantity);
    }

    [Fact]
    public void Given_a_reservation_bought_this_month_with_partial_upfront_Then_its_upfront_fee_is_charged_once_and_its_hourly_fee_from_its_start()
    {
        var start = March.AddDays(20).AddHours(6);
        var reservation = Reserved("t3.small", null, 3, start, fixedPrice: 54.66m, hourly: 0.006136m);

        var march = CloseMonthHandler.Compose("123456789012", DateOnly.FromDateTime(March), [], Book, March.AddMonths(1), [reservation]);
        var april = CloseMonthHandler.Compose("123456789012", DateOnly.FromDateTime(March.AddMonths(1)), [], Book, March.AddMonths(2), [reservation]);

        var upfront = march.Lines.Single(l => l.UsageType == "Upfront:t3.small");
        Assert.Equal((3m, "Instances", 54.66m, 163.98m), (upfront.Quantity, upfront.Unit, upfront.PricePerUnit, upfront.Amount));
        Assert.DoesNotContain(april.Lines, l => l.UsageType == "Upfront:t3.small");
        var marchHours = (decimal)(March.AddMonths(1) - start).TotalHours;
        Assert.Equal(3m * marchHours * 3600m, march.Lines.Single(l => l.UsageType == "HeavyUsage:t3.small").Quantity);
        Assert.Equal(decimal.Round(3m * 30m * 24m * 0.006136m, 2, MidpointRounding.AwayFromZero), april.Lines.Single(l => l.UsageType == "HeavyUsage:t3.small").Amount);
    }

    [Fact]
    public void Given_the_offerings_Then_each_way_to_pay_costs_the_discounted_term_and_ids_are_stable_and_distinct()
    {
        var zones = new[] { "us-east-1a", "us-east-1b" };
        var offerings = ReservedOfferings.All(Book, zones, March);

        Assert.Equal(offerings.Count, offerings.Select(o => o.Id).Distinct().Count());
        Assert.Equal(offerings.Select(o => o.Id), ReservedOfferings.All(Book, zones, March).Select(o => o.Id));
        var micro = offerings.Where(o => o.InstanceType == "t3.micro" && o.AvailabilityZone is null && o.Years == 1).ToDictionary(o => o.OfferingType);
        Assert.Equal((0m, decimal.Round(0.0104m * 0.62m, 6)), (micro["No Upfront"].FixedPrice, micro["No Upfront"].RecurringHourly));
        Assert.Equal((decimal.Round(0.0104m * 0.58m * 8760m, 2), 0m), (micro["All Upfront"].FixedPrice, micro["All Upfront"].RecurringHourly));
        Assert.Equal(decimal.Round(0.0104m * 0.59m * 8760m / 2m, 2), micro["Partial Upfront"].FixedPrice);
        Assert.Equal(3 * 3 * 2, offerings.Count(o => o.InstanceType == "t3.micro"));
    }

    [Fact]
    public void Given_a_run_with_the_minimum_Then_its_shortfall_counts_in_its_last_hour()
    {
        var spread = new List<(DateTime, decimal)>();
        ReservedUsage.Spread(Run("t3.micro", "us-east-1a", March.AddHours(1).AddSeconds(-10), 60, ranSeconds: 20), (h, s) => spread.Add((h, s)));

        Assert.Equal([(March, 10m), (March.AddHours(1), 10m + 40m)], spread.GroupBy(x => x.Item1).Select(g => (g.Key, g.Sum(x => x.Item2))));
    }

    private static Reservation Reserved(string type, string? zone, int count, DateTime start, decimal fixedPrice, decimal hourly) => new()
    {
        Id = $"ri-{Interlocked.Increment(ref _next):D4}",
        AccountId = "123456789012",
        OfferingId = ReservedOfferings.IdOf(type, zone, 1, "No Upfront"),
        InstanceType = type,
        AvailabilityZone = zone,
        InstanceCount = count,
        OfferingType = "No Upfront",
        FixedPrice = fixedPrice,
        RecurringHourly = hourly,
        Start = start,
        End = start.AddYears(1),
    };

    private static UsageRecord Run(string type, string zone, DateTime start, long seconds, long? ranSeconds = null) => new()
    {
        IdempotencyKey = $"ec2-run:i-{Interlocked.Increment(ref _next)}",
        AccountId = "123456789012",
        Service = "AmazonEC2",
        UsageType = $"BoxUsage:{type}",
        ResourceId = "i-1",
        UsageStart = start,
        UsageEnd = start.AddSeconds(ranSeconds ?? seconds),
        Quantity = seconds,
        Unit = "Seconds",
        AvailabilityZone = zone,
    };
}
