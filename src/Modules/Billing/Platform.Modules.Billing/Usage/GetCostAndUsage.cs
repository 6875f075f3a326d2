using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Metering;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Billing.Usage;

/// <summary>
/// Cost Explorer's GetCostAndUsage over the native API: usage whose period starts in [start, end), grouped by service,
/// usage type, resource or account, each group with its quantities and its cost at the prices in force when the usage
/// started. Running instances count up to now. An account sees its own usage; the management account sees every
/// account's, or one account's with <c>account_id</c>.
/// </summary>
internal sealed record GetCostAndUsage(string? Start, string? End, string? GroupBy, string? AccountId) : IRequest<CostAndUsageResponse>, IRequiresPermission, IValidatable
{
    public static readonly IReadOnlyList<string> Groupings = ["service", "usage_type", "resource", "linked_account"];

    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(3 * 366);

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ce:GetCostAndUsage", "*");

    public void Validate()
    {
        var start = BillingTime.Parse(Start, "start") ?? throw ApiErrors.MissingParameter("The request must name start.");
        var end = BillingTime.Parse(End, "end") ?? throw ApiErrors.MissingParameter("The request must name end.");
        if (start >= end)
        {
            throw BillingErrors.InvalidDateRange("start must be before end.");
        }

        if (end - start > MaxRange)
        {
            throw BillingErrors.InvalidDateRange("The range may span three years at most.");
        }

        if (GroupBy is not null && !Groupings.Contains(GroupBy))
        {
            throw ApiErrors.InvalidParameterValue($"group_by must be one of {string.Join(", ", Groupings)}.");
        }

        if (AccountId is not null && (AccountId.Length != 12 || !AccountId.All(char.IsAsciiDigit)))
        {
            throw ApiErrors.InvalidParameterValue("account_id must be a 12-digit account id.");
        }
    }
}

internal sealed record CostAndUsageResponse(DateTime Start, DateTime End, string GroupBy, string Currency, IReadOnlyList<CostGroup> Groups, decimal TotalCost);

/// <param name="Cost">In the currency, to six decimal places (per-second usage costs fractions of a cent).</param>
internal sealed record CostGroup(string Key, IReadOnlyList<UsageQuantity> Quantities, decimal Cost);

internal sealed record UsageQuantity(string Unit, decimal Amount);

internal sealed class GetCostAndUsageHandler(BillingDbContext db, ICallerContext caller, ISender sender, TimeProvider clock)
    : IRequestHandler<GetCostAndUsage, CostAndUsageResponse>
{
    public async ValueTask<CostAndUsageResponse> Handle(GetCostAndUsage request, CancellationToken cancellationToken)
    {
        var start = BillingTime.Parse(request.Start, "start")!.Value;
        var end = BillingTime.Parse(request.End, "end")!.Value;
        var own = caller.Identity.AccountId;
        var management = await sender.Send(new IsManagementAccount(own), cancellationToken);
        if (!management && request.AccountId is not null && request.AccountId != own)
        {
            throw ApiErrors.AccessDenied("An account reads its own usage only.");
        }

        var account = management ? request.AccountId : own;
        var now = clock.GetUtcNow().UtcDateTime;
        var records = await UsageQueries.InRangeAsync(db, account, start, end, now, cancellationToken);
        var book = await PriceBook.LoadAsync(db, cancellationToken);
        var groupBy = request.GroupBy ?? "service";
        var groups = records
            .GroupBy(r => groupBy switch
            {
                "usage_type" => r.UsageType,
                "resource" => r.ResourceId,
                "linked_account" => r.AccountId,
                _ => r.Service,
            }, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CostGroup(
                g.Key,
                [.. g.GroupBy(r => r.Unit, StringComparer.Ordinal).OrderBy(u => u.Key, StringComparer.Ordinal).Select(u => new UsageQuantity(u.Key, u.Sum(r => r.Quantity)))],
                decimal.Round(g.Sum(r => PriceBook.Cost(book.PriceOf(r), r.Quantity)), 6, MidpointRounding.AwayFromZero)))
            .ToList();
        return new CostAndUsageResponse(start, end, groupBy, BillingCurrency.Code, groups, groups.Sum(g => g.Cost));
    }
}

/// <summary>Reading usage: the stored records, and the running time of instances still running (not yet recorded).</summary>
internal static class UsageQueries
{
    /// <param name="account">One account's usage, or every account's when null.</param>
    public static async Task<List<UsageRecord>> InRangeAsync(BillingDbContext db, string? account, DateTime start, DateTime end, DateTime now, CancellationToken cancellationToken)
    {
        var stored = db.UsageRecords.AsNoTracking().Where(r => r.UsageStart >= start && r.UsageStart < end);
        var runs = db.InstanceRuns.AsNoTracking().Where(r => r.EndedAt == null && r.StartedAt < end);
        if (account is not null)
        {
            stored = stored.Where(r => r.AccountId == account);
            runs = runs.Where(r => r.AccountId == account);
        }

        var records = await stored.ToListAsync(cancellationToken);
        var recorded = records.Select(r => r.IdempotencyKey).ToHashSet(StringComparer.Ordinal);
        foreach (var run in await runs.ToListAsync(cancellationToken))
        {
            // Every month of the open run up to now: the months a close has recorded already are in the stored ones.
            var upToNow = new InstanceRun
            {
                InstanceId = run.InstanceId, StartedAt = run.StartedAt, AccountId = run.AccountId, Service = run.Service, UsageType = run.UsageType,
                AvailabilityZone = run.AvailabilityZone,
                EndedAt = now > run.StartedAt ? now : run.StartedAt,
            };
            var parts = MeterInstanceRuns.Records(upToNow, now, now, await MeterInstanceRuns.SpotChangesAsync(db, upToNow, now, cancellationToken));
            records.AddRange(parts.Where(p => !recorded.Contains(p.IdempotencyKey) && p.UsageStart >= start && p.UsageStart < end));
        }

        return records;
    }
}
