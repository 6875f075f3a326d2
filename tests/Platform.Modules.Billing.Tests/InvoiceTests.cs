using Platform.Modules.Billing.Invoices;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;

namespace Platform.Modules.Billing.Tests;

/// <summary>Invoice lines against the price list: cents that add up, and the price in force when each usage started.</summary>
public sealed class InvoiceTests
{
    private static readonly DateTime March = new(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    public void Given_random_usage_Then_every_line_is_in_cents_and_the_total_is_their_sum_within_half_a_cent_a_line_of_the_exact_cost(int seed)
    {
        var random = new Random(seed);
        var types = DefaultPrices.All;
        for (var n = 0; n < 200; n++)
        {
            var usage = Enumerable.Range(0, random.Next(1, 60)).Select(i =>
            {
                var price = types[random.Next(types.Count)];
                return Record(price.Service, price.UsageType, March.AddSeconds(random.Next(2_000_000)), random.Next(1, 5_000_000), i);
            }).ToList();
            var book = new PriceBook([]);

            var invoice = CloseMonthHandler.Compose("123456789012", DateOnly.FromDateTime(March), usage, book, March.AddMonths(1));

            Assert.Equal(invoice.Lines.Sum(l => l.Amount), invoice.Total);
            Assert.All(invoice.Lines, l => Assert.Equal(decimal.Round(l.Amount, 2), l.Amount));
            Assert.Equal(invoice.Lines.Count, invoice.Lines.Select(l => (l.Service, l.UsageType)).Distinct().Count());
            var exact = usage.Sum(r => PriceBook.Cost(book.PriceAt(r.Service, r.UsageType, r.UsageStart), r.Quantity));
            Assert.True(Math.Abs(exact - invoice.Total) <= 0.005m * invoice.Lines.Count, $"{exact} against {invoice.Total}");
            Assert.Equal(Enumerable.Range(1, invoice.Lines.Count), invoice.Lines.Select(l => l.LineNumber));
        }
    }

    [Fact]
    public void Given_a_price_change_mid_month_Then_usage_before_and_after_it_is_on_two_lines_at_each_price()
    {
        var change = March.AddDays(15);
        var book = new PriceBook([new PriceEntry
        {
            EffectiveFrom = change, Service = "AmazonEC2", UsageType = "BoxUsage:t3.micro", PricePerUnit = 0.02m, PriceUnit = "Hrs", CreatedBy = "test",
        }]);
        var usage = new[]
        {
            Record("AmazonEC2", "BoxUsage:t3.micro", change.AddSeconds(-3600), 3600, 1),
            Record("AmazonEC2", "BoxUsage:t3.micro", change, 36_000, 2),
        };

        var invoice = CloseMonthHandler.Compose("123456789012", DateOnly.FromDateTime(March), usage, book, March.AddMonths(1));

        Assert.Equal([(0.0104m, 0.01m), (0.02m, 0.20m)], invoice.Lines.Select(l => (l.PricePerUnit, l.Amount)));
        Assert.Equal(0.21m, invoice.Total);
        Assert.Equal(0.0104m, book.PriceAt("AmazonEC2", "BoxUsage:t3.micro", change.AddTicks(-1)).PricePerUnit);
        Assert.Equal(0.02m, book.PriceAt("AmazonEC2", "BoxUsage:t3.micro", change).PricePerUnit);
    }

    [Fact]
    public void Given_storage_priced_per_GiB_month_Then_a_GiB_kept_730_hours_costs_the_monthly_price()
    {
        var price = DefaultPrices.Find("AmazonEC2", "EBS:VolumeUsage.gp3")!;
        Assert.Equal(0.08m, PriceBook.Cost(price, 730m * 3600m));
        Assert.Equal(0.0104m, PriceBook.Cost(DefaultPrices.Find("AmazonEC2", "BoxUsage:t3.micro")!, 3600m));
    }

    private static UsageRecord Record(string service, string usageType, DateTime start, decimal quantity, int n) => new()
    {
        IdempotencyKey = $"test:{n}",
        AccountId = "123456789012",
        Service = service,
        UsageType = usageType,
        ResourceId = $"r-{n}",
        UsageStart = start,
        UsageEnd = start.AddSeconds(1),
        Quantity = quantity,
        Unit = "Seconds",
    };
}
