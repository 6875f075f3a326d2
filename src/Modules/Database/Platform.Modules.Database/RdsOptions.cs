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

    /// <summary>
    /// The name of the database image each DB instance's guest boots: deploy/db-image/build.sh's, registered by platform.sh
    /// as a private kernel image of the management account (the newest of that name is taken; no tenant's image ever is).
    /// </summary>
    [Required]
    [StringLength(128, MinimumLength = 1)]
    public string ImageName { get; set; } = "platform-db-image";

    /// <summary>When the guest job launches the guests still missing and terminates those of deleted DB instances.</summary>
    [Required]
    public string GuestCron { get; set; } = "* * * * *";

    /// <summary>When the backup job looks for instances whose backup window has begun.</summary>
    [Required]
    public string BackupCron { get; set; } = "*/5 * * * *";
}
