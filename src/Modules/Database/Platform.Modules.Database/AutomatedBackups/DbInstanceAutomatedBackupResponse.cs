using Platform.Modules.Database.Persistence;

namespace Platform.Modules.Database.AutomatedBackups;

/// <summary>RDS's DBInstanceAutomatedBackup.Status values this platform shows.</summary>
internal static class AutomatedBackupStatus
{
    /// <summary>The instance exists and takes backups.</summary>
    public const string Active = "active";

    /// <summary>The instance was deleted and its backups kept.</summary>
    public const string Retained = "retained";

    /// <summary>Answered by DeleteDBInstanceAutomatedBackup: the record is gone when the call returns.</summary>
    public const string Deleting = "deleting";
}

internal sealed record RestoreWindowResponse(DateTime? EarliestTime, DateTime? LatestTime);

/// <summary>RDS's DBInstanceAutomatedBackup shape, snake_case.</summary>
internal sealed record DbInstanceAutomatedBackupResponse(
    string DbInstanceArn,
    string DbiResourceId,
    string Region,
    string DbInstanceIdentifier,
    RestoreWindowResponse RestoreWindow,
    int AllocatedStorage,
    string Status,
    int Port,
    string? AvailabilityZone,
    string VpcId,
    DateTime InstanceCreateTime,
    string MasterUsername,
    string Engine,
    string EngineVersion,
    bool Encrypted,
    string StorageType,
    int BackupRetentionPeriod,
    string PreferredBackupWindow,
    string DbInstanceAutomatedBackupsArn)
{
    public static DbInstanceAutomatedBackupResponse Active(DbInstance instance, string region) => new(
        RdsArns.Instance(region, instance.AccountId, instance.Identifier),
        instance.ResourceId,
        region,
        instance.Identifier,
        new RestoreWindowResponse(instance.EarliestRestorableTime, instance.LatestRestorableTime),
        instance.AllocatedStorage,
        AutomatedBackupStatus.Active,
        instance.Port,
        instance.AvailabilityZone,
        instance.VpcId,
        instance.CreatedAt,
        instance.MasterUsername,
        instance.Engine,
        instance.EngineVersion,
        Encrypted: true,
        "gp2",
        instance.BackupRetentionPeriod,
        instance.PreferredBackupWindow,
        RdsArns.AutomatedBackups(region, instance.AccountId, instance.ResourceId));

    /// <param name="window">The window as of now (<see cref="RetainedWindow"/>).</param>
    public static DbInstanceAutomatedBackupResponse Retained(DbRetainedBackup backup, string region, (DateTime Earliest, DateTime Latest) window, string status = AutomatedBackupStatus.Retained) => new(
        RdsArns.Instance(region, backup.AccountId, backup.InstanceIdentifier),
        backup.ResourceId,
        region,
        backup.InstanceIdentifier,
        new RestoreWindowResponse(window.Earliest, window.Latest),
        backup.AllocatedStorage,
        status,
        backup.Port,
        backup.AvailabilityZone,
        backup.VpcId,
        backup.InstanceCreateTime,
        backup.MasterUsername,
        backup.Engine,
        backup.EngineVersion,
        Encrypted: true,
        "gp2",
        backup.BackupRetentionPeriod,
        backup.PreferredBackupWindow,
        RdsArns.AutomatedBackups(region, backup.AccountId, backup.ResourceId));

    /// <summary>
    /// A retained backup's restore window now: it shrinks as the retention period passes (the oldest point kept is
    /// <paramref name="now"/> less the retention, never before what the guest last reported), and it is empty, the record
    /// due to go, once that passes its latest restorable time.
    /// </summary>
    public static (DateTime Earliest, DateTime Latest)? RetainedWindow(DbRetainedBackup backup, DateTime now)
    {
        var oldestKept = now.AddDays(-Math.Max(backup.BackupRetentionPeriod, 1));
        var earliest = backup.EarliestRestorableTime > oldestKept ? backup.EarliestRestorableTime : oldestKept;
        return earliest > backup.LatestRestorableTime ? null : (earliest, backup.LatestRestorableTime);
    }
}

internal sealed record DbInstanceAutomatedBackupsResponse(IReadOnlyList<DbInstanceAutomatedBackupResponse> DbInstanceAutomatedBackups);
