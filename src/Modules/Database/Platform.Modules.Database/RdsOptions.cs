using System.ComponentModel.DataAnnotations;

namespace Platform.Modules.Database;

/// <summary>The managed databases' settings (section <c>Rds</c>; <c>Database</c> is the platform's own persistence).</summary>
internal sealed class RdsOptions
{
    public const string SectionName = "Rds";

    /// <summary>An account's total allocated storage over its DB instances, GiB (RDS's "Total storage for all DB instances": 100 TiB there).</summary>
    [Range(5, 1_048_576)]
    public int StorageQuotaGiB { get; set; } = 100;

    /// <summary>DB instances per account (RDS's default quota is 40).</summary>
    [Range(1, 10_000)]
    public int InstanceQuota { get; set; } = 40;

    /// <summary>Manual DB snapshots per account (RDS's default quota is 100).</summary>
    [Range(1, 100_000)]
    public int ManualSnapshotQuota { get; set; } = 100;

    /// <summary>When the backup job looks for instances whose backup window has begun.</summary>
    [Required]
    public string BackupCron { get; set; } = "*/5 * * * *";
}
