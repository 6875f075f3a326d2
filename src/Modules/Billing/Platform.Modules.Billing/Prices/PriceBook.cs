using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Metering;
using Platform.Modules.Billing.Persistence;

namespace Platform.Modules.Billing.Prices;

/// <summary>
/// Every version of the price list at once (the defaults and the operator's), to price usage as of its start: the
/// newest price of the usage type effective at that moment. A usage type with no price at all costs nothing, so an
/// unpriced type shows in the usage with a cost of zero rather than failing a bill. A spot instance's usage
/// (<c>SpotUsage:</c>) is priced by the spot price of its type and zone in force at its start (its records are cut where
/// that price changed; before the first price of its zone, the first), or the type's on-demand price when none was recorded.
/// </summary>
internal sealed class PriceBook(IReadOnlyList<PriceEntry> entries, IReadOnlyList<SpotPrice>? spotPrices = null)
{
    private readonly Dictionary<(string, string), List<SpotPrice>> _spot = (spotPrices ?? [])
        .GroupBy(p => (p.InstanceType, p.AvailabilityZone))
        .ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.EffectiveFrom).ToList());

    private readonly Dictionary<(string, string), List<PriceEntry>> _byType = entries
        .GroupBy(e => (e.Service, e.UsageType))
        .ToDictionary(g => g.Key, g => g.OrderByDescending(e => e.EffectiveFrom).ToList());

    public static async Task<PriceBook> LoadAsync(BillingDbContext db, CancellationToken cancellationToken) =>
        new(await db.Prices.AsNoTracking().ToListAsync(cancellationToken), await db.SpotPrices.AsNoTracking().ToListAsync(cancellationToken));

    /// <summary>The price of one usage record: the price list's, or for spot usage the spot price of its zone in force at its start.</summary>
    public Price PriceOf(UsageRecord record)
    {
        if (record.Service != UsageTypes.Ec2 || !UsageTypes.IsSpot(record.UsageType))
        {
            return PriceAt(record.Service, record.UsageType, record.UsageStart);
        }

        var type = record.UsageType[UsageTypes.SpotPrefix.Length..];
        return record.AvailabilityZone is { } zone && _spot.TryGetValue((type, zone), out var versions)
            && (versions.FirstOrDefault(v => v.EffectiveFrom <= record.UsageStart) ?? versions[^1]) is { } spot
            ? new Price(UsageTypes.Ec2, record.UsageType, spot.PricePerHour, Price.Hours)
            : PriceAt(UsageTypes.Ec2, UsageTypes.Box(type), record.UsageStart) with { UsageType = record.UsageType };
    }

    public Price PriceAt(string service, string usageType, DateTime at)
    {
        var fallback = DefaultPrices.Find(service, usageType) ?? new Price(service, usageType, 0m, Price.Hours);
        return _byType.TryGetValue((service, usageType), out var versions) && versions.FirstOrDefault(v => v.EffectiveFrom <= at) is { } entry
            ? new Price(service, usageType, entry.PricePerUnit, entry.PriceUnit)
            : fallback;
    }

    /// <summary>The whole list in force at <paramref name="at"/>, with when each price took effect.</summary>
    public IReadOnlyList<(Price Price, DateTime EffectiveFrom)> ListAt(DateTime at) =>
        [.. DefaultPrices.All.Select(d => _byType.TryGetValue((d.Service, d.UsageType), out var versions) && versions.FirstOrDefault(v => v.EffectiveFrom <= at) is { } entry
            ? (new Price(d.Service, d.UsageType, entry.PricePerUnit, entry.PriceUnit), entry.EffectiveFrom)
            : (d, DefaultPrices.EffectiveFrom))];

    /// <summary>The cost of a quantity in the usage record's units, unrounded.</summary>
    public static decimal Cost(Price price, decimal quantity) => quantity / price.UnitsPerPricedUnit * price.PricePerUnit;
}
