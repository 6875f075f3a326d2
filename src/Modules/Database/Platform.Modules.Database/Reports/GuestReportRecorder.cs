using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.HostAgent.Protocol;
using Platform.Modules.Database.Guests;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Database.Snapshots;

namespace Platform.Modules.Database.Reports;

/// <summary>
/// Applies one report of a database guest: backup results first (a backup counts as complete only when the guest says it
/// succeeded and names its label), then the instance's state. Reports repeat (each is listed until the operation leaves
/// the desired state), so recording one twice changes nothing the second time.
/// </summary>
/// <param name="guests">Terminates the guest of an instance whose final snapshot is taken (the guest job would, a minute
/// later); null where the bookkeeping runs alone (its unit tests).</param>
internal sealed partial class GuestReportRecorder(DatabaseDbContext db, TimeProvider clock, ILogger<GuestReportRecorder> logger, DatabaseGuests? guests = null)
{
    private const int Attempts = 5;

    public async Task RecordAsync(string resourceId, DatabaseReport report, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await RecordOnceAsync(resourceId, report, cancellationToken);
                return;
            }
            catch (DbUpdateConcurrencyException) when (attempt < Attempts)
            {
                // The tenant changed the instance meanwhile: apply the report again on what is there now.
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task RecordOnceAsync(string resourceId, DatabaseReport report, CancellationToken cancellationToken)
    {
        var instance = await db.Instances.SingleOrDefaultAsync(i => i.ResourceId == resourceId, cancellationToken);
        if (instance is null)
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var open = await db.BackupOperations.Where(o => o.ResourceId == resourceId && o.CompletedAt == null).ToListAsync(cancellationToken);
        var finalSnapshotFailed = false;
        var snapshotRecorded = false;
        foreach (var result in report.Operations ?? [])
        {
            if (open.FirstOrDefault(o => o.OperationId == result.OperationId) is not { } operation)
            {
                continue;
            }

            var succeeded = result.Succeeded && !string.IsNullOrEmpty(result.BackupLabel);
            open.Remove(operation);
            if (operation.SnapshotIdentifier is null && !succeeded)
            {
                // An automated backup that failed leaves no trace but the log: the day's lease goes, so the job asks again.
                LogAutomatedBackupFailed(instance.Identifier, operation.OperationId, result.Error);
                db.BackupOperations.Remove(operation);
                if (instance.LastBackupDay == operation.ScheduledDay)
                {
                    instance.LastBackupDay = null;
                }

                continue;
            }

            operation.CompletedAt = now;
            operation.Succeeded = succeeded;
            operation.BackupLabel = succeeded ? result.BackupLabel : null;
            operation.Error = succeeded ? null : result.Error ?? "The guest reported the backup failed without a label.";
            if (operation.SnapshotIdentifier is { } snapshotId
                && await db.Snapshots.SingleOrDefaultAsync(s => s.AccountId == instance.AccountId && s.Identifier == snapshotId, cancellationToken) is { } snapshot)
            {
                snapshot.Status = succeeded ? DbSnapshotStatus.Available : DbSnapshotStatus.Failed;
                snapshot.BackupLabel = operation.BackupLabel;
                snapshot.SnapshotCreateTime = succeeded ? report.Backups?.FirstOrDefault(b => b.Label == result.BackupLabel)?.Stopped.UtcDateTime ?? now : null;
                finalSnapshotFailed |= !succeeded && instance.Status == DbInstanceStatus.Deleting;
                snapshotRecorded = true;
            }
        }

        if (instance.Status == DbInstanceStatus.Deleting && open.Count == 0 && !finalSnapshotFailed)
        {
            // The final snapshot is taken: the instance goes, its snapshots stay.
            db.Instances.Remove(instance);
            await db.SaveChangesAsync(cancellationToken);
            await db.BackupOperations.Where(o => o.ResourceId == resourceId && o.SnapshotIdentifier == null).ExecuteDeleteAsync(cancellationToken);
            if (guests is not null)
            {
                await guests.TerminateAsync(resourceId, cancellationToken);
            }

            return;
        }

        if (finalSnapshotFailed)
        {
            instance.Status = DbInstanceStatus.Available;
            instance.StatusMessage = "The final snapshot failed; the instance was not deleted.";

            // Backups it was to leave retained are its own again.
            await db.RetainedBackups.Where(r => r.ResourceId == resourceId).ExecuteDeleteAsync(cancellationToken);
        }

        DbInstanceLifecycle.Apply(instance, report, backupRunning: open.Count > 0);
        instance.Version++;
        await db.SaveChangesAsync(cancellationToken);
        if (instance.Status == DbInstanceStatus.Stopping && open.Count == 0 && snapshotRecorded && guests is not null)
        {
            // StopDBInstance with a snapshot: taken (or failed), so the guest goes down now (the stop job would, a minute later).
            await guests.StopAsync(resourceId, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The automated backup {OperationId} of DB instance {Identifier} failed: {Error}; it is asked for again")]
    private partial void LogAutomatedBackupFailed(string identifier, string operationId, string? error);
}
