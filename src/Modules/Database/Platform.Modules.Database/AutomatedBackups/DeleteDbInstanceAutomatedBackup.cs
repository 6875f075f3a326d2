using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.AutomatedBackups;

/// <summary>
/// DeleteDBInstanceAutomatedBackup: a deleted instance's retained backups, named by its resource id or the backups' ARN,
/// are no longer restorable. An instance that still exists keeps its backups (InvalidDBInstanceAutomatedBackupState: turn
/// them off with a retention of 0 instead). The record goes in one conditional delete, so a call repeated or made twice at
/// once deletes it once and the other is DBInstanceAutomatedBackupNotFound.
/// </summary>
internal sealed record DeleteDbInstanceAutomatedBackup(string Region, string? DbiResourceId, string? AutomatedBackupsArn)
    : IRequest<DbInstanceAutomatedBackupResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:DeleteDBInstanceAutomatedBackup", DbiResourceId is { } id ? RdsArns.AutomatedBackups(Region, caller.AccountId, id) : AutomatedBackupsArn ?? "*");

    public void Validate()
    {
        if ((DbiResourceId is null) == (AutomatedBackupsArn is null))
        {
            throw RdsErrors.InvalidParameterCombination("Specify either DbiResourceId or DBInstanceAutomatedBackupsArn.");
        }
    }
}

internal sealed class DeleteDbInstanceAutomatedBackupHandler(DatabaseDbContext db, ICallerContext caller, TimeProvider clock)
    : IRequestHandler<DeleteDbInstanceAutomatedBackup, DbInstanceAutomatedBackupResponse>
{
    public async ValueTask<DbInstanceAutomatedBackupResponse> Handle(DeleteDbInstanceAutomatedBackup request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var named = request.DbiResourceId ?? request.AutomatedBackupsArn!;
        var backup = await RetainedAsync(db, account, request.Region, request.DbiResourceId, request.AutomatedBackupsArn, cancellationToken);
        if (backup is null)
        {
            if (request.DbiResourceId is { } resourceId && await db.Instances.AnyAsync(i => i.AccountId == account && i.ResourceId == resourceId, cancellationToken))
            {
                throw RdsErrors.InvalidAutomatedBackupState($"The automated backups of {resourceId} belong to a DB instance that exists; set its backup retention period to 0 to turn them off.");
            }

            throw RdsErrors.AutomatedBackupNotFound(named);
        }

        var deleted = await db.RetainedBackups.Where(r => r.ResourceId == backup.ResourceId && r.AccountId == account).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            throw RdsErrors.AutomatedBackupNotFound(named);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        return DbInstanceAutomatedBackupResponse.Retained(backup, request.Region,
            DbInstanceAutomatedBackupResponse.RetainedWindow(backup, now) ?? (backup.EarliestRestorableTime, backup.LatestRestorableTime), AutomatedBackupStatus.Deleting);
    }

    /// <summary>The account's retained backups of a resource id, or of the ARN's (the ARN is built from the resource id).</summary>
    public static async Task<DbRetainedBackup?> RetainedAsync(DatabaseDbContext db, string account, string region, string? resourceId, string? arn, CancellationToken cancellationToken)
    {
        var candidates = await db.RetainedBackups.AsNoTracking().Where(r => r.AccountId == account).ToListAsync(cancellationToken);
        return candidates.SingleOrDefault(r => resourceId is not null
            ? string.Equals(r.ResourceId, resourceId, StringComparison.OrdinalIgnoreCase)
            : RdsArns.AutomatedBackups(region, account, r.ResourceId) == arn);
    }
}
