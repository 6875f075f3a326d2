using Platform.HostAgent.Protocol;
using Platform.Modules.Database.Persistence;

namespace Platform.Modules.Database.Instances;

/// <summary>RDS's DBInstanceStatus values this platform uses.</summary>
internal static class DbInstanceStatus
{
    public const string Creating = "creating";
    public const string Available = "available";
    public const string BackingUp = "backing-up";
    public const string Modifying = "modifying";
    public const string Rebooting = "rebooting";
    public const string Stopping = "stopping";
    public const string Stopped = "stopped";
    public const string Starting = "starting";
    public const string Deleting = "deleting";
    public const string Failed = "failed";
    public const string StorageFull = "storage-full";

    public static readonly IReadOnlyList<string> All =
        [Creating, Available, BackingUp, Modifying, Rebooting, Stopping, Stopped, Starting, Deleting, Failed, StorageFull];
}

/// <summary>DBParameterGroupStatus.ParameterApplyStatus.</summary>
internal static class ParameterApplyStatus
{
    public const string InSync = "in-sync";
    public const string Applying = "applying";
    public const string PendingReboot = "pending-reboot";
}

/// <summary>
/// The DB instance's state machine: which calls each state admits, and how what the guest reports moves it. The API
/// changes the desired side (raising <see cref="DbInstance.Generation"/>); only a report says a change was applied.
/// </summary>
internal static class DbInstanceLifecycle
{
    /// <summary>States in which the tenant may modify the instance (RDS also lets storage grow out of storage-full).</summary>
    public static bool CanModify(string status, bool growsStorage) =>
        status == DbInstanceStatus.Available || (growsStorage && status == DbInstanceStatus.StorageFull);

    public static bool CanSnapshot(string status) => status is DbInstanceStatus.Available or DbInstanceStatus.StorageFull;

    public static void RequireModifiable(DbInstance instance, bool growsStorage)
    {
        if (!CanModify(instance.Status, growsStorage))
        {
            throw RdsErrors.InvalidInstanceState($"Database instance is not in available state (it is {instance.Status}).");
        }
    }

    /// <summary>
    /// States the guest's reports do not decide: stop and delete are the platform's own doing. A <c>starting</c> or
    /// <c>rebooting</c> instance is decided by its guest's next report (a stopped guest sends none; a report saying it is
    /// still booting keeps the state).
    /// </summary>
    private static bool HeldByPlatform(string status) =>
        status is DbInstanceStatus.Stopping or DbInstanceStatus.Stopped or DbInstanceStatus.Deleting;

    /// <summary>
    /// Moves the instance by one report of its guest. <paramref name="backupRunning"/>: an asked-for backup has no
    /// result yet (RDS shows backing-up meanwhile). Restorable times only move forward, whatever the state.
    /// </summary>
    public static void Apply(DbInstance instance, DatabaseReport report, bool backupRunning)
    {
        if (report.AppliedGeneration > instance.AppliedGeneration)
        {
            instance.AppliedGeneration = Math.Min(report.AppliedGeneration, instance.Generation);
        }

        if (report.EarliestRestorableTime is { } earliest)
        {
            instance.EarliestRestorableTime = earliest.UtcDateTime;
        }

        if (report.LatestRestorableTime is { } latest
            && (instance.LatestRestorableTime is null || latest.UtcDateTime > instance.LatestRestorableTime))
        {
            instance.LatestRestorableTime = latest.UtcDateTime;
        }

        instance.ParameterApplyStatus = report.PendingReboot ? ParameterApplyStatus.PendingReboot
            : instance.AppliedGeneration < instance.Generation ? ParameterApplyStatus.Applying
            : ParameterApplyStatus.InSync;

        // A resize under way: its steps stop and start the guest, and its job says when they are done.
        if (HeldByPlatform(instance.Status) || instance.ResizeApplying)
        {
            return;
        }

        instance.StatusMessage = report.Message;
        instance.Status = report.State switch
        {
            DatabaseState.Failed => DbInstanceStatus.Failed,
            DatabaseState.StorageFull => DbInstanceStatus.StorageFull,

            // Still initializing, or booting again (its server restarted): the instance keeps the state the tenant knows it by.
            DatabaseState.Creating => instance.Status,
            _ => instance.AppliedGeneration < instance.Generation
                ? (instance.Status == DbInstanceStatus.Creating ? DbInstanceStatus.Creating : DbInstanceStatus.Modifying)
                : backupRunning ? DbInstanceStatus.BackingUp : DbInstanceStatus.Available,
        };
    }
}
