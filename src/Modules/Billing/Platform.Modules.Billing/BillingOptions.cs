using System.ComponentModel.DataAnnotations;

namespace Platform.Modules.Billing;

/// <summary>The Billing module's settings (section <c>Billing</c>).</summary>
internal sealed class BillingOptions
{
    public const string SectionName = "Billing";

    /// <summary>The day of the month (UTC) from which last month's invoices are issued; the job runs daily and issues each once.</summary>
    [Range(1, 28)]
    public int InvoiceDay { get; set; } = 1;

    /// <summary>When the invoice job runs (daily; it issues only what is missing).</summary>
    [Required]
    public string InvoiceCron { get; set; } = "30 1 * * *";

    /// <summary>When storage is sampled: hourly, a few minutes past the hour, for the hour before.</summary>
    [Required]
    public string StorageCron { get; set; } = "5 * * * *";

    /// <summary>When the resources billed by the hour (elastic IPs, NAT gateways, load balancers, DB instances) are sampled, for the hour before.</summary>
    [Required]
    public string HoursCron { get; set; } = "5 * * * *";

    /// <summary>When the cost and usage reports are written: hourly, after the samples of the hour before.</summary>
    [Required]
    public string ReportsCron { get; set; } = "25 * * * *";

    /// <summary>When the reconciliation job compares running instances with the open runs here (hourly).</summary>
    [Required]
    public string ReconcileCron { get; set; } = "45 * * * *";

    /// <summary>How long an instance must have been running before reconciliation opens a run its fact has not brought.</summary>
    public TimeSpan ReconcileGrace { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How far back the reconciliation looks for storage hours the hourly sample missed (whole hours; a day by default).</summary>
    public TimeSpan ReconcileStorageWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>When the spot prices are worked out again from the zones' free capacity (every minute).</summary>
    [Required]
    public string SpotPriceCron { get; set; } = "* * * * *";

    /// <summary>When the budgets are evaluated: hourly, after the samples of the hour before.</summary>
    [Required]
    public string BudgetsCron { get; set; } = "20 * * * *";
}
