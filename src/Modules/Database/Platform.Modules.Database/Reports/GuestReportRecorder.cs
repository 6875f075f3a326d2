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

    /// <param name="managedResourceId">The reporting guest's: the DB instance's resource id, or its Multi-AZ side B's.</param>
    private async Task RecordOnceAsync(string managedResourceId, DatabaseReport report, CancellationToken cancellationToken)
    {
        var (resourceId, side) = MultiAzPair.Parse(managedResourceId);
        var instance = await db.Instances.SingleOrDefaultAsync(i => i.ResourceId == resourceId, cancellationToken);
        if (instance is null || (side == MultiAzPair.SideB && !instance.MultiAz))
        {
            return;
        }

        if (instance.MultiAz && side != instance.PrimarySide)
        {
            await RecordStandbyAsync(instance, report, cancellationToken);
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

        var status = instance.Status;
        DbInstanceLifecycle.Apply(instance, report, backupRunning: open.Count > 0);
        if (instance.MultiAz)
        {
            HoldUntilPaired(instance, report, status);
        }

        instance.Version++;
        await db.SaveChangesAsync(cancellationToken);
        if (instance.Status == DbInstanceStatus.Stopping && open.Count == 0 && snapshotRecorded && guests is not null)
        {
            // StopDBInstance with a snapshot: taken (or failed), so the guest goes down now (the stop job would, a minute later).
            await guests.StopAsync(resourceId, cancellationToken);
        }
    }

    /// <summary>
    /// A Multi-AZ instance's primary (its guest of the current side) leaves <c>creating</c> only once it commits synchronously
    /// with its standby, and <c>rebooting</c> after a failover only once it reports itself the primary of the new term: until
    /// then a report of the database up keeps the state the tenant knows it by.
    /// </summary>
    private static void HoldUntilPaired(DbInstance instance, DatabaseReport report, string before)
    {
        var primaryOfTerm = report.Replication is { Role: DatabaseReplicationRole.Primary } r && r.Term == instance.ReplicationTerm;
        if (before == DbInstanceStatus.Creating && instance.Status != DbInstanceStatus.Failed
            && !(primaryOfTerm && report.Replication!.Synchronous && report.Replication.Streaming))
        {
            instance.Status = DbInstanceStatus.Creating;
            instance.StatusMessage ??= "Waiting for the standby to stream synchronously.";
        }
        else if (before == DbInstanceStatus.Rebooting && instance.Status != DbInstanceStatus.Failed && !primaryOfTerm)
        {
            instance.Status = DbInstanceStatus.Rebooting;
            instance.StatusMessage ??= "Failing over to the standby.";
        }
    }

    /// <summary>
    /// A report of a Multi-AZ instance's standby: once the standby of the current term streams, the primary's composition
    /// names it its synchronous standby (both guests are signalled). Nothing else of the instance moves by it.
    /// </summary>
    private async Task RecordStandbyAsync(DbInstance instance, DatabaseReport report, CancellationToken cancellationToken)
    {
        if (instance.StandbySynchronous
            || report.Replication is not { Role: DatabaseReplicationRole.Standby, Streaming: true } replication
            || replication.Term != instance.ReplicationTerm)
        {
            return;
        }

        instance.StandbySynchronous = true;
        instance.Version++;
        await db.SaveChangesAsync(cancellationToken);
        if (guests is not null)
        {
            await guests.SignalAsync(instance.ResourceId, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The automated backup {OperationId} of DB instance {Identifier} failed: {Error}; it is asked for again")]
    private partial void LogAutomatedBackupFailed(string identifier, string operationId, string? error);
}
