using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.HostAgent.Protocol;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Storage.Contracts;

namespace Platform.Modules.Database.Snapshots;

/// <summary>
/// Takes a <c>deleting</c> snapshot's data out of the object store, then its rows: its pgBackRest set in its source's
/// snapshot repository (<c>RID/snapshots/backup/RID/LABEL/</c> and the set's manifest in <c>backup.history</c>), and the
/// whole repository once it holds no other snapshot and its instance is gone (its WAL and pgBackRest's info files with it),
/// or, the instance still there, the repository's WAL (<see cref="ArchivePrefix"/>).
/// Each step deletes what is still there, so a run cut short (a crash mid-delete, the API restarted) is finished by the
/// next: DeleteDBSnapshot runs it at once, the job (<see cref="RecurringJobId"/>, every <c>Rds:GuestCron</c>) for what is
/// left <c>deleting</c>, on any replica, twice at once too. A snapshot among the automated backups (taken before snapshots had
/// their own repository) leaves only the bookkeeping: its set may be what a point-in-time restore starts from, and the
/// automated retention expires it. pgBackRest drops a set whose directory is gone from its <c>backup.info</c> at the
/// guest's next backup of that repository.
/// </summary>
internal sealed class SnapshotDeletion(DatabaseDbContext db, ISender sender, IOptions<RdsOptions> options)
{
    public const string RecurringJobId = "rds-snapshot-deletions";

    /// <summary>The object-store prefixes of a snapshot's set in its source's snapshot repository.</summary>
    public static IReadOnlyList<string> SetPrefixes(string sourceResourceId, string label)
    {
        var backups = $"{RepositoryPrefix(sourceResourceId)}backup/{sourceResourceId}/";
        return label.Length >= 4 ? [$"{backups}{label}/", $"{backups}backup.history/{label[..4]}/{label}.manifest"] : [$"{backups}{label}/"];
    }

    /// <summary>The source's snapshot repository as a prefix of the backup bucket.</summary>
    public static string RepositoryPrefix(string sourceResourceId) => DatabaseBackupRepository.SnapshotRepositoryPath(sourceResourceId) + "/";

    /// <summary>
    /// The WAL segments of the source's snapshot repository (pgBackRest's archive id is the PostgreSQL major version and the
    /// stanza's history id, <c>15-1</c>: every id of that version), without the archive's info files beside them.
    /// </summary>
    public static string ArchivePrefix(string sourceResourceId, string engineVersion) =>
        $"{RepositoryPrefix(sourceResourceId)}archive/{sourceResourceId}/{engineVersion.Split('.')[0]}-";

    /// <summary>A DB instance still being created from this snapshot's set (its guest is reading the repository).</summary>
    public Task<bool> RestoringAsync(string sourceResourceId, string label, CancellationToken cancellationToken)
    {
        string[] sources = [RestoreSource.Snapshot(sourceResourceId, label, inSnapshotRepository: true), RestoreSource.Snapshot(sourceResourceId, label, inSnapshotRepository: false)];
        return db.Instances.AnyAsync(i => i.Status == DbInstanceStatus.Creating && i.RestoredFrom != null && sources.Contains(i.RestoredFrom), cancellationToken);
    }

    /// <summary>Finishes every snapshot left <c>deleting</c>.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var pending = await db.Snapshots.AsNoTracking().Where(s => s.Status == DbSnapshotStatus.Deleting)
            .Select(s => new { s.AccountId, s.Identifier }).ToListAsync(cancellationToken);
        foreach (var snapshot in pending)
        {
            await DeleteAsync(snapshot.AccountId, snapshot.Identifier, cancellationToken);
        }

        return pending.Count;
    }

    public async Task DeleteAsync(string accountId, string identifier, CancellationToken cancellationToken)
    {
        var snapshot = await db.Snapshots.AsNoTracking()
            .SingleOrDefaultAsync(s => s.AccountId == accountId && s.Identifier == identifier && s.Status == DbSnapshotStatus.Deleting, cancellationToken);
        if (snapshot is null)
        {
            return;
        }

        // A restore that read the snapshot available just before DeleteDBSnapshot marked it, and was created just after
        // its check: the set stays until that instance is no longer being created (a later run deletes it).
        if (snapshot.BackupLabel is { } restoring && await RestoringAsync(snapshot.SourceResourceId, restoring, cancellationToken))
        {
            return;
        }

        var inSnapshotRepository = await db.BackupOperations.AsNoTracking()
            .AnyAsync(o => o.OperationId == snapshot.OperationId && o.Kind == nameof(DatabaseOperationKind.SnapshotBackup), cancellationToken);
        if (inSnapshotRepository && snapshot.BackupLabel is { } label)
        {
            var bucket = options.Value.BackupBucket;
            var owner = await sender.Send(new DescribeManagementAccount(), cancellationToken);
            foreach (var prefix in SetPrefixes(snapshot.SourceResourceId, label))
            {
                await sender.Send(new DeletePlatformObjects(bucket, owner, prefix), cancellationToken);
            }

            // The last snapshot of a deleted instance: nothing will read or write its snapshot repository again (a new
            // snapshot needs the instance, a restore a snapshot), so its WAL and info files go too.
            var source = snapshot.SourceResourceId;
            var engineVersion = await db.Instances.Where(i => i.ResourceId == source).Select(i => i.EngineVersion).FirstOrDefaultAsync(cancellationToken);
            if (!await db.Snapshots.AnyAsync(s => s.SourceResourceId == source && !(s.AccountId == accountId && s.Identifier == identifier), cancellationToken))
            {
                // The last snapshot of a live instance: its WAL goes, which pgBackRest would keep for good (it never expires
                // a repository's last full set, so nothing of the archive before the next snapshot's backup, and the guest's
                // archive-push adds to it all along). The archive's info files stay: the guest pushes on, and the next
                // snapshot's backup starts from them (and expires what was pushed before it).
                await sender.Send(new DeletePlatformObjects(bucket, owner, engineVersion is null ? RepositoryPrefix(source) : ArchivePrefix(source, engineVersion)),
                    cancellationToken);
            }
        }

        await db.BackupOperations.Where(o => o.OperationId == snapshot.OperationId).ExecuteDeleteAsync(cancellationToken);
        await db.Snapshots.Where(s => s.AccountId == accountId && s.Identifier == identifier && s.Status == DbSnapshotStatus.Deleting).ExecuteDeleteAsync(cancellationToken);
    }
}
