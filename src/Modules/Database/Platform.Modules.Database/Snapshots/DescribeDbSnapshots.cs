using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.Snapshots;

/// <summary>The caller's manual snapshots, all, of one instance, or the one named.</summary>
internal sealed record DescribeDbSnapshots(string Region, string? DbSnapshotIdentifier, string? DbInstanceIdentifier) : IRequest<DbSnapshotsResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:DescribeDBSnapshots", RdsArns.Snapshot(Region, caller.AccountId, DbSnapshotIdentifier?.ToLowerInvariant() ?? "*"));
}

internal sealed class DescribeDbSnapshotsHandler(DatabaseDbContext db, ICallerContext caller) : IRequestHandler<DescribeDbSnapshots, DbSnapshotsResponse>
{
    public async ValueTask<DbSnapshotsResponse> Handle(DescribeDbSnapshots request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var id = request.DbSnapshotIdentifier?.ToLowerInvariant();
        var instance = request.DbInstanceIdentifier?.ToLowerInvariant();
        var snapshots = await db.Snapshots.AsNoTracking()
            .Where(s => s.AccountId == account && (id == null || s.Identifier == id) && (instance == null || s.SourceInstanceIdentifier == instance))
            .OrderBy(s => s.Identifier)
            .ToListAsync(cancellationToken);
        if (id is not null && snapshots.Count == 0)
        {
            throw RdsErrors.SnapshotNotFound(id);
        }

        return new DbSnapshotsResponse([.. snapshots.Select(s => DbSnapshotResponse.From(s, request.Region))]);
    }
}
