using Microsoft.EntityFrameworkCore;
using Platform.HostAgent.Protocol;
using Platform.Modules.Database.Guests;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Database.Snapshots;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Database.Backups;

/// <summary>
/// The daily automated backups: for each instance with backups on (retention 1–35) whose backup window is open now, one
/// full backup for the day the window began, added as a <see cref="DatabaseOperation"/> with a fresh id. As RDS does, an
/// instance is also backed up as soon as it runs (backing-up right after creating), outside its window: one with backups
/// on, no earliest restorable time yet (no backup of it has completed) and no backup asked for today or still running
/// gets one for today, so its restorable window opens within minutes, not only after its first window. The day's lease is
/// the row itself (unique per instance and day), so the job run twice, or on two replicas at once, asks for one backup;
/// nothing of it lives in process memory. Then the bookkeeping of backups older than the retention is pruned (the
/// guest's pgBackRest expires the sets in the repository by the same retention), and retained backups past theirs.
/// </summary>
/// <param name="guests">Wakes each guest asked for a backup; null where the bookkeeping runs alone (its unit tests).</param>
internal sealed class AutomatedBackupJob(DatabaseDbContext db, TimeProvider clock, DatabaseGuests? guests = null)
{
    public const string RecurringJobId = "rds-automated-backups";

    private static readonly string[] BackupStates = [DbInstanceStatus.Available, DbInstanceStatus.BackingUp, DbInstanceStatus.Modifying];

    /// <returns>How many backups this run asked for.</returns>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var candidates = await db.Instances.AsNoTracking()
            .Where(i => i.BackupRetentionPeriod > 0 && BackupStates.Contains(i.Status))
            .Select(i => new { i.ResourceId, i.AccountId, i.PreferredBackupWindow, i.LastBackupDay, i.EarliestRestorableTime })
            .ToListAsync(cancellationToken);
        var running = (await db.BackupOperations.AsNoTracking()
            .Where(o => o.CompletedAt == null && o.SnapshotIdentifier == null)
            .Select(o => o.ResourceId)
            .ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var today = DateOnly.FromDateTime(now);
        var asked = 0;
        foreach (var instance in candidates)
        {
            DateOnly day;
            if (BackupWindow.TryParse(instance.PreferredBackupWindow, out var window) && window.Value.DayOfWindowAt(now) is { } windowDay
                && !(instance.LastBackupDay >= windowDay))
            {
                day = windowDay;
            }
            else if (instance.EarliestRestorableTime is null && !(instance.LastBackupDay >= today) && !running.Contains(instance.ResourceId))
            {
                // Its first backup: nothing of it is restorable yet.
                day = today;
            }
            else
            {
                continue;
            }

            db.BackupOperations.Add(new DbBackupOperation
            {
                OperationId = SnapshotTaker.NewOperationId(),
                AccountId = instance.AccountId,
                ResourceId = instance.ResourceId,
                Kind = nameof(DatabaseOperationKind.FullBackup),
                ScheduledDay = day,
                RequestedAt = now,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                asked++;
                if (guests is not null)
                {
                    await guests.SignalAsync(instance.ResourceId, cancellationToken);
                }
            }
            catch (DbUpdateException e) when (UniqueViolation.Is(e))
            {
                // Another run holds this day's lease: its backup is the day's one.
            }

            db.ChangeTracker.Clear();
            await db.Instances.Where(i => i.ResourceId == instance.ResourceId && (i.LastBackupDay == null || i.LastBackupDay < day))
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.LastBackupDay, day), cancellationToken);
        }

        await PruneAsync(now, cancellationToken);
        return asked;
    }

    /// <summary>
    /// Completed automated backups older than their instance's retention leave the bookkeeping (manual snapshots never do),
    /// and so do retained backups of deleted instances once the retention has passed their latest restorable time (each a
    /// conditional delete: a second run deletes nothing).
    /// </summary>
    private async Task PruneAsync(DateTime now, CancellationToken cancellationToken)
    {
        var retentions = await db.Instances.AsNoTracking().Select(i => new { i.ResourceId, i.BackupRetentionPeriod }).ToListAsync(cancellationToken);
        foreach (var group in retentions.GroupBy(r => r.BackupRetentionPeriod))
        {
            var cutoff = now.AddDays(-Math.Max(group.Key, 1));
            var ids = group.Select(r => r.ResourceId).ToList();
            await db.BackupOperations
                .Where(o => ids.Contains(o.ResourceId) && o.SnapshotIdentifier == null && o.CompletedAt != null && o.CompletedAt < cutoff)
                .ExecuteDeleteAsync(cancellationToken);
        }

        var retained = await db.RetainedBackups.AsNoTracking().ToListAsync(cancellationToken);
        foreach (var expired in retained.Where(r => AutomatedBackups.DbInstanceAutomatedBackupResponse.RetainedWindow(r, now) is null))
        {
            await db.RetainedBackups.Where(r => r.ResourceId == expired.ResourceId).ExecuteDeleteAsync(cancellationToken);
        }
    }
}
