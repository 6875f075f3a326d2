using System.ComponentModel.DataAnnotations;

namespace Platform.Modules.Audit;

/// <summary>The audit trail's settings (section <c>Audit</c>).</summary>
internal sealed class AuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>How long events are kept; the retention job deletes older ones (CloudTrail's event history keeps 90 days).</summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 90;

    /// <summary>When the previous UTC day's log files are written to the trails' buckets.</summary>
    [Required]
    public string DeliveryCron { get; set; } = "15 0 * * *";

    /// <summary>When events older than the retention are deleted.</summary>
    [Required]
    public string RetentionCron { get; set; } = "45 0 * * *";
}
