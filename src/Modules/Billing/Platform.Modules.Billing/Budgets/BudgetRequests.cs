using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Billing.Budgets;

/// <summary>
/// AWS Budgets' CreateBudget for a monthly cost budget: an amount in the installation's currency and up to
/// <see cref="MaxNotifications"/> notifications, each on the actual or the forecast spend, at a percentage of the amount
/// or an absolute amount. <see cref="EvaluateBudgetsHandler"/> decides them.
/// </summary>
internal sealed record CreateBudget(string? BudgetName, BudgetLimitBody? BudgetLimit, string? TimeUnit, string? BudgetType,
    IReadOnlyList<NotificationBody>? Notifications) : IRequest<BudgetResponse>, IRequiresPermission, IValidatable
{
    public const int MaxNotifications = 5;
    public const int MaxBudgetsPerAccount = 100;

    public static readonly IReadOnlyList<string> NotificationTypes = [Budgets.NotificationTypes.Actual, Budgets.NotificationTypes.Forecasted];
    public static readonly IReadOnlyList<string> Comparisons = ["GREATER_THAN", "LESS_THAN", "EQUAL_TO"];
    public static readonly IReadOnlyList<string> ThresholdTypes = ["PERCENTAGE", "ABSOLUTE_VALUE"];

    /// <summary>AWS's: budgets:ModifyBudget creates, changes and deletes a budget.</summary>
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("budgets:ModifyBudget", BudgetArns.Of(caller.AccountId, BudgetName ?? "*"));

    public void Validate()
    {
        BudgetNames.Validate(BudgetName);
        BudgetInput.Validate(BudgetLimit, TimeUnit, BudgetType, Notifications ?? []);
    }
}

/// <summary>
/// AWS Budgets' UpdateBudget: a new amount (and, when given, a new list of notifications) for a budget of the caller's
/// account; its name stays (a different one in the body is refused), another account's budget is as if it did not exist.
/// Alerts of a notification that stays as it was are kept; those of a changed or removed one go with it.
/// </summary>
internal sealed record UpdateBudget(string BudgetName, string? NewBudgetName, BudgetLimitBody? BudgetLimit, string? TimeUnit, string? BudgetType,
    IReadOnlyList<NotificationBody>? Notifications) : IRequest<BudgetResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("budgets:ModifyBudget", BudgetArns.Of(caller.AccountId, BudgetName));

    public void Validate()
    {
        BudgetNames.Validate(BudgetName);
        if (NewBudgetName is not null && NewBudgetName != BudgetName)
        {
            throw BudgetErrors.InvalidParameter("budget_name cannot be changed: it must be left out or be the budget's own name.");
        }

        BudgetInput.Validate(BudgetLimit, TimeUnit, BudgetType, Notifications ?? []);
    }
}

internal static class BudgetInput
{
    /// <summary>What CreateBudget and UpdateBudget both take: the amount, the time unit and type kept here, the notifications.</summary>
    public static void Validate(BudgetLimitBody? budgetLimit, string? timeUnit, string? budgetType, IReadOnlyList<NotificationBody> notifications)
    {
        if (budgetLimit?.Amount is not { } amount || amount <= 0 || amount > 1_000_000_000m || decimal.Round(amount, 2) != amount)
        {
            throw BudgetErrors.InvalidParameter("budget_limit.amount must be a positive amount of at most 1000000000 with at most 2 decimal places.");
        }

        if (budgetLimit.Unit is not null && budgetLimit.Unit != BillingCurrency.Code)
        {
            throw BudgetErrors.InvalidParameter($"budget_limit.unit must be {BillingCurrency.Code}, the installation's currency.");
        }

        if (timeUnit is not (null or "MONTHLY"))
        {
            throw BudgetErrors.InvalidParameter("time_unit must be MONTHLY: only monthly budgets are kept here.");
        }

        if (budgetType is not (null or "COST"))
        {
            throw BudgetErrors.InvalidParameter("budget_type must be COST: only cost budgets are kept here.");
        }

        if (notifications.Count > CreateBudget.MaxNotifications)
        {
            throw BudgetErrors.InvalidParameter($"A budget may have {CreateBudget.MaxNotifications} notifications at most.");
        }

        foreach (var n in notifications)
        {
            if (n.NotificationType is null || !CreateBudget.NotificationTypes.Contains(n.NotificationType))
            {
                throw BudgetErrors.InvalidParameter($"notification_type must be one of {string.Join(", ", CreateBudget.NotificationTypes)}.");
            }

            if (n.ComparisonOperator is null || !CreateBudget.Comparisons.Contains(n.ComparisonOperator))
            {
                throw BudgetErrors.InvalidParameter($"comparison_operator must be one of {string.Join(", ", CreateBudget.Comparisons)}.");
            }

            if (n.ThresholdType is not null && !CreateBudget.ThresholdTypes.Contains(n.ThresholdType))
            {
                throw BudgetErrors.InvalidParameter($"threshold_type must be one of {string.Join(", ", CreateBudget.ThresholdTypes)}.");
            }

            var percentage = (n.ThresholdType ?? "PERCENTAGE") == "PERCENTAGE";
            if (n.Threshold is not { } threshold || threshold < 0 || threshold > (percentage ? 1_000m : 15_000_000_000_000m) || decimal.Round(threshold, 6) != threshold)
            {
                throw BudgetErrors.InvalidParameter(percentage
                    ? "A percentage threshold must be from 0 to 1000."
                    : $"An absolute threshold must be from 0 to 15000000000000; got {n.Threshold?.ToString(CultureInfo.InvariantCulture) ?? "none"}.");
            }
        }

        if (notifications.GroupBy(n => (n.NotificationType, n.ComparisonOperator, n.Threshold, n.ThresholdType ?? "PERCENTAGE")).Any(g => g.Count() > 1))
        {
            throw BudgetErrors.InvalidParameter("The same notification is given twice.");
        }
    }
}

internal sealed record BudgetLimitBody(decimal? Amount, string? Unit);

internal sealed record NotificationBody(string? NotificationType, string? ComparisonOperator, decimal? Threshold, string? ThresholdType);

/// <summary>DescribeBudgets: the caller's account's budgets, by name.</summary>
internal sealed record DescribeBudgets : IRequest<BudgetsResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("budgets:ViewBudget", BudgetArns.Of(caller.AccountId, "*"));
}

/// <summary>DescribeBudget: one of the caller's account's budgets; another account's is as if it did not exist.</summary>
internal sealed record DescribeBudget(string BudgetName) : IRequest<BudgetResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("budgets:ViewBudget", BudgetArns.Of(caller.AccountId, BudgetName));

    public void Validate() => BudgetNames.Validate(BudgetName);
}

/// <summary>DeleteBudget: the budget, its notifications and their alerts.</summary>
internal sealed record DeleteBudget(string BudgetName) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("budgets:ModifyBudget", BudgetArns.Of(caller.AccountId, BudgetName));

    public void Validate() => BudgetNames.Validate(BudgetName);
}

internal sealed record BudgetsResponse(IReadOnlyList<BudgetResponse> Budgets);

internal sealed record Money(decimal Amount, string Unit);

internal sealed record TimePeriod(DateTime Start, DateTime End);

/// <param name="CalculatedSpend">What the last evaluation found for the month it evaluated; null before the first.</param>
internal sealed record BudgetResponse(string BudgetName, Money BudgetLimit, string TimeUnit, string BudgetType, TimePeriod TimePeriod,
    CalculatedSpend? CalculatedSpend, DateTime? LastEvaluatedAt, IReadOnlyList<NotificationResponse> Notifications, DateTime CreatedAt);

internal sealed record CalculatedSpend(Money ActualSpend, Money ForecastedSpend);

/// <param name="NotificationState"><c>ALARM</c> once the threshold was exceeded this month (at <paramref name="TriggeredAt"/>), else <c>OK</c>.</param>
internal sealed record NotificationResponse(string NotificationType, string ComparisonOperator, decimal Threshold, string ThresholdType,
    string NotificationState, DateTime? TriggeredAt, decimal? TriggeredSpend);

internal static class NotificationTypes
{
    public const string Actual = "ACTUAL";
    public const string Forecasted = "FORECASTED";
}

internal static class BudgetArns
{
    /// <summary>AWS's budget ARN: global, no region.</summary>
    public static string Of(string accountId, string name) => Arns.Build("budgets", "", accountId, $"budget/{name}");
}

internal static class BudgetNames
{
    /// <summary>AWS's rule for BudgetName: 1 to 100 characters, no ':' or '\', no "/action/".</summary>
    public static void Validate(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 100 || name.Contains(':', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal)
            || name.Contains("/action/", StringComparison.Ordinal) || name.Any(char.IsControl))
        {
            throw BudgetErrors.InvalidParameter("budget_name must be 1 to 100 characters without ':', '\\' or \"/action/\".");
        }
    }
}

/// <summary>AWS Budgets' errors (its codes: InvalidParameterException, NotFoundException, DuplicateRecordException, …).</summary>
internal static class BudgetErrors
{
    public static ApiException InvalidParameter(string message) => new(400, "InvalidParameterException", message);

    public static ApiException NotFound(string name) => ApiErrors.NotFound("NotFoundException", $"The budget '{name}' does not exist.");

    public static ApiException Duplicate(string name) => new(400, "DuplicateRecordException", $"A budget named '{name}' already exists.");

    public static ApiException LimitExceeded() =>
        new(400, "CreationLimitExceededException", $"An account may have {CreateBudget.MaxBudgetsPerAccount} budgets at most.");
}

internal sealed class CreateBudgetHandler(BillingDbContext db, ICallerContext caller, TimeProvider clock) : IRequestHandler<CreateBudget, BudgetResponse>
{
    public async ValueTask<BudgetResponse> Handle(CreateBudget request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var name = request.BudgetName!;
        if (await db.Budgets.AnyAsync(b => b.AccountId == account && b.Name == name, cancellationToken))
        {
            throw BudgetErrors.Duplicate(name);
        }

        if (await db.Budgets.CountAsync(b => b.AccountId == account, cancellationToken) >= CreateBudget.MaxBudgetsPerAccount)
        {
            throw BudgetErrors.LimitExceeded();
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var id = Guid.NewGuid().ToString();
        var budget = new Budget
        {
            Id = id,
            AccountId = account,
            Name = name,
            Amount = request.BudgetLimit!.Amount!.Value,
            CreatedAt = now,
            Notifications = [.. (request.Notifications ?? []).Select((n, i) => new BudgetNotification
            {
                BudgetId = id, Number = i + 1, NotificationType = n.NotificationType!, ComparisonOperator = n.ComparisonOperator!, Threshold = n.Threshold!.Value,
                ThresholdType = n.ThresholdType ?? "PERCENTAGE",
            })],
        };
        db.Budgets.Add(budget);
        try
        {
            await db.SaveChangesAsync(cancellationToken); // the budget and its notifications in one commit
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            throw BudgetErrors.Duplicate(name); // the same name by a concurrent request
        }

        return BudgetView.Of(budget, [], now);
    }
}

internal sealed class UpdateBudgetHandler(BillingDbContext db, ICallerContext caller, TimeProvider clock) : IRequestHandler<UpdateBudget, BudgetResponse>
{
    public async ValueTask<BudgetResponse> Handle(UpdateBudget request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var budget = await db.Budgets.Include(b => b.Notifications).SingleOrDefaultAsync(b => b.AccountId == account && b.Name == request.BudgetName, ct)
                ?? throw BudgetErrors.NotFound(request.BudgetName);
            budget.Amount = request.BudgetLimit!.Amount!.Value;
            await db.SaveChangesAsync(ct);
            if (request.Notifications is { } given)
            {
                var wanted = given.Select((n, i) => new BudgetNotification
                {
                    BudgetId = budget.Id, Number = i + 1, NotificationType = n.NotificationType!, ComparisonOperator = n.ComparisonOperator!,
                    Threshold = n.Threshold!.Value, ThresholdType = n.ThresholdType ?? "PERCENTAGE",
                }).ToList();
                var kept = wanted.Where(w => budget.Notifications.Any(n => n.Number == w.Number && Same(n, w))).Select(w => w.Number).ToList();
                await db.BudgetAlerts.Where(a => a.BudgetId == budget.Id && !kept.Contains(a.NotificationNumber)).ExecuteDeleteAsync(ct);
                await db.BudgetNotifications.Where(n => n.BudgetId == budget.Id).ExecuteDeleteAsync(ct);
                db.ChangeTracker.Clear();
                db.BudgetNotifications.AddRange(wanted);
                await db.SaveChangesAsync(ct);
                budget.Notifications.Clear();
                budget.Notifications.AddRange(wanted);
            }

            await transaction.CommitAsync(ct);
            var alerts = await db.BudgetAlerts.AsNoTracking().Where(a => a.BudgetId == budget.Id).ToListAsync(ct);
            return BudgetView.Of(budget, alerts, clock.GetUtcNow().UtcDateTime);
        }, cancellationToken);
    }

    private static bool Same(BudgetNotification a, BudgetNotification b) =>
        (a.NotificationType, a.ComparisonOperator, a.Threshold, a.ThresholdType) == (b.NotificationType, b.ComparisonOperator, b.Threshold, b.ThresholdType);
}

internal sealed class BudgetQueries(BillingDbContext db, ICallerContext caller, TimeProvider clock)
    : IRequestHandler<DescribeBudgets, BudgetsResponse>, IRequestHandler<DescribeBudget, BudgetResponse>, IRequestHandler<DeleteBudget>
{
    public async ValueTask<BudgetsResponse> Handle(DescribeBudgets request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var budgets = await db.Budgets.AsNoTracking().Include(b => b.Notifications).Where(b => b.AccountId == account).OrderBy(b => b.Name).ToListAsync(cancellationToken);
        var ids = budgets.Select(b => b.Id).ToList();
        var alerts = await db.BudgetAlerts.AsNoTracking().Where(a => ids.Contains(a.BudgetId)).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        return new BudgetsResponse([.. budgets.Select(b => BudgetView.Of(b, [.. alerts.Where(a => a.BudgetId == b.Id)], now))]);
    }

    public async ValueTask<BudgetResponse> Handle(DescribeBudget request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var budget = await db.Budgets.AsNoTracking().Include(b => b.Notifications).SingleOrDefaultAsync(b => b.AccountId == account && b.Name == request.BudgetName, cancellationToken)
            ?? throw BudgetErrors.NotFound(request.BudgetName);
        var alerts = await db.BudgetAlerts.AsNoTracking().Where(a => a.BudgetId == budget.Id).ToListAsync(cancellationToken);
        return BudgetView.Of(budget, alerts, clock.GetUtcNow().UtcDateTime);
    }

    public async ValueTask<Unit> Handle(DeleteBudget request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var deleted = await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var ids = await db.Budgets.Where(b => b.AccountId == account && b.Name == request.BudgetName).Select(b => b.Id).ToListAsync(ct);
            await db.BudgetAlerts.Where(a => ids.Contains(a.BudgetId)).ExecuteDeleteAsync(ct);
            await db.BudgetNotifications.Where(n => ids.Contains(n.BudgetId)).ExecuteDeleteAsync(ct);
            var budgets = await db.Budgets.Where(b => ids.Contains(b.Id)).ExecuteDeleteAsync(ct);
            await transaction.CommitAsync(ct);
            return budgets;
        }, cancellationToken);
        return deleted > 0 ? Unit.Value : throw BudgetErrors.NotFound(request.BudgetName);
    }
}

internal static class BudgetView
{
    /// <summary>A budget as the API shows it in <paramref name="now"/>'s month: a notification is in ALARM when it was triggered this month.</summary>
    public static BudgetResponse Of(Budget budget, IReadOnlyList<BudgetAlert> alerts, DateTime now)
    {
        var period = new DateOnly(now.Year, now.Month, 1);
        var start = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var spend = budget.SpendPeriod == period && budget.ActualSpend is { } actual
            ? new CalculatedSpend(new Money(decimal.Round(actual, 2, MidpointRounding.AwayFromZero), BillingCurrency.Code),
                new Money(decimal.Round(budget.ForecastedSpend ?? actual, 2, MidpointRounding.AwayFromZero), BillingCurrency.Code))
            : null;
        var notifications = budget.Notifications.OrderBy(n => n.Number).Select(n =>
        {
            var alert = alerts.FirstOrDefault(a => a.NotificationNumber == n.Number && a.Period == period);
            return new NotificationResponse(n.NotificationType, n.ComparisonOperator, n.Threshold, n.ThresholdType, alert is null ? "OK" : "ALARM",
                alert?.TriggeredAt, alert?.Spend);
        });
        return new BudgetResponse(budget.Name, new Money(budget.Amount, BillingCurrency.Code), "MONTHLY", "COST", new TimePeriod(start, start.AddMonths(1)),
            spend, spend is null ? null : budget.EvaluatedAt, [.. notifications], budget.CreatedAt);
    }
}
