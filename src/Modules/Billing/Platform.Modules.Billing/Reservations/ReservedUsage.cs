using Platform.Modules.Billing.Metering;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;

namespace Platform.Modules.Billing.Reservations;

/// <summary>
/// One priced quantity of an invoice before lines are made: usage at a price, or a reservation's fee. It keeps the
/// resource (the reservation's id for its fees) and the time it covers, for the cost and usage report's line items.
/// </summary>
internal sealed record Charge(string Service, string UsageType, string Unit, decimal Quantity, Price Price, string? ReservationId,
    string ResourceId, DateTime Start, DateTime End);

/// <summary>
/// Reserved instances on a month's bill, as AWS applies them: clock hour by clock hour, each reservation covers up to its
/// instance count's seconds of running time in that hour (zonal reservations first, their own type in their zone; then
/// regional ones, in any zone, with size flexibility: a regional reservation holds its count times its size's
/// <see cref="InstanceSizes.Factor"/> units a second and covers its own type first, then the other sizes of its family from
/// the smallest up, each second of a size using its factor's units, so a part of a larger instance's second may be
/// covered); covered seconds cost nothing, the rest is on-demand at the price in force that hour. Each
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
        bool Reserved(UsageRecord r) => r.Service == UsageTypes.Ec2 && reservations.Any(reservation => Covers(reservation, r.UsageType));

        var charges = usage.Where(r => !Reserved(r))
            .Select(r => new Charge(r.Service, r.UsageType, r.Unit, r.Quantity, book.PriceOf(r), null, r.ResourceId, r.UsageStart, r.UsageEnd))
            .ToList();

        // Seconds run per hour, type, zone ("" for a run metered without its zone: only regional reservations match it) and
        // instance (so the report's line items say which instance a reservation covered).
        var hours = new SortedDictionary<DateTime, Dictionary<(string Type, string Zone, string Resource), decimal>>();
        foreach (var record in usage.Where(Reserved))
        {
            Spread(record, (hour, seconds) =>
            {
                if (!hours.TryGetValue(hour, out var held))
                {
                    hours[hour] = held = [];
                }

                var key = (record.UsageType, record.AvailabilityZone ?? "", record.ResourceId);
                held[key] = held.GetValueOrDefault(key) + seconds;
            });
        }

        var ordered = reservations.OrderBy(r => r.AvailabilityZone is null).ThenBy(r => r.Start).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        foreach (var (hour, held) in hours)
        {
            foreach (var reservation in ordered)
            {
                // In units of the reservation's size (a second of its own type uses one unit per instance).
                var own = InstanceSizes.Factor(reservation.InstanceType) ?? 1m;
                var capacity = reservation.InstanceCount * own * Overlap(hour, hour.AddHours(1), reservation.Start, reservation.End);
                var type = UsageTypes.Box(reservation.InstanceType);
                var matching = held.Keys.Where(k => Covers(reservation, k.Type) && (reservation.AvailabilityZone is null || k.Zone == reservation.AvailabilityZone))
                    .OrderBy(k => k.Type != type).ThenBy(k => InstanceSizes.Factor(InstanceOf(k.Type))).ThenBy(k => k).ToList();
                foreach (var key in matching)
                {
                    var units = key.Type == type ? own : InstanceSizes.Factor(InstanceOf(key.Type))!.Value;
                    var take = Math.Min(capacity / units, held[key]);
                    if (take <= 0)
                    {
                        continue;
                    }

                    held[key] -= take;
                    capacity -= take * units;
                    charges.Add(new Charge(UsageTypes.Ec2, key.Type, UsageTypes.Seconds, take, new Price(UsageTypes.Ec2, key.Type, 0m, Price.Hours), reservation.Id,
                        key.Resource, hour, hour.AddHours(1)));
                }
            }

            foreach (var ((type, _, resource), seconds) in held.Where(h => h.Value > 0))
            {
                charges.Add(new Charge(UsageTypes.Ec2, type, UsageTypes.Seconds, seconds, book.PriceAt(UsageTypes.Ec2, type, hour), null, resource, hour, hour.AddHours(1)));
            }
        }

        foreach (var reservation in reservations)
        {
            var term = Overlap(monthStart, monthEnd, reservation.Start, reservation.End);
            if (reservation.RecurringHourly > 0 && term > 0)
            {
                var heavy = HeavyUsage + reservation.InstanceType;
                charges.Add(new Charge(UsageTypes.Ec2, heavy, UsageTypes.Seconds, reservation.InstanceCount * term,
                    new Price(UsageTypes.Ec2, heavy, reservation.RecurringHourly, Price.Hours), reservation.Id,
                    reservation.Id, Later(monthStart, reservation.Start), Earlier(monthEnd, reservation.End)));
            }

            if (reservation.FixedPrice > 0 && reservation.Start >= monthStart && reservation.Start < monthEnd)
            {
                var upfront = Upfront + reservation.InstanceType;
                charges.Add(new Charge(UsageTypes.Ec2, upfront, Instances, reservation.InstanceCount,
                    new Price(UsageTypes.Ec2, upfront, reservation.FixedPrice, Price.Each), reservation.Id, reservation.Id, reservation.Start, reservation.Start));
            }
        }

        return charges;
    }

    /// <summary>Whether a reservation may cover usage of this type: its own type, or for a regional one any size of its family.</summary>
    public static bool Covers(Reservation reservation, string usageType) =>
        usageType.StartsWith(UsageTypes.BoxPrefix, StringComparison.Ordinal)
        && (InstanceOf(usageType) == reservation.InstanceType
            || (reservation.AvailabilityZone is null && InstanceSizes.Flexible(reservation.InstanceType, InstanceOf(usageType))));

    private static string InstanceOf(string usageType) => usageType.StartsWith(UsageTypes.BoxPrefix, StringComparison.Ordinal) ? usageType[UsageTypes.BoxPrefix.Length..] : usageType;

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

    private static DateTime Later(DateTime a, DateTime b) => a > b ? a : b;

    private static DateTime Earlier(DateTime a, DateTime b) => a < b ? a : b;

    public static decimal Overlap(DateTime from, DateTime to, DateTime start, DateTime end)
    {
        var a = from > start ? from : start;
        var b = to < end ? to : end;
        return b > a ? (decimal)(b - a).TotalSeconds : 0m;
    }
}
