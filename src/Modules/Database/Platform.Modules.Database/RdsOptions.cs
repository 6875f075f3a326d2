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

    /// <summary>
    /// The management account's bucket that holds every DB instance's backups and archived WAL, one prefix per instance (its
    /// resource id); made at the platform's first start. Tenants never see it.
    /// </summary>
    [Required]
    [StringLength(63, MinimumLength = 3)]
    public string BackupBucket { get; set; } = "platform-rds-backups";

    /// <summary>
    /// Host:port the database guests name the platform's S3 API by. They reach it through the management relay, which
    /// listens on the port of the API the agents dial, so the port is that one and the host a name of the API's
    /// certificate. Empty: this machine's host name (in the platform certificate) and the port of the API's first URL.
    /// </summary>
    public string BackupEndpoint { get; set; } = "";

    /// <summary>PostgreSQL's archive_timeout: the most committed work a lost server can take with it (RDS's RPO is 5 minutes).</summary>
    [Range(10, 300)]
    public int ArchiveTimeoutSeconds { get; set; } = 60;
}
