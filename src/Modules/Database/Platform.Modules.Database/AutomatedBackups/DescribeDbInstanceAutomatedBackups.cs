using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.AutomatedBackups;

/// <summary>
/// DescribeDBInstanceAutomatedBackups: the caller's automated backups, <c>active</c> for each DB instance with backups on
/// (retention 1–35; its restore window as its guest last reported it, from the oldest backup set to the newest archived
/// WAL) and <c>retained</c> for each deleted one whose backups were kept. One instance by identifier, resource id or the
/// backups' ARN: none of them is DBInstanceAutomatedBackupNotFound.
/// </summary>
internal sealed record DescribeDbInstanceAutomatedBackups(string Region, string? DbInstanceIdentifier, string? DbiResourceId, string? AutomatedBackupsArn)
    : IRequest<DbInstanceAutomatedBackupsResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:DescribeDBInstanceAutomatedBackups", DbiResourceId is { } id ? RdsArns.AutomatedBackups(Region, caller.AccountId, id) : AutomatedBackupsArn ?? RdsArns.AutomatedBackups(Region, caller.AccountId, "*"));
}

internal sealed class DescribeDbInstanceAutomatedBackupsHandler(DatabaseDbContext db, ICallerContext caller, TimeProvider clock)
    : IRequestHandler<DescribeDbInstanceAutomatedBackups, DbInstanceAutomatedBackupsResponse>
{
    public async ValueTask<DbInstanceAutomatedBackupsResponse> Handle(DescribeDbInstanceAutomatedBackups request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var now = clock.GetUtcNow().UtcDateTime;
        var instances = await db.Instances.AsNoTracking()
            .Where(i => i.AccountId == account && i.BackupRetentionPeriod > 0 && i.Status != DbInstanceStatus.Deleting)
            .ToListAsync(cancellationToken);
        var retained = await db.RetainedBackups.AsNoTracking().Where(r => r.AccountId == account).ToListAsync(cancellationToken);
        var shown = instances.Select(i => DbInstanceAutomatedBackupResponse.Active(i, request.Region))
            .Concat(retained.Select(r => (Backup: r, Window: DbInstanceAutomatedBackupResponse.RetainedWindow(r, now)))
                .Where(r => r.Window is not null)
                .Select(r => DbInstanceAutomatedBackupResponse.Retained(r.Backup, request.Region, r.Window!.Value)))
            .Where(b => Matches(request, b))
            .OrderBy(b => b.DbInstanceIdentifier, StringComparer.Ordinal).ThenBy(b => b.Status, StringComparer.Ordinal).ThenBy(b => b.DbiResourceId, StringComparer.Ordinal)
            .ToList();
        var named = request.DbInstanceIdentifier ?? request.DbiResourceId ?? request.AutomatedBackupsArn;
        return named is not null && shown.Count == 0 ? throw RdsErrors.AutomatedBackupNotFound(named) : new DbInstanceAutomatedBackupsResponse(shown);
    }

    private static bool Matches(DescribeDbInstanceAutomatedBackups request, DbInstanceAutomatedBackupResponse backup) =>
        (request.DbInstanceIdentifier is not { } id || string.Equals(id, backup.DbInstanceIdentifier, StringComparison.OrdinalIgnoreCase))
        && (request.DbiResourceId is not { } resourceId || string.Equals(resourceId, backup.DbiResourceId, StringComparison.OrdinalIgnoreCase))
        && (request.AutomatedBackupsArn is not { } arn || arn == backup.DbInstanceAutomatedBackupsArn);
}
