using System.Globalization;
using System.Text;
using Platform.Modules.Billing.Metering;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;
using Platform.Modules.Billing.Reservations;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Billing.CostReports;

/// <summary>One line item of a cost and usage report: one resource's usage or fee of one kind in one hour or day.</summary>
/// <param name="UsageAmount">In <paramref name="PricingUnit"/> (hours, GB-months, items), as AWS's report gives it.</param>
internal sealed record CostReportRow(
    string InvoiceId, DateTime PeriodStart, DateTime PeriodEnd, string AccountId, string LineItemType, DateTime Start, DateTime End, string ProductCode,
    string UsageType, string Operation, string ResourceId, decimal UsageAmount, decimal Rate, decimal Cost, string PricingUnit, string InstanceType,
    string ReservationArn);

/// <summary>
/// The line items of a report from a month's charges (<see cref="ReservedUsage.Apply"/>, the same the invoice is made of):
/// each charge spread over the hours or days it covers in proportion to its time (a run's 60-second minimum with it),
/// summed by resource, kind and hour or day. A closed month's items are its invoice's lines taken apart: the items of one
/// line share the line's amount (rounded to the cent) in proportion to their quantities, to 10 decimal places, the largest
/// item taking the rounding, so the items' costs add up to each line and to the invoice's total exactly. A month still open
/// prices each item at its rate, to 10 decimal places. Usage recorded after a month's invoice was issued is not in its file.
/// </summary>
internal static class CostReportRows
{
    public const string Hourly = "HOURLY";
    public const string Daily = "DAILY";

    private const int CostDecimals = 10;

    public static readonly IReadOnlyList<string> Columns =
    [
        "bill/InvoiceId", "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate", "lineItem/UsageAccountId", "lineItem/LineItemType",
        "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/ProductCode", "lineItem/UsageType", "lineItem/Operation", "lineItem/ResourceId",
        "lineItem/UsageAmount", "lineItem/UnblendedRate", "lineItem/UnblendedCost", "lineItem/CurrencyCode", "pricing/unit", "product/instanceType",
        "reservation/ReservationARN",
    ];

    /// <summary>A closed month's items, adding up to <paramref name="invoice"/>'s lines.</summary>
    public static IReadOnlyList<CostReportRow> ForInvoice(Invoice invoice, IReadOnlyList<Charge> charges, string timeUnit, string region)
    {
        var periodStart = new DateTime(invoice.Period.Year, invoice.Period.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var periodEnd = periodStart.AddMonths(1);
        var pieces = Pieces(charges, timeUnit, periodEnd).ToLookup(p => p.Line);
        var rows = new List<CostReportRow>();
        foreach (var line in invoice.Lines.OrderBy(l => l.LineNumber))
        {
            var price = new Price(line.Service, line.UsageType, line.PricePerUnit, line.PriceUnit);
            var key = new LineKey(line.Service, line.UsageType, line.Unit, line.PricePerUnit, line.PriceUnit, line.ReservationId);
            var mine = pieces[key].ToList();
            if (mine.Count == 0)
            {
                // A credit or adjustment, or a line with nothing to take apart (its usage is gone from the store): the whole line, over the month.
                rows.Add(Row(invoice.Id, periodStart, periodEnd, invoice.AccountId, key, line.AdjustmentId ?? "", periodStart, periodEnd, line.Quantity, price, line.Amount, region));
                continue;
            }

            var total = mine.Sum(p => p.Quantity);
            var largest = mine.Index().MaxBy(p => p.Item.Quantity).Index;
            var costs = mine.Select(p => total == 0 ? 0m : decimal.Round(line.Amount * p.Quantity / total, CostDecimals, MidpointRounding.AwayFromZero)).ToArray();
            costs[largest] += line.Amount - costs.Sum();
            rows.AddRange(mine.Select((p, n) => Row(invoice.Id, periodStart, periodEnd, invoice.AccountId, key, p.ResourceId, p.Start, p.End, p.Quantity, price, costs[n], region)));
        }

        return Ordered(rows);
    }

    /// <summary>An open month's items up to <paramref name="cut"/> (what lies after it, a reservation's fee for the rest of the month, is left out).</summary>
    public static IReadOnlyList<CostReportRow> MonthToDate(string accountId, DateTime monthStart, IReadOnlyList<Charge> charges, DateTime cut, string timeUnit, string region)
    {
        var monthEnd = monthStart.AddMonths(1);
        var rows = Pieces(charges, timeUnit, monthEnd).Where(p => p.Start < cut).Select(p =>
        {
            var price = new Price(p.Line.Service, p.Line.UsageType, p.Line.PricePerUnit, p.Line.PriceUnit);
            var cost = decimal.Round(PriceBook.Cost(price, p.Quantity), CostDecimals, MidpointRounding.AwayFromZero);
            return Row("", monthStart, monthEnd, accountId, p.Line, p.ResourceId, p.Start, p.End, p.Quantity, price, cost, region);
        });
        return Ordered([.. rows]);
    }

    /// <summary>AWS's column of a user tag: one per tag key present on the report's resources.</summary>
    public const string UserTagPrefix = "resourceTags/user:";

    /// <summary>
    /// The report as CSV (RFC 4180, a header line first), as the Cost and Usage Report's columns name it, then one
    /// <c>resourceTags/user:&lt;key&gt;</c> column per tag key of the report's resources in <paramref name="tags"/> (ordinal order of
    /// the keys; a row's cell is its resource's value, empty when it has none). Keys starting with <c>aws:</c> are AWS's own
    /// (<c>resourceTags/aws:*</c>), not the user's, and left out.
    /// </summary>
    /// <param name="tags">Resource id to its tags.</param>
    public static byte[] Csv(IReadOnlyList<CostReportRow> rows, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? tags = null)
    {
        tags ??= new Dictionary<string, IReadOnlyDictionary<string, string>>();
        var keys = rows.Select(r => r.ResourceId).Distinct(StringComparer.Ordinal)
            .SelectMany(id => tags.TryGetValue(id, out var own) ? own.Keys : [])
            .Where(k => !k.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var csv = new StringBuilder();
        csv.Append(string.Join(',', Columns.Concat(keys.Select(k => UserTagPrefix + k)).Select(Quote))).Append('\n');
        foreach (var r in rows)
        {
            var own = tags.GetValueOrDefault(r.ResourceId);
            string[] fields =
            [
                r.InvoiceId, Time(r.PeriodStart), Time(r.PeriodEnd), r.AccountId, r.LineItemType, Time(r.Start), Time(r.End), r.ProductCode, r.UsageType,
                r.Operation, r.ResourceId, Number(r.UsageAmount), Number(r.Rate), Number(r.Cost), BillingCurrency.Code, r.PricingUnit, r.InstanceType,
                r.ReservationArn, .. keys.Select(k => own?.GetValueOrDefault(k) ?? ""),
            ];
            csv.Append(string.Join(',', fields.Select(Quote))).Append('\n');
        }

        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    /// <summary>An invoice line's identity: what <see cref="Invoices.CloseMonthHandler.Compose"/> groups charges by.</summary>
    private sealed record LineKey(string Service, string UsageType, string Unit, decimal PricePerUnit, string PriceUnit, string? ReservationId);

    private sealed record Piece(LineKey Line, string ResourceId, DateTime Start, DateTime End, decimal Quantity);

    /// <summary>Each charge's part of every hour or day it covers, summed by line, resource and hour or day, in a stable order.</summary>
    private static List<Piece> Pieces(IReadOnlyList<Charge> charges, string timeUnit, DateTime periodEnd)
    {
        var sums = new Dictionary<(LineKey, string, DateTime), decimal>();
        foreach (var charge in charges)
        {
            var line = new LineKey(charge.Service, charge.UsageType, charge.Unit, charge.Price.PricePerUnit, charge.Price.PriceUnit, charge.ReservationId);
            foreach (var (bucket, quantity) in Spread(charge, timeUnit, periodEnd))
            {
                var key = (line, charge.ResourceId, bucket);
                sums[key] = sums.GetValueOrDefault(key) + quantity;
            }
        }

        return [.. sums
            .Select(s => new Piece(s.Key.Item1, s.Key.Item2, s.Key.Item3, Next(s.Key.Item3, timeUnit), s.Value))
            .OrderBy(p => p.Start).ThenBy(p => p.Line.UsageType, StringComparer.Ordinal).ThenBy(p => p.ResourceId, StringComparer.Ordinal)
            .ThenBy(p => p.Line.ReservationId, StringComparer.Ordinal).ThenBy(p => p.Line.PricePerUnit)];
    }

    /// <summary>
    /// A charge's quantity by hour or day, in proportion to its time in each (to 6 decimal places, the last taking the rest,
    /// so the parts add up to the charge exactly); a charge of a moment (an upfront fee) falls in its hour or day.
    /// </summary>
    private static List<(DateTime Bucket, decimal Quantity)> Spread(Charge charge, string timeUnit, DateTime periodEnd)
    {
        var end = charge.End < periodEnd ? charge.End : periodEnd;
        var first = Floor(charge.Start, timeUnit);
        if (end <= charge.Start)
        {
            return [(first, charge.Quantity)];
        }

        var overlaps = new List<(DateTime Bucket, decimal Seconds)>();
        for (var bucket = first; bucket < end; bucket = Next(bucket, timeUnit))
        {
            var seconds = ReservedUsage.Overlap(bucket, Next(bucket, timeUnit), charge.Start, end);
            if (seconds > 0)
            {
                overlaps.Add((bucket, seconds));
            }
        }

        var total = overlaps.Sum(o => o.Seconds);
        var parts = overlaps.Select(o => (o.Bucket, Quantity: decimal.Round(charge.Quantity * o.Seconds / total, 6, MidpointRounding.AwayFromZero))).ToList();
        parts[^1] = (parts[^1].Bucket, parts[^1].Quantity + charge.Quantity - parts.Sum(p => p.Quantity));
        return parts;
    }

    private static CostReportRow Row(string invoiceId, DateTime periodStart, DateTime periodEnd, string accountId, LineKey line, string resourceId,
        DateTime start, DateTime end, decimal quantity, Price price, decimal cost, string region) =>
        new(invoiceId, periodStart, periodEnd, accountId, LineItemType(line), start, end, line.Service, line.UsageType, Operation(line.UsageType), resourceId,
            quantity / price.UnitsPerPricedUnit, price.PricePerUnit, cost, price.PriceUnit, InstanceType(line.UsageType),
            line.ReservationId is null ? "" : Arns.Build("ec2", region, accountId, $"reserved-instances/{line.ReservationId}"));

    private static List<CostReportRow> Ordered(List<CostReportRow> rows) =>
        [.. rows.OrderBy(r => r.Start).ThenBy(r => r.ProductCode, StringComparer.Ordinal).ThenBy(r => r.UsageType, StringComparer.Ordinal)
            .ThenBy(r => r.ResourceId, StringComparer.Ordinal).ThenBy(r => r.ReservationArn, StringComparer.Ordinal).ThenBy(r => r.Rate)];

    /// <summary>
    /// AWS's line item types: on-demand usage, usage a reservation covered, a reservation's recurring and upfront fees, the
    /// operator's credits (<c>Credit</c>) and adjustments (<c>Adjustment</c>, this platform's: AWS's report has no such type).
    /// </summary>
    private static string LineItemType(LineKey line) =>
        line.UsageType is Invoices.CreateAdjustment.Credit or Invoices.CreateAdjustment.Adjustment && line.ReservationId is null ? line.UsageType
        : line.ReservationId is null ? "Usage"
        : line.UsageType.StartsWith(ReservedUsage.HeavyUsage, StringComparison.Ordinal) ? "RIFee"
        : line.UsageType.StartsWith(ReservedUsage.Upfront, StringComparison.Ordinal) ? "Fee"
        : "DiscountedUsage";

    /// <summary>The API operation AWS's report names for a usage type.</summary>
    private static string Operation(string usageType) => usageType switch
    {
        _ when usageType.StartsWith("BoxUsage:", StringComparison.Ordinal) || usageType.StartsWith(UsageTypes.SpotPrefix, StringComparison.Ordinal)
            || usageType.StartsWith(ReservedUsage.HeavyUsage, StringComparison.Ordinal)
            || usageType.StartsWith(ReservedUsage.Upfront, StringComparison.Ordinal) => "RunInstances",
        "EBS:VolumeUsage.gp3" => "CreateVolume-Gp3",
        "EBS:VolumeUsage.gp2" => "CreateVolume-Gp2",
        "EBS:VolumeUsage.piops" => "CreateVolume-P-IOPS",
        "EBS:VolumeUsage.st1" => "CreateVolume-St1",
        "EBS:VolumeUsage.sc1" => "CreateVolume-Sc1",
        "EBS:VolumeUsage" => "CreateVolume",
        "EBS:SnapshotUsage" => "CreateSnapshot",
        _ when usageType.StartsWith("ElasticIP:", StringComparison.Ordinal) => "AssociateAddressVPC",
        "NatGateway-Hours" => "NatGateway",
        "TimedStorage-ByteHrs" => "StandardStorage",
        "LoadBalancerUsage" => "LoadBalancing:Application",
        _ when usageType.StartsWith("InstanceUsage:", StringComparison.Ordinal) || usageType.StartsWith("RDS:", StringComparison.Ordinal) => "CreateDBInstance",
        _ => "",
    };

    private static string InstanceType(string usageType)
    {
        foreach (var prefix in new[] { "BoxUsage:", UsageTypes.SpotPrefix, ReservedUsage.HeavyUsage, ReservedUsage.Upfront, "InstanceUsage:" })
        {
            if (usageType.StartsWith(prefix, StringComparison.Ordinal))
            {
                return usageType[prefix.Length..];
            }
        }

        return "";
    }

    private static DateTime Floor(DateTime t, string timeUnit) =>
        timeUnit == Daily ? new DateTime(t.Year, t.Month, t.Day, 0, 0, 0, DateTimeKind.Utc) : new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc);

    private static DateTime Next(DateTime bucket, string timeUnit) => timeUnit == Daily ? bucket.AddDays(1) : bucket.AddHours(1);

    private static string Time(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Number(decimal value) => value.ToString("0.##########", CultureInfo.InvariantCulture);

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;
}

/// <summary>Where a report's files go: AWS's layout with report versioning OVERWRITE_REPORT, one file per month.</summary>
internal static class CostReportKeys
{
    /// <summary><c>prefix/name/</c> (<c>name/</c> without a prefix).</summary>
    public static string Folder(string prefix, string name) => prefix.Length == 0 ? $"{name}/" : $"{prefix}/{name}/";

    /// <summary><c>prefix/name/20250301-20250401/name-00001.csv</c>.</summary>
    public static string File(string prefix, string name, DateOnly period) =>
        $"{Folder(prefix, name)}{period:yyyyMMdd}-{period.AddMonths(1):yyyyMMdd}/{name}-00001.csv";
}
