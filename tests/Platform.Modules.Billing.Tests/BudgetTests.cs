using Platform.Modules.Billing.Budgets;
using Platform.Modules.Billing.Persistence;

namespace Platform.Modules.Billing.Tests;

/// <summary>A budget's forecast (a straight line to the month's end) and its notifications' thresholds.</summary>
public sealed class BudgetTests
{
    private static readonly DateTime April = new(2025, 4, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Given_spend_part_way_through_a_month_Then_the_forecast_projects_it_linearly_to_the_months_end()
    {
        // April has 30 days: $3 after 10 days is $9 by its end; after 30 minutes the spend itself; at the end, the spend.
        Assert.Equal(9m, EvaluateBudgetsHandler.Forecast(3m, April, April.AddDays(10)));
        Assert.Equal(3m, EvaluateBudgetsHandler.Forecast(3m, April, April.AddMinutes(30)));
        Assert.Equal(3m, EvaluateBudgetsHandler.Forecast(3m, April, April.AddMonths(1)));
        Assert.Equal(0m, EvaluateBudgetsHandler.Forecast(0m, April, April.AddDays(3)));
    }

    [Theory]
    [InlineData("PERCENTAGE", "GREATER_THAN", 80, 8.01, true)]
    [InlineData("PERCENTAGE", "GREATER_THAN", 80, 8.00, false)]
    [InlineData("ABSOLUTE_VALUE", "GREATER_THAN", 5, 5.5, true)]
    [InlineData("ABSOLUTE_VALUE", "LESS_THAN", 5, 4.99, true)]
    [InlineData("ABSOLUTE_VALUE", "EQUAL_TO", 5, 5, true)]
    [InlineData("PERCENTAGE", "EQUAL_TO", 50, 5.01, false)]
    public void Given_a_budget_of_10_Then_a_notification_compares_the_spend_with_its_threshold(string thresholdType, string comparison, double threshold, double spend, bool exceeded)
    {
        var notification = new BudgetNotification
        {
            BudgetId = "b", Number = 1, NotificationType = "ACTUAL", ComparisonOperator = comparison, Threshold = (decimal)threshold, ThresholdType = thresholdType,
        };

        Assert.Equal(exceeded, EvaluateBudgetsHandler.Exceeded(notification, 10m, (decimal)spend));
    }
}
