using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Billing.Metering;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Billing.Spot;

/// <summary>
/// The spot market's rule: a zone's spot price is the on-demand price times a share that grows with how much of the zone's
/// capacity instances hold: 10 % of it (90 % off) on idle servers, rising with the square of the held share to the full
/// on-demand price on full ones. The held share is the larger of the vCPU and the memory shares (memory runs out first).
/// Rounded to six decimal places, as EC2 quotes spot prices.
/// </summary>
internal static class SpotPricing
{
    public const decimal FloorShare = 0.1m;

    public static decimal Share(ZoneCapacity zone)
    {
        var cpu = zone.VirtualCpus <= 0 ? 1m : (decimal)zone.AllocatedVirtualCpus / zone.VirtualCpus;
        var memory = zone.MemoryMiB <= 0 ? 1m : (decimal)zone.AllocatedMemoryMiB / zone.MemoryMiB;
        var held = Math.Clamp(Math.Max(cpu, memory), 0m, 1m);
        return FloorShare + ((1m - FloorShare) * held * held);
    }

    public static decimal Price(decimal onDemandPerHour, ZoneCapacity zone) =>
        Math.Max(0.000001m, decimal.Round(onDemandPerHour * Share(zone), 6, MidpointRounding.AwayFromZero));

    /// <summary>
    /// When a price worked out at <paramref name="asOf"/> takes effect: the next whole minute (that minute when on it), so a
    /// new price never reaches back over usage already metered, and two replicas working out the same minute collide.
    /// </summary>
    public static DateTime EffectiveMinute(DateTime asOf) =>
        new(asOf.Ticks + ((TimeSpan.TicksPerMinute - (asOf.Ticks % TimeSpan.TicksPerMinute)) % TimeSpan.TicksPerMinute), DateTimeKind.Utc);

    /// <summary>The instance types with an on-demand price: the types that have a spot market.</summary>
    public static IEnumerable<string> InstanceTypes() =>
        DefaultPrices.All.Where(p => p.Service == UsageTypes.Ec2 && p.UsageType.StartsWith("BoxUsage:", StringComparison.Ordinal))
            .Select(p => p.UsageType["BoxUsage:".Length..]);
}

internal sealed class UpdateSpotPricesHandler(BillingDbContext db, ISender sender) : IRequestHandler<UpdateSpotPrices, int>
{
    public async ValueTask<int> Handle(UpdateSpotPrices request, CancellationToken cancellationToken)
    {
        var at = SpotPricing.EffectiveMinute(request.AsOf);
        var zones = await sender.Send(new DescribeZoneCapacity(), cancellationToken);
        var book = await PriceBook.LoadAsync(db, cancellationToken);
        var latest = await SpotPriceHistory.LatestAsync(db, at, cancellationToken);
        var fresh = new List<SpotPrice>();
        foreach (var zone in zones)
        {
            foreach (var type in SpotPricing.InstanceTypes())
            {
                var price = SpotPricing.Price(book.PriceAt(UsageTypes.Ec2, UsageTypes.Box(type), at).PricePerUnit, zone);
                if (!latest.TryGetValue((type, zone.AvailabilityZone), out var current) || current.PricePerHour != price)
                {
                    fresh.Add(new SpotPrice { InstanceType = type, AvailabilityZone = zone.AvailabilityZone, EffectiveFrom = at, PricePerHour = price });
                }
            }
        }

        if (fresh.Count == 0)
        {
            return 0;
        }

        db.SpotPrices.AddRange(fresh);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return fresh.Count;
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            // Another run or replica recorded this minute first: its prices stand.
            db.ChangeTracker.Clear();
            return 0;
        }
    }
}

internal sealed class GetSpotPriceHandler(BillingDbContext db, ISender sender, TimeProvider clock) : IRequestHandler<GetSpotPrice, decimal?>
{
    public async ValueTask<decimal?> Handle(GetSpotPrice request, CancellationToken cancellationToken)
    {
        if (!SpotPricing.InstanceTypes().Contains(request.InstanceType, StringComparer.Ordinal))
        {
            return null;
        }

        var price = await LatestAsync(cancellationToken);
        if (price is null)
        {
            await sender.Send(new UpdateSpotPrices(clock.GetUtcNow().UtcDateTime), cancellationToken);
            price = await LatestAsync(cancellationToken);
        }

        return price;

        // The newest price: in force now, or about to be (a launch meets the price it will pay).
        async Task<decimal?> LatestAsync(CancellationToken ct) =>
            (await db.SpotPrices.AsNoTracking()
                .Where(p => p.InstanceType == request.InstanceType && p.AvailabilityZone == request.AvailabilityZone)
                .OrderByDescending(p => p.EffectiveFrom).FirstOrDefaultAsync(ct))?.PricePerHour;
    }
}

/// <summary>Reading the recorded spot prices.</summary>
internal static class SpotPriceHistory
{
    /// <summary>The price in force at <paramref name="at"/> for every type and zone that has one.</summary>
    public static async Task<Dictionary<(string Type, string Zone), SpotPrice>> LatestAsync(BillingDbContext db, DateTime at, CancellationToken cancellationToken)
    {
        var latest = await db.SpotPrices.AsNoTracking()
            .Where(p => p.EffectiveFrom <= at && !db.SpotPrices.Any(q => q.InstanceType == p.InstanceType && q.AvailabilityZone == p.AvailabilityZone
                && q.EffectiveFrom > p.EffectiveFrom && q.EffectiveFrom <= at))
            .ToListAsync(cancellationToken);
        return latest.ToDictionary(p => (p.InstanceType, p.AvailabilityZone));
    }

    /// <summary>When the spot price of the type and zone changed strictly inside (from, to): where a spot run's usage is cut.</summary>
    public static async Task<IReadOnlyList<DateTime>> ChangesAsync(BillingDbContext db, string instanceType, string? zone, DateTime from, DateTime to,
        CancellationToken cancellationToken) =>
        zone is null ? [] : await db.SpotPrices.AsNoTracking()
            .Where(p => p.InstanceType == instanceType && p.AvailabilityZone == zone && p.EffectiveFrom > from && p.EffectiveFrom < to)
            .OrderBy(p => p.EffectiveFrom).Select(p => p.EffectiveFrom).ToListAsync(cancellationToken);
}

/// <summary>
/// EC2's DescribeSpotPriceHistory: the prices of the types and zones asked for (all when none), newest first, that were in
/// force at some moment of [start, end] (the one in force at the start too, as EC2 answers; the last day when no start is
/// given, up to now when no end is); the spot market is public, so
/// every account sees the same history. Only Linux/UNIX instances run here.
/// </summary>
internal sealed record DescribeSpotPriceHistory(IReadOnlyList<string>? InstanceTypes, IReadOnlyList<string>? AvailabilityZones,
    IReadOnlyList<string>? ProductDescriptions, string? StartTime, string? EndTime)
    : IRequest<SpotPriceHistoryResponse>, IRequiresPermission, IValidatable
{
    public static readonly IReadOnlyList<string> Products = ["Linux/UNIX", "Linux/UNIX (Amazon VPC)"];

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DescribeSpotPriceHistory", "*");

    public void Validate()
    {
        var start = BillingTime.Parse(StartTime, "StartTime");
        var end = BillingTime.Parse(EndTime, "EndTime");
        if (start is not null && end is not null && start > end)
        {
            throw ApiErrors.InvalidParameterValue("StartTime must not be after EndTime.");
        }

        if (InstanceTypes?.FirstOrDefault(t => !SpotPricing.InstanceTypes().Contains(t, StringComparer.Ordinal)) is { } unknown)
        {
            throw ApiErrors.InvalidParameterValue($"Invalid value '{unknown}' for InstanceType.");
        }
    }
}

internal sealed record SpotPriceHistoryResponse(IReadOnlyList<SpotPriceResponse> SpotPriceHistory);

/// <param name="SpotPrice">Per hour, in the currency, as EC2 gives it (a string with six decimal places).</param>
internal sealed record SpotPriceResponse(string AvailabilityZone, string InstanceType, string ProductDescription, string SpotPrice, DateTime Timestamp);

internal sealed class DescribeSpotPriceHistoryHandler(BillingDbContext db, TimeProvider clock) : IRequestHandler<DescribeSpotPriceHistory, SpotPriceHistoryResponse>
{
    public async ValueTask<SpotPriceHistoryResponse> Handle(DescribeSpotPriceHistory request, CancellationToken cancellationToken)
    {
        if (request.ProductDescriptions is { Count: > 0 } products && !products.Any(p => DescribeSpotPriceHistory.Products.Contains(p, StringComparer.Ordinal)))
        {
            return new SpotPriceHistoryResponse([]);
        }

        var end = BillingTime.Parse(request.EndTime, "EndTime") ?? clock.GetUtcNow().UtcDateTime;
        var start = BillingTime.Parse(request.StartTime, "StartTime") ?? end.AddDays(-1);
        var query = db.SpotPrices.AsNoTracking().Where(p => p.EffectiveFrom <= end);
        if (request.InstanceTypes is { Count: > 0 } types)
        {
            query = query.Where(p => types.Contains(p.InstanceType));
        }

        if (request.AvailabilityZones is { Count: > 0 } zones)
        {
            query = query.Where(p => zones.Contains(p.AvailabilityZone));
        }

        // In the range, and the last one before its start (the price in force when it began).
        var found = await query.Where(p => p.EffectiveFrom >= start || !db.SpotPrices.Any(q => q.InstanceType == p.InstanceType
                && q.AvailabilityZone == p.AvailabilityZone && q.EffectiveFrom > p.EffectiveFrom && q.EffectiveFrom <= start))
            .ToListAsync(cancellationToken);
        var product = request.ProductDescriptions is { Count: > 0 } asked ? asked.First(p => DescribeSpotPriceHistory.Products.Contains(p, StringComparer.Ordinal)) : "Linux/UNIX";
        return new SpotPriceHistoryResponse([.. found
            .OrderByDescending(p => p.EffectiveFrom).ThenBy(p => p.InstanceType, StringComparer.Ordinal).ThenBy(p => p.AvailabilityZone, StringComparer.Ordinal)
            .Select(p => new SpotPriceResponse(p.AvailabilityZone, p.InstanceType, product,
                p.PricePerHour.ToString("0.000000", System.Globalization.CultureInfo.InvariantCulture), DateTime.SpecifyKind(p.EffectiveFrom, DateTimeKind.Utc)))]);
    }
}

/// <summary>The recurring spot price update: every minute, from the zones' free capacity then.</summary>
internal sealed class SpotPriceJob(ISender sender, TimeProvider clock)
{
    public const string RecurringJobId = "billing-spot-prices";

    [AutomaticRetry(Attempts = 0)]
    public async Task<int> RunAsync(CancellationToken cancellationToken) =>
        await sender.Send(new UpdateSpotPrices(clock.GetUtcNow().UtcDateTime), cancellationToken);
}
