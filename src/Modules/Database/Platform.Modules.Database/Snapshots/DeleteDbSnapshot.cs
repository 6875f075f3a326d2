using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.Snapshots;

/// <summary>
/// DeleteDBSnapshot: a manual snapshot that is neither being taken nor being restored (InvalidDBSnapshotState) turns
/// <c>deleting</c>, as RDS answers it, and its set leaves the object store (<see cref="SnapshotDeletion"/>): at once here,
/// or by the snapshot-deletion job when this is cut short.
/// </summary>
internal sealed record DeleteDbSnapshot(string Region, string DbSnapshotIdentifier) : IRequest<DbSnapshotResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:DeleteDBSnapshot", RdsArns.Snapshot(Region, caller.AccountId, DbSnapshotIdentifier.ToLowerInvariant()));
}

internal sealed partial class DeleteDbSnapshotHandler(DatabaseDbContext db, ICallerContext caller, SnapshotDeletion deletion, ILogger<DeleteDbSnapshotHandler> logger)
    : IRequestHandler<DeleteDbSnapshot, DbSnapshotResponse>
{
    public async ValueTask<DbSnapshotResponse> Handle(DeleteDbSnapshot request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var id = request.DbSnapshotIdentifier.ToLowerInvariant();
        var snapshot = await db.Snapshots.SingleOrDefaultAsync(s => s.AccountId == account && s.Identifier == id, cancellationToken)
            ?? throw RdsErrors.SnapshotNotFound(id);
        if (snapshot.Status == DbSnapshotStatus.Creating)
        {
            throw RdsErrors.InvalidSnapshotState($"Cannot delete the snapshot {id} while it is being created.");
        }

        if (snapshot.Status == DbSnapshotStatus.Deleting)
        {
            throw RdsErrors.InvalidSnapshotState($"The snapshot {id} is already being deleted.");
        }

        // Marked first, then the restores looked for: a restore that starts now finds it deleting (it restores only an
        // available snapshot); one that began before is seen here.
        snapshot.Status = DbSnapshotStatus.Deleting;
        await db.SaveChangesAsync(cancellationToken);
        if (snapshot.BackupLabel is { } label && await deletion.RestoringAsync(snapshot.SourceResourceId, label, cancellationToken))
        {
            snapshot.Status = DbSnapshotStatus.Available;
            await db.SaveChangesAsync(cancellationToken);
            throw RdsErrors.InvalidSnapshotState($"The snapshot {id} is being restored into a DB instance that is still being created; delete it once the restore is done.");
        }

        var response = DbSnapshotResponse.From(snapshot, request.Region);
        try
        {
            await deletion.DeleteAsync(account, id, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The snapshot stays deleting: the snapshot-deletion job finishes it.
            LogDeletionDeferred(e, id);
        }

        return response;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The data of DB snapshot {Identifier} was not deleted yet; the snapshot-deletion job finishes it")]
    private partial void LogDeletionDeferred(Exception exception, string identifier);
}
