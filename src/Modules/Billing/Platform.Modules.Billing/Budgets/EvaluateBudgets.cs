using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;
using Platform.Modules.Billing.Usage;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Billing.Budgets;

/// <summary>
/// Every budget's spend in the month of <see cref="EvaluateBudgets.AsOf"/>, and its notifications decided on it.
/// Actual spend is GetCostAndUsage's total cost of the account from the month's start to AsOf (on-demand prices; running
/// instances up to AsOf). The forecast is a straight line: actual × (the month's length ÷ the time elapsed), so an even
/// rate of spending is projected to the month's end (in its first hour, the actual spend itself). A notification whose
/// comparison holds is recorded once per month (<c>budget_alerts</c>, keyed by budget, notification and month): it stays
/// in ALARM for the month, as AWS's notifications fire once per period, and is OK again the next month.
/// </summary>
internal sealed class EvaluateBudgetsHandler(BillingDbContext db, TimeProvider clock) : IRequestHandler<EvaluateBudgets, int>
{
    public async ValueTask<int> Handle(EvaluateBudgets request, CancellationToken cancellationToken)
    {
        var asOf = request.AsOf;
        var period = new DateOnly(asOf.Year, asOf.Month, 1);
        var start = new DateTime(asOf.Year, asOf.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var budgets = await db.Budgets.AsNoTracking().Include(b => b.Notifications).OrderBy(b => b.AccountId).ThenBy(b => b.Name).ToListAsync(cancellationToken);
        var book = await PriceBook.LoadAsync(db, cancellationToken);
        var alerted = 0;
        foreach (var account in budgets.GroupBy(b => b.AccountId, StringComparer.Ordinal))
        {
            var usage = await UsageQueries.InRangeAsync(db, account.Key, start, asOf, asOf, cancellationToken);
            var actual = decimal.Round(usage.Sum(r => PriceBook.Cost(book.PriceOf(r), r.Quantity)), 6, MidpointRounding.AwayFromZero);
            var forecast = Forecast(actual, start, asOf);
            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var budget in account)
            {
                await db.Budgets.Where(b => b.Id == budget.Id).ExecuteUpdateAsync(set => set
                    .SetProperty(b => b.SpendPeriod, period).SetProperty(b => b.ActualSpend, actual).SetProperty(b => b.ForecastedSpend, forecast)
                    .SetProperty(b => b.EvaluatedAt, asOf), cancellationToken);
                foreach (var notification in budget.Notifications)
                {
                    var spend = notification.NotificationType == NotificationTypes.Forecasted ? forecast : actual;
                    if (!Exceeded(notification, budget.Amount, spend)
                        || await db.BudgetAlerts.AnyAsync(a => a.BudgetId == budget.Id && a.NotificationNumber == notification.Number && a.Period == period, cancellationToken))
                    {
                        continue;
                    }

                    db.BudgetAlerts.Add(new BudgetAlert { BudgetId = budget.Id, NotificationNumber = notification.Number, Period = period, TriggeredAt = now, Spend = spend });
                    try
                    {
                        await db.SaveChangesAsync(cancellationToken);
                        alerted++;
                    }
                    catch (DbUpdateException e) when (UniqueViolation.Is(e))
                    {
                        // Another run or replica recorded it first: its time stands.
                    }
                    finally
                    {
                        db.ChangeTracker.Clear();
                    }
                }
            }
        }

        return alerted;
    }

    /// <summary>The month-to-date spend projected linearly to the month's end.</summary>
    public static decimal Forecast(decimal actual, DateTime monthStart, DateTime asOf)
    {
        var elapsed = (decimal)(asOf - monthStart).TotalSeconds;
        var month = (decimal)(monthStart.AddMonths(1) - monthStart).TotalSeconds;
        return elapsed < 3600m ? actual : decimal.Round(actual * month / Math.Min(elapsed, month), 6, MidpointRounding.AwayFromZero);
    }

    /// <summary>The notification's comparison of the spend with its threshold: a percentage of the budget or an absolute amount.</summary>
    public static bool Exceeded(BudgetNotification notification, decimal amount, decimal spend)
    {
        var threshold = notification.ThresholdType == "ABSOLUTE_VALUE" ? notification.Threshold : amount * notification.Threshold / 100m;
        return notification.ComparisonOperator switch
        {
            "LESS_THAN" => spend < threshold,
            "EQUAL_TO" => spend == threshold,
            _ => spend > threshold,
        };
    }
}

/// <summary>The recurring evaluation (<c>Billing:BudgetsCron</c>, hourly): every budget as of now.</summary>
internal sealed class BudgetJob(ISender sender, TimeProvider clock)
{
    public const string RecurringJobId = "billing-budgets";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task<int> RunAsync(CancellationToken cancellationToken) =>
        await sender.Send(new EvaluateBudgets(clock.GetUtcNow().UtcDateTime), cancellationToken);
}
