using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Billing.Prices;

/// <summary>The price list in force at <paramref name="At"/> (now when null), every price with when it took effect, and the versions there are.</summary>
internal sealed record GetPrices(string? At) : IRequest<PriceListResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("aws-portal:ViewBilling", "*");

    public void Validate() => BillingTime.Parse(At, "at");
}

internal sealed record PriceListResponse(string Currency, DateTime At, IReadOnlyList<PriceResponse> Prices, IReadOnlyList<DateTime> Versions);

internal sealed record PriceResponse(string Service, string UsageType, decimal PricePerUnit, string PriceUnit, DateTime EffectiveFrom);

internal sealed record PriceChange(string? Service, string? UsageType, decimal? PricePerUnit);

/// <summary>
/// A new version of the price list from <paramref name="EffectiveFrom"/> (now when null; never in the past, so no bill
/// already made changes): the prices given change, the others stay as they are. The management account's only.
/// </summary>
internal sealed record PutPrices(string? EffectiveFrom, IReadOnlyList<PriceChange>? Prices) : IRequest<PriceListResponse>, IRequiresPermission, IValidatable
{
    public const int MaxPrices = 500;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("aws-portal:ModifyBilling", "*");

    public void Validate()
    {
        BillingTime.Parse(EffectiveFrom, "effective_from");
        if (Prices is not { Count: > 0 and <= MaxPrices })
        {
            throw ApiErrors.InvalidParameterValue($"prices must hold 1 to {MaxPrices} prices.");
        }

        foreach (var price in Prices)
        {
            if (price.Service is null || price.UsageType is null || DefaultPrices.Find(price.Service, price.UsageType) is null)
            {
                throw ApiErrors.InvalidParameterValue($"No usage type '{price.UsageType}' of service '{price.Service}' is metered here.");
            }

            if (price.PricePerUnit is not { } value || value < 0 || value > 1_000_000m || decimal.Round(value, 10) != value)
            {
                throw ApiErrors.InvalidParameterValue(
                    $"The price of {price.UsageType} must be a number from 0 to 1000000 with at most 10 decimal places; got {price.PricePerUnit?.ToString(CultureInfo.InvariantCulture) ?? "none"}.");
            }
        }

        if (Prices.GroupBy(p => (p.Service, p.UsageType)).Any(g => g.Count() > 1))
        {
            throw ApiErrors.InvalidParameterValue("A usage type may be priced once per version.");
        }
    }
}

internal sealed class GetPricesHandler(BillingDbContext db, TimeProvider clock) : IRequestHandler<GetPrices, PriceListResponse>
{
    public async ValueTask<PriceListResponse> Handle(GetPrices request, CancellationToken cancellationToken) =>
        await ListAsync(db, BillingTime.Parse(request.At, "at") ?? clock.GetUtcNow().UtcDateTime, cancellationToken);

    public static async Task<PriceListResponse> ListAsync(BillingDbContext db, DateTime at, CancellationToken cancellationToken)
    {
        var book = await PriceBook.LoadAsync(db, cancellationToken);
        var versions = await db.Prices.AsNoTracking().Select(p => p.EffectiveFrom).Distinct().ToListAsync(cancellationToken);
        return new PriceListResponse(BillingCurrency.Code, at,
            [.. book.ListAt(at).Select(p => new PriceResponse(p.Price.Service, p.Price.UsageType, p.Price.PricePerUnit, p.Price.PriceUnit, p.EffectiveFrom))],
            [DefaultPrices.EffectiveFrom, .. versions.Order()]);
    }
}

internal sealed class PutPricesHandler(BillingDbContext db, ICallerContext caller, ISender sender, TimeProvider clock) : IRequestHandler<PutPrices, PriceListResponse>
{
    /// <summary>How far in the past an effective time may be (the caller's clock against ours).</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public async ValueTask<PriceListResponse> Handle(PutPrices request, CancellationToken cancellationToken)
    {
        if (!await sender.Send(new IsManagementAccount(caller.Identity.AccountId), cancellationToken))
        {
            throw BillingErrors.ManagementAccountOnly();
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var from = BillingTime.Parse(request.EffectiveFrom, "effective_from") ?? now;
        if (from < now - ClockSkew)
        {
            throw ApiErrors.InvalidParameterValue("effective_from must not be in the past: usage already metered keeps the prices it was metered under.");
        }

        foreach (var change in request.Prices!)
        {
            var unit = DefaultPrices.Find(change.Service!, change.UsageType!)!.PriceUnit;
            db.Prices.Add(new PriceEntry
            {
                EffectiveFrom = from,
                Service = change.Service!,
                UsageType = change.UsageType!,
                PricePerUnit = change.PricePerUnit!.Value,
                PriceUnit = unit,
                CreatedAt = now,
                CreatedBy = caller.Identity.PrincipalArn,
            });
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            throw ApiErrors.Conflict("ConflictException", $"A version effective from {from:O} already prices one of these usage types.");
        }

        return await GetPricesHandler.ListAsync(db, from, cancellationToken);
    }
}
