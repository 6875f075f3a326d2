using Platform.Modules.Billing.Metering;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;

namespace Platform.Modules.Billing.Reservations;

/// <summary>One priced quantity of an invoice before lines are made: usage at a price, or a reservation's fee.</summary>
internal sealed record Charge(string Service, string UsageType, string Unit, decimal Quantity, Price Price, string? ReservationId);

/// <summary>
/// Reserved instances on a month's bill, as AWS applies them: clock hour by clock hour, each reservation covers up to its
/// instance count's seconds of running time of its type in that hour (zonal reservations first, in their zone; then
/// regional ones, in any zone); covered seconds cost nothing, the rest is on-demand at the price in force that hour. Each
/// reservation adds its recurring fee for every second of its term in the month (whether or not anything ran) and its
/// upfront fee once, in the month it was bought. An instance's 60-second minimum counts in the hour its run ended.
/// </summary>
internal static class ReservedUsage
{
    public const string HeavyUsage = "HeavyUsage:";
    public const string Upfront = "Upfront:";
    public const string Instances = "Instances";

    public static IReadOnlyList<Charge> Apply(IReadOnlyList<UsageRecord> usage, IReadOnlyList<Reservation> reservations, DateTime monthStart, PriceBook book)
    {
        var monthEnd = monthStart.AddMonths(1);
        var reservedTypes = reservations.Select(r => UsageTypes.Box(r.InstanceType)).ToHashSet(StringComparer.Ordinal);
        bool Reserved(UsageRecord r) => r.Service == UsageTypes.Ec2 && reservedTypes.Contains(r.UsageType);

        var charges = usage.Where(r => !Reserved(r))
            .Select(r => new Charge(r.Service, r.UsageType, r.Unit, r.Quantity, book.PriceAt(r.Service, r.UsageType, r.UsageStart), null)).ToList();

        // Seconds run per hour, type and zone ("" for a run metered without its zone: only regional reservations match it).
        var hours = new SortedDictionary<DateTime, Dictionary<(string Type, string Zone), decimal>>();
        foreach (var record in usage.Where(Reserved))
        {
            Spread(record, (hour, seconds) =>
            {
                if (!hours.TryGetValue(hour, out var held))
                {
                    hours[hour] = held = [];
                }

                var key = (record.UsageType, record.AvailabilityZone ?? "");
                held[key] = held.GetValueOrDefault(key) + seconds;
            });
        }

        var covered = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var ordered = reservations.OrderBy(r => r.AvailabilityZone is null).ThenBy(r => r.Start).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        foreach (var (hour, held) in hours)
        {
            foreach (var reservation in ordered)
            {
                var capacity = reservation.InstanceCount * Overlap(hour, hour.AddHours(1), reservation.Start, reservation.End);
                var type = UsageTypes.Box(reservation.InstanceType);
                foreach (var key in held.Keys.Where(k => k.Type == type && (reservation.AvailabilityZone is null || k.Zone == reservation.AvailabilityZone)).Order().ToList())
                {
                    var take = Math.Min(capacity, held[key]);
                    if (take <= 0)
                    {
                        continue;
                    }

                    held[key] -= take;
                    capacity -= take;
                    covered[reservation.Id] = covered.GetValueOrDefault(reservation.Id) + take;
                }
            }

            foreach (var ((type, _), seconds) in held.Where(h => h.Value > 0))
            {
                charges.Add(new Charge(UsageTypes.Ec2, type, UsageTypes.Seconds, seconds, book.PriceAt(UsageTypes.Ec2, type, hour), null));
            }
        }

        foreach (var reservation in reservations)
        {
            var type = UsageTypes.Box(reservation.InstanceType);
            if (covered.TryGetValue(reservation.Id, out var seconds))
            {
                charges.Add(new Charge(UsageTypes.Ec2, type, UsageTypes.Seconds, seconds, new Price(UsageTypes.Ec2, type, 0m, Price.Hours), reservation.Id));
            }

            var term = Overlap(monthStart, monthEnd, reservation.Start, reservation.End);
            if (reservation.RecurringHourly > 0 && term > 0)
            {
                var heavy = HeavyUsage + reservation.InstanceType;
                charges.Add(new Charge(UsageTypes.Ec2, heavy, UsageTypes.Seconds, reservation.InstanceCount * term,
                    new Price(UsageTypes.Ec2, heavy, reservation.RecurringHourly, Price.Hours), reservation.Id));
            }

            if (reservation.FixedPrice > 0 && reservation.Start >= monthStart && reservation.Start < monthEnd)
            {
                var upfront = Upfront + reservation.InstanceType;
                charges.Add(new Charge(UsageTypes.Ec2, upfront, Instances, reservation.InstanceCount,
                    new Price(UsageTypes.Ec2, upfront, reservation.FixedPrice, Price.Each), reservation.Id));
            }
        }

        return charges;
    }

    /// <summary>A run's seconds by clock hour: its time in each hour, and the minimum's shortfall in its last.</summary>
    public static void Spread(UsageRecord record, Action<DateTime, decimal> add)
    {
        var hour = new DateTime(record.UsageStart.Year, record.UsageStart.Month, record.UsageStart.Day, record.UsageStart.Hour, 0, 0, DateTimeKind.Utc);
        var spread = 0m;
        var last = hour;
        for (; hour < record.UsageEnd; hour = hour.AddHours(1))
        {
            var seconds = Overlap(hour, hour.AddHours(1), record.UsageStart, record.UsageEnd);
            if (seconds > 0)
            {
                add(hour, seconds);
                spread += seconds;
                last = hour;
            }
        }

        if (record.Quantity > spread)
        {
            add(last, record.Quantity - spread);
        }
    }

    private static decimal Overlap(DateTime from, DateTime to, DateTime start, DateTime end)
    {
        var a = from > start ? from : start;
        var b = to < end ? to : end;
        return b > a ? (decimal)(b - a).TotalSeconds : 0m;
    }
}
