using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.ParameterGroups;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Database.Snapshots;

/// <summary>
/// RestoreDBInstanceFromDBSnapshot: a new instance whose data volume is filled from the snapshot's backup set before its
/// server first starts; it has the snapshot's storage, engine and master user (and the password the source had then). Without
/// tags of its own it takes the snapshot's, as RDS does. <c>MultiAz</c> makes it a pair as CreateDBInstance does.
/// </summary>
internal sealed record RestoreDbInstanceFromDbSnapshot(
    string Region,
    string DbSnapshotIdentifier,
    string? DbInstanceIdentifier,
    string? DbInstanceClass,
    string? DbSubnetGroupName,
    IReadOnlyList<string>? VpcSecurityGroupIds,
    string? DbParameterGroupName,
    int? Port,
    bool? PubliclyAccessible,
    bool? DeletionProtection,
    IReadOnlyList<RdsTag>? Tags,
    bool? MultiAz = null) : IRequest<DbInstanceResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:RestoreDBInstanceFromDBSnapshot", RdsArns.Instance(Region, caller.AccountId, DbInstanceIdentifier?.ToLowerInvariant() ?? "*"));

    public void Validate()
    {
        RdsNames.Identifier(DbInstanceIdentifier, "DBInstanceIdentifier", 63);
        if (DbInstanceClass is not null)
        {
            InstanceSettings.CheckClass(DbInstanceClass);
        }

        InstanceSettings.CheckPort(Port);
        Shared.Messaging.Parameter.Required(DbSubnetGroupName, "DBSubnetGroupName");
        if (MultiAz == true && PubliclyAccessible == true)
        {
            throw RdsErrors.InvalidParameterCombination("A publicly accessible Multi-AZ DB instance is not offered by this platform yet: its public address cannot follow a failover.");
        }

        RdsNames.Tags(Tags);
    }
}

internal sealed class RestoreDbInstanceFromDbSnapshotHandler(DatabaseDbContext db, ICallerContext caller, NewDbInstance factory, ISecretProtector secrets)
    : IRequestHandler<RestoreDbInstanceFromDbSnapshot, DbInstanceResponse>
{
    public async ValueTask<DbInstanceResponse> Handle(RestoreDbInstanceFromDbSnapshot request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var id = request.DbSnapshotIdentifier.ToLowerInvariant();
        var snapshot = await db.Snapshots.AsNoTracking().SingleOrDefaultAsync(s => s.AccountId == account && s.Identifier == id, cancellationToken)
            ?? throw RdsErrors.SnapshotNotFound(id);
        if (snapshot.Status != DbSnapshotStatus.Available || snapshot.BackupLabel is null)
        {
            throw RdsErrors.InvalidSnapshotState($"Snapshot {id} is not available (it is {snapshot.Status}).");
        }

        if (snapshot.BackupCipherProtected is null)
        {
            throw RdsErrors.InvalidSnapshotState($"Snapshot {id} keeps no key to its backup repository and cannot be restored.");
        }

        // Snapshots taken since they have a repository of their own are there; older ones among the automated backups.
        var inSnapshotRepository = await db.BackupOperations.AsNoTracking()
            .AnyAsync(o => o.OperationId == snapshot.OperationId && o.Kind == nameof(HostAgent.Protocol.DatabaseOperationKind.SnapshotBackup), cancellationToken);
        var spec = new NewDbInstanceSpec(
            RdsNames.Identifier(request.DbInstanceIdentifier, "DBInstanceIdentifier", 63),
            InstanceSettings.CheckClass(request.DbInstanceClass ?? "db.t3.micro"),
            snapshot.AllocatedStorage,
            snapshot.MasterUsername,
            secrets.Unprotect(snapshot.MasterPasswordProtected, SnapshotTaker.PasswordContext(account, snapshot.Identifier)),
            request.Port ?? snapshot.Port,
            request.DbSubnetGroupName!.ToLowerInvariant(),
            request.VpcSecurityGroupIds,
            request.DbParameterGroupName?.ToLowerInvariant() ?? ParameterGroupValues.DefaultGroupName,
            BackupRetentionPeriod: 1,
            InstanceSettings.DefaultBackupWindow(),
            "sun:05:00-sun:05:30",
            request.PubliclyAccessible ?? false,
            request.DeletionProtection ?? false,
            request.Tags is null ? snapshot.Tags : RdsNames.Tags(request.Tags),
            RestoreSource.Snapshot(snapshot.SourceResourceId, snapshot.BackupLabel, inSnapshotRepository),
            secrets.Unprotect(snapshot.BackupCipherProtected, SnapshotTaker.CipherContext(account, snapshot.Identifier)),
            request.MultiAz ?? false);
        return DbInstanceResponse.From(await factory.CreateAsync(account, spec, cancellationToken), request.Region);
    }
}
