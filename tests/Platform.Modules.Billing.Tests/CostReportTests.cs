using System.Text;
using Platform.Modules.Billing.CostReports;
using Platform.Modules.Billing.Invoices;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;
using Platform.Modules.Billing.Reservations;

namespace Platform.Modules.Billing.Tests;

/// <summary>A cost and usage report's line items: a closed month's add up to its invoice exactly, by line; an open month's stop at the cut.</summary>
public sealed class CostReportTests
{
    private static readonly DateTime March = new(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly PriceBook Book = new([]);
    private const string Account = "123456789012";

    [Theory]
    [InlineData(1, "HOURLY")]
    [InlineData(2, "DAILY")]
    [InlineData(3, "HOURLY")]
    public void Given_random_usage_and_reservations_Then_the_items_of_each_invoice_line_add_up_to_its_amount_and_all_to_the_total(int seed, string timeUnit)
    {
        var random = new Random(seed);
        var types = DefaultPrices.All;
        for (var n = 0; n < 20; n++)
        {
            var usage = Enumerable.Range(0, random.Next(1, 40)).Select(i =>
            {
                var price = i % 3 == 0 ? DefaultPrices.Find("AmazonEC2", "BoxUsage:t3.micro")! : types[random.Next(types.Count)];
                var start = March.AddSeconds(random.Next(2_400_000)); // within March with its run, as metering splits runs at month ends
                var seconds = random.Next(1, 200_000);
                return Record(price.Service, price.UsageType, $"r-{random.Next(6)}", start, seconds, i, zone: i % 2 == 0 ? "us-east-1a" : "us-east-1b");
            }).ToList();
            Reservation[] reservations =
            [
                Reserved("t3.micro", null, 1, March.AddDays(-3), 0m, 0.0064m),
                Reserved("t3.micro", "us-east-1a", 1, March.AddDays(9).AddHours(3), 12.5m, 0.003m),
            ];

            var invoice = CloseMonthHandler.Compose(Account, DateOnly.FromDateTime(March), usage, Book, March.AddMonths(1), reservations);
            var rows = CostReportRows.ForInvoice(invoice, ReservedUsage.Apply(usage, reservations, March, Book), timeUnit, "us-east-1");

            Assert.Equal(invoice.Total, rows.Sum(r => r.Cost));
            foreach (var line in invoice.Lines)
            {
                var items = rows.Where(r => r.UsageType == line.UsageType && r.Rate == line.PricePerUnit
                    && r.ReservationArn == (line.ReservationId is null ? "" : $"arn:aws:ec2:us-east-1:{Account}:reserved-instances/{line.ReservationId}")).ToList();
                Assert.Equal(line.Amount, items.Sum(r => r.Cost));
                var units = new Price(line.Service, line.UsageType, line.PricePerUnit, line.PriceUnit).UnitsPerPricedUnit;
                Assert.True(Math.Abs(line.Quantity - items.Sum(r => r.UsageAmount) * units) < 0.0001m, $"{line.UsageType}: {line.Quantity}");
            }

            Assert.All(rows, r => Assert.Equal(timeUnit == "DAILY" ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1), r.End - r.Start));
            Assert.All(rows, r => Assert.InRange(r.Start, March, March.AddMonths(1).AddTicks(-1)));
            Assert.Equal(rows.Count, rows.Select(r => (r.Start, r.UsageType, r.ResourceId, r.ReservationArn, r.Rate)).Distinct().Count());
            Assert.Contains(rows, r => r.LineItemType == "RIFee" && r.InstanceType == "t3.micro");
            Assert.Contains(rows, r => r.LineItemType == "Fee" && r.Cost == 12.5m);
            Assert.All(rows.Where(r => r.LineItemType == "DiscountedUsage"), r => Assert.Equal(0m, r.Cost));
        }
    }

    [Fact]
    public void Given_a_run_across_hours_Then_each_hour_holds_its_seconds_and_the_minimums_shortfall_is_shared_by_its_hours()
    {
        // 09:59:30 to 10:00:10 (40 s), billed 60 s: the hours hold 30 and 10 of the 40, and the 20 s shortfall in the same proportion.
        var usage = new[] { Record("AmazonEC2", "BoxUsage:m5.large", "i-0123", March.AddHours(10).AddSeconds(-30), 60, 1, ranSeconds: 40) };
        var invoice = CloseMonthHandler.Compose(Account, DateOnly.FromDateTime(March), usage, Book, March.AddMonths(1));

        var rows = CostReportRows.ForInvoice(invoice, ReservedUsage.Apply(usage, [], March, Book), "HOURLY", "us-east-1");

        Assert.Equal([(March.AddHours(9), 45m / 3600m), (March.AddHours(10), 15m / 3600m)], rows.Select(r => (r.Start, r.UsageAmount)));
        Assert.All(rows, r => Assert.Equal(("Usage", "RunInstances", "i-0123", "m5.large", "Hrs", 0.096m), (r.LineItemType, r.Operation, r.ResourceId, r.InstanceType, r.PricingUnit, r.Rate)));
        Assert.Equal(0.00m, invoice.Total); // 60 s of m5.large: 0.0016, a line of 0.00
        Assert.Equal(0m, rows.Sum(r => r.Cost));
    }

    [Fact]
    public void Given_a_credit_and_an_adjustment_Then_each_is_a_line_of_its_own_and_a_report_item_of_its_type_and_the_total_holds_them()
    {
        var usage = new[] { Record("AmazonEC2", "BoxUsage:m5.large", "i-0124", March.AddDays(2), 36_000, 1) };
        InvoiceAdjustment[] adjustments =
        [
            Adjusted("adj-0000000000000001", "Credit", -1.50m, "AmazonEC2", "outage, 2025-03-02"),
            Adjusted("adj-0000000000000002", "Credit", -1.50m, "AmazonEC2", "the same again, its own line"),
            Adjusted("adj-0000000000000003", "Adjustment", 0.25m, "", "support, billed late"),
        ];
        var invoice = CloseMonthHandler.Compose(Account, DateOnly.FromDateTime(March), usage, Book, March.AddMonths(1), [], adjustments);

        // 10 h of m5.large (0.96), two credits of 1.50 and an adjustment of 0.25: -1.79.
        Assert.Equal(["BoxUsage:m5.large", "Credit", "Credit", "Adjustment"], invoice.Lines.OrderBy(l => l.LineNumber).Select(l => l.UsageType));
        var credit = invoice.Lines.Single(l => l.AdjustmentId == "adj-0000000000000001");
        Assert.Equal((1m, -1.50m, -1.50m, "outage, 2025-03-02", "AmazonEC2"), (credit.Quantity, credit.PricePerUnit, credit.Amount, credit.Description, credit.Service));
        Assert.Equal(0.96m - 3.00m + 0.25m, invoice.Total);

        var rows = CostReportRows.ForInvoice(invoice, ReservedUsage.Apply(usage, [], March, Book), "DAILY", "us-east-1");
        Assert.Equal(invoice.Total, rows.Sum(r => r.Cost));
        var items = rows.Where(r => r.ResourceId.StartsWith("adj-", StringComparison.Ordinal)).OrderBy(r => r.ResourceId, StringComparer.Ordinal).ToList();
        Assert.Equal([("Credit", -1.50m, "AmazonEC2"), ("Credit", -1.50m, "AmazonEC2"), ("Adjustment", 0.25m, "")],
            items.Select(r => (r.LineItemType, r.Cost, r.ProductCode)));
        Assert.All(items, r => Assert.Equal((March, March.AddMonths(1)), (r.Start, r.End)));
        var csv = Encoding.UTF8.GetString(CostReportRows.Csv(rows));
        Assert.Contains(",Credit,", csv, StringComparison.Ordinal);
        Assert.Contains(",adj-0000000000000003,", csv, StringComparison.Ordinal);
    }

    private static InvoiceAdjustment Adjusted(string id, string kind, decimal amount, string service, string reason) => new()
    {
        Id = id, AccountId = Account, Period = DateOnly.FromDateTime(March), Kind = kind, Amount = amount, Service = service, Reason = reason,
        CreatedAt = March.AddDays(1), CreatedBy = "arn:aws:iam::000000000000:root",
    };

    [Fact]
    public void Given_an_open_month_Then_its_items_stop_at_the_cut_and_cost_their_quantity_at_their_rate()
    {
        var usage = new[]
        {
            Record("AmazonEC2", "BoxUsage:t3.micro", "i-0aaa", March.AddHours(1), 7200, 1),
            Record("AmazonEC2", "EBS:VolumeUsage.gp3", "vol-0bbb", March.AddHours(2), 2m * 3600m, 2, unit: "GiB-Seconds", ranSeconds: 3600),
        };
        Reservation[] reservations = [Reserved("c5.large", null, 1, March.AddDays(-1), 0m, 0.05m)];
        var cut = March.AddHours(3);

        var rows = CostReportRows.MonthToDate(Account, March, ReservedUsage.Apply(usage, reservations, March, Book), cut, "HOURLY", "us-east-1");

        Assert.All(rows, r => Assert.True(r.Start < cut));
        Assert.Equal(2 * 0.0104m / 1m, rows.Where(r => r.ResourceId == "i-0aaa").Sum(r => r.Cost));
        Assert.Equal(decimal.Round(7200m / (730m * 3600m) * 0.08m, 10), rows.Single(r => r.ResourceId == "vol-0bbb").Cost);
        Assert.Equal(("CreateVolume-Gp3", "GB-Mo"), (rows.Single(r => r.ResourceId == "vol-0bbb").Operation, rows.Single(r => r.ResourceId == "vol-0bbb").PricingUnit));
        // The reservation's fee for the three hours before the cut, not the rest of March.
        Assert.Equal([0.05m, 0.05m, 0.05m], rows.Where(r => r.LineItemType == "RIFee").Select(r => r.Cost));
        Assert.All(rows, r => Assert.Equal("", r.InvoiceId));
    }

    [Fact]
    public void Given_rows_Then_the_CSV_has_the_reports_columns_and_quotes_what_needs_it()
    {
        var row = new CostReportRow("inv-1", March, March.AddMonths(1), Account, "Usage", March, March.AddHours(1), "AmazonS3", "TimedStorage-ByteHrs",
            "StandardStorage", "my,\"bucket\"", 0.5m, 0.023m, 0.0115m, "GB-Mo", "", "");

        var lines = Encoding.UTF8.GetString(CostReportRows.Csv([row])).Split('\n');

        Assert.Equal(
            "bill/InvoiceId,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,"
            + "lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/ResourceId,lineItem/UsageAmount,lineItem/UnblendedRate,"
            + "lineItem/UnblendedCost,lineItem/CurrencyCode,pricing/unit,product/instanceType,reservation/ReservationARN", lines[0]);
        Assert.Equal("inv-1,2025-03-01T00:00:00Z,2025-04-01T00:00:00Z,123456789012,Usage,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,AmazonS3,"
            + "TimedStorage-ByteHrs,StandardStorage,\"my,\"\"bucket\"\"\",0.5,0.023,0.0115,USD,GB-Mo,,", lines[1]);
        Assert.Equal([""], lines[2..]); // every line ends with \n
        Assert.Equal("reports/daily/20250301-20250401/daily-00001.csv", CostReportKeys.File("reports", "daily", DateOnly.FromDateTime(March)));
        Assert.Equal("daily/20250301-20250401/daily-00001.csv", CostReportKeys.File("", "daily", DateOnly.FromDateTime(March)));
    }

    private static Reservation Reserved(string type, string? zone, int count, DateTime start, decimal fixedPrice, decimal hourly) => new()
    {
        Id = $"ri-{type}-{zone ?? "region"}",
        AccountId = Account,
        OfferingId = ReservedOfferings.IdOf(type, zone, 1, "Partial Upfront"),
        InstanceType = type,
        AvailabilityZone = zone,
        InstanceCount = count,
        OfferingType = "Partial Upfront",
        FixedPrice = fixedPrice,
        RecurringHourly = hourly,
        Start = start,
        End = start.AddYears(1),
    };

    private static UsageRecord Record(string service, string usageType, string resource, DateTime start, decimal quantity, int n, string unit = "Seconds",
        long? ranSeconds = null, string? zone = null) => new()
    {
        IdempotencyKey = $"test:{n}",
        AccountId = Account,
        Service = service,
        UsageType = usageType,
        ResourceId = resource,
        UsageStart = start,
        UsageEnd = start.AddSeconds(ranSeconds ?? (double)quantity),
        Quantity = quantity,
        Unit = unit,
        AvailabilityZone = zone,
    };
}
