namespace Platform.Modules.Billing.Persistence;

/// <summary>
/// One measured quantity of one resource's use over a period: the unit of metering. Its idempotency key says which
/// fact or sample it came from; the unique index on it is what makes a redelivered notification, a retried job or two
/// replicas count once.
/// </summary>
internal sealed class UsageRecord
{
    public long Id { get; init; }

    public required string IdempotencyKey { get; init; }

    public required string AccountId { get; init; }

    /// <summary>The service as AWS's bills name it (<c>AmazonEC2</c>, <c>AmazonS3</c>).</summary>
    public required string Service { get; init; }

    /// <summary>AWS's usage type (<c>BoxUsage:t3.micro</c>, <c>EBS:VolumeUsage.gp3</c>).</summary>
    public required string UsageType { get; init; }

    public required string ResourceId { get; init; }

    public DateTime UsageStart { get; init; }

    public DateTime UsageEnd { get; init; }

    /// <summary>In <see cref="Unit"/>: whole seconds of running time, or GiB-seconds of storage.</summary>
    public decimal Quantity { get; init; }

    public required string Unit { get; init; }

    public DateTime RecordedAt { get; init; }

    /// <summary>Where an instance ran (for zonal reservations); null for other usage and for runs metered before zones were kept.</summary>
    public string? AvailabilityZone { get; init; }
}

/// <summary>
/// One stretch of an instance's running time, from the fact that it entered <c>running</c> to the fact that it left.
/// Keyed by (instance, start): a redelivered fact finds its run already there.
/// </summary>
internal sealed class InstanceRun
{
    public required string InstanceId { get; init; }

    public DateTime StartedAt { get; init; }

    public required string AccountId { get; init; }

    public required string Service { get; init; }

    public required string UsageType { get; init; }

    public DateTime? EndedAt { get; set; }

    public string? AvailabilityZone { get; init; }
}

/// <summary>
/// One price of one version of the price list, in the installation's currency per <see cref="PriceUnit"/>. Versions
/// are the set of prices sharing an <see cref="EffectiveFrom"/>; the newest one in force at a usage's start prices it.
/// </summary>
internal sealed class PriceEntry
{
    public long Id { get; init; }

    public DateTime EffectiveFrom { get; init; }

    public required string Service { get; init; }

    public required string UsageType { get; init; }

    public decimal PricePerUnit { get; init; }

    /// <summary><c>Hrs</c> or <c>GB-Mo</c>.</summary>
    public required string PriceUnit { get; init; }

    public DateTime CreatedAt { get; init; }

    public required string CreatedBy { get; init; }
}

/// <summary>
/// One spot price: what an hour of <see cref="InstanceType"/> in <see cref="AvailabilityZone"/> costs on the spot market from
/// <see cref="EffectiveFrom"/> until the next one. Recorded only when it changes; keyed by type, zone and minute, so two
/// replicas working out the same minute record it once.
/// </summary>
internal sealed class SpotPrice
{
    public required string InstanceType { get; init; }

    public required string AvailabilityZone { get; init; }

    public DateTime EffectiveFrom { get; init; }

    public decimal PricePerHour { get; init; }
}

/// <summary>An account's bill of one UTC month: written once, in one commit with its lines, never changed.</summary>
internal sealed class Invoice
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    /// <summary>The first day of the month billed (UTC).</summary>
    public DateOnly Period { get; init; }

    public required string Currency { get; init; }

    public decimal Total { get; init; }

    public DateTime IssuedAt { get; init; }

    public List<InvoiceLine> Lines { get; init; } = [];
}

internal sealed class InvoiceLine
{
    public required string InvoiceId { get; init; }

    public int LineNumber { get; init; }

    public required string Service { get; init; }

    public required string UsageType { get; init; }

    public decimal Quantity { get; init; }

    public required string Unit { get; init; }

    public decimal PricePerUnit { get; init; }

    public required string PriceUnit { get; init; }

    /// <summary>Rounded to the cent; the invoice's total is the sum of its lines' amounts.</summary>
    public decimal Amount { get; init; }

    /// <summary>The reservation a line's usage, recurring fee or upfront fee belongs to; null for on-demand usage.</summary>
    public string? ReservationId { get; init; }

    /// <summary>The credit or adjustment a line is (<see cref="InvoiceAdjustment"/>); null for usage and fees.</summary>
    public string? AdjustmentId { get; init; }

    /// <summary>A credit's or adjustment's reason, as the operator gave it.</summary>
    public string? Description { get; init; }
}

/// <summary>
/// A credit or adjustment the operator recorded for an account's month still open: a line of its own on that month's
/// invoice (issued invoices never change: a correction of one goes on a later month). Marked with the invoice that took it.
/// </summary>
internal sealed class InvoiceAdjustment
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    /// <summary>The first day of the month whose invoice takes it.</summary>
    public DateOnly Period { get; init; }

    /// <summary><c>Credit</c> or <c>Adjustment</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>What it adds to the invoice, to the cent: a credit's is negative.</summary>
    public decimal Amount { get; init; }

    /// <summary>The service it is for (<c>AmazonEC2</c>, …), or empty.</summary>
    public required string Service { get; init; }

    public required string Reason { get; init; }

    public DateTime CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    public string? ClientToken { get; init; }

    public string? InvoiceId { get; set; }
}

/// <summary>
/// A purchase of reserved instances: <see cref="InstanceCount"/> instances of one type in one zone (or the region) for a
/// term, at the offering's prices when bought. Written once; its state follows from its end.
/// </summary>
internal sealed class Reservation
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string OfferingId { get; init; }

    public required string InstanceType { get; init; }

    /// <summary>The zone of a zonal reservation; null for a regional one.</summary>
    public string? AvailabilityZone { get; init; }

    public int InstanceCount { get; init; }

    /// <summary><c>No Upfront</c>, <c>Partial Upfront</c> or <c>All Upfront</c>.</summary>
    public required string OfferingType { get; init; }

    /// <summary>The upfront fee per instance, charged once with the first month.</summary>
    public decimal FixedPrice { get; init; }

    /// <summary>The fee per instance and hour of the term, charged whether or not an instance runs.</summary>
    public decimal RecurringHourly { get; init; }

    public DateTime Start { get; init; }

    public DateTime End { get; init; }

    public string? ClientToken { get; init; }
}

/// <summary>
/// A cost and usage report an account asked for: CSV files of its line items, hour by hour or day by day, written into
/// one of its buckets under a prefix (<see cref="CostReports.DeliverCostReportsHandler"/>). Keyed by account and name.
/// </summary>
internal sealed class CostReport
{
    public required string AccountId { get; init; }

    public required string Name { get; init; }

    /// <summary><c>HOURLY</c> or <c>DAILY</c>.</summary>
    public required string TimeUnit { get; init; }

    public required string Bucket { get; init; }

    /// <summary>Without a trailing slash; empty for the bucket's root.</summary>
    public required string Prefix { get; init; }

    public DateTime CreatedAt { get; init; }

    /// <summary>When the delivery job last wrote (or failed to write) the report's files.</summary>
    public DateTime? LastDelivery { get; set; }

    /// <summary>AWS's report status: <c>SUCCESS</c>, <c>ERROR_NO_BUCKET</c>.</summary>
    public string? LastStatus { get; set; }
}

/// <summary>A closed month's file of a report, written once: the month's invoice is immutable, and so is its file.</summary>
internal sealed class CostReportDelivery
{
    public required string AccountId { get; init; }

    public required string ReportName { get; init; }

    /// <summary>The first day of the month the file covers.</summary>
    public DateOnly Period { get; init; }

    public required string Key { get; init; }

    public required string ETag { get; init; }

    public DateTime DeliveredAt { get; init; }
}

/// <summary>A monthly cost budget of an account, with what the last evaluation found (<see cref="Budgets.EvaluateBudgetsHandler"/>).</summary>
internal sealed class Budget
{
    /// <summary>A surrogate id: alerts of a deleted budget never show on a new one of the same name.</summary>
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    public decimal Amount { get; set; }

    public DateTime CreatedAt { get; init; }

    /// <summary>The month the spend below belongs to (its first day); null before the first evaluation.</summary>
    public DateOnly? SpendPeriod { get; set; }

    public decimal? ActualSpend { get; set; }

    public decimal? ForecastedSpend { get; set; }

    public DateTime? EvaluatedAt { get; set; }

    public List<BudgetNotification> Notifications { get; init; } = [];
}

/// <summary>One threshold of a budget: on actual or forecast spend, a percentage of the budget or an absolute amount.</summary>
internal sealed class BudgetNotification
{
    public required string BudgetId { get; init; }

    /// <summary>1, 2, … in the order given.</summary>
    public int Number { get; init; }

    /// <summary><c>ACTUAL</c> or <c>FORECASTED</c>.</summary>
    public required string NotificationType { get; init; }

    /// <summary><c>GREATER_THAN</c>.</summary>
    public required string ComparisonOperator { get; init; }

    public decimal Threshold { get; init; }

    /// <summary><c>PERCENTAGE</c> or <c>ABSOLUTE_VALUE</c>.</summary>
    public required string ThresholdType { get; init; }
}

/// <summary>A notification's threshold crossed in a month: written once per notification and month, whichever run sees it first.</summary>
internal sealed class BudgetAlert
{
    public required string BudgetId { get; init; }

    public int NotificationNumber { get; init; }

    public DateOnly Period { get; init; }

    public DateTime TriggeredAt { get; init; }

    /// <summary>The actual or forecast spend that crossed the threshold.</summary>
    public decimal Spend { get; init; }
}
