using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.Snapshots;

/// <summary>DeleteDBSnapshot: a manual snapshot that is not being taken (InvalidDBSnapshotState while creating).</summary>
internal sealed record DeleteDbSnapshot(string Region, string DbSnapshotIdentifier) : IRequest<DbSnapshotResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:DeleteDBSnapshot", RdsArns.Snapshot(Region, caller.AccountId, DbSnapshotIdentifier.ToLowerInvariant()));
}

internal sealed class DeleteDbSnapshotHandler(DatabaseDbContext db, ICallerContext caller) : IRequestHandler<DeleteDbSnapshot, DbSnapshotResponse>
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

        db.Snapshots.Remove(snapshot);
        await db.BackupOperations.Where(o => o.OperationId == snapshot.OperationId).ExecuteDeleteAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return DbSnapshotResponse.From(snapshot, request.Region);
    }
}
