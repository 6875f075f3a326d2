using Mediator;
using Platform.Modules.Database.ParameterGroups;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Database.Snapshots;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Database.Instances;

/// <summary>
/// RestoreDBInstanceToPointInTime: a new instance with the source's data as it was at <c>restore_time</c> (to the
/// second), or at the latest restorable time. The time must lie in the source's window, from its earliest restorable
/// time (its oldest backup) to its latest (its newest archived WAL), as the guest last reported them.
/// </summary>
internal sealed record RestoreDbInstanceToPointInTime(
    string Region,
    string SourceDbInstanceIdentifier,
    string? TargetDbInstanceIdentifier,
    DateTime? RestoreTime,
    bool? UseLatestRestorableTime,
    string? DbInstanceClass,
    string? DbSubnetGroupName,
    IReadOnlyList<string>? VpcSecurityGroupIds,
    string? DbParameterGroupName,
    int? Port,
    bool? PubliclyAccessible,
    bool? DeletionProtection,
    IReadOnlyList<RdsTag>? Tags) : IRequest<DbInstanceResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:RestoreDBInstanceToPointInTime", RdsArns.Instance(Region, caller.AccountId, TargetDbInstanceIdentifier?.ToLowerInvariant() ?? "*"));

    public void Validate()
    {
        RdsNames.Identifier(TargetDbInstanceIdentifier, "TargetDBInstanceIdentifier", 63);
        if (RestoreTime is not null && UseLatestRestorableTime == true)
        {
            throw RdsErrors.InvalidParameterCombination("Cannot specify both RestoreTime and UseLatestRestorableTime.");
        }

        if (RestoreTime is null && UseLatestRestorableTime != true)
        {
            throw RdsErrors.InvalidParameterCombination("Either RestoreTime or UseLatestRestorableTime must be specified.");
        }

        if (DbInstanceClass is not null)
        {
            InstanceSettings.CheckClass(DbInstanceClass);
        }

        InstanceSettings.CheckPort(Port);
        RdsNames.Tags(Tags);
    }
}

internal sealed class RestoreDbInstanceToPointInTimeHandler(DatabaseDbContext db, ICallerContext caller, NewDbInstance factory, ISecretProtector secrets)
    : IRequestHandler<RestoreDbInstanceToPointInTime, DbInstanceResponse>
{
    public async ValueTask<DbInstanceResponse> Handle(RestoreDbInstanceToPointInTime request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var source = await db.FindAsync(account, request.SourceDbInstanceIdentifier, cancellationToken);
        if (source.EarliestRestorableTime is not { } earliest || source.LatestRestorableTime is not { } latest || source.BackupCipherProtected is null)
        {
            throw RdsErrors.PointInTimeRestoreNotEnabled(source.Identifier);
        }

        var target = request.RestoreTime?.ToUniversalTime() ?? latest;
        if (target < earliest || target > latest)
        {
            throw RdsErrors.InvalidParameterValue(
                $"The restore time {target:yyyy-MM-ddTHH:mm:ssZ} is outside the restorable window of {source.Identifier}: {earliest:yyyy-MM-ddTHH:mm:ssZ} to {latest:yyyy-MM-ddTHH:mm:ssZ}.");
        }

        var spec = new NewDbInstanceSpec(
            RdsNames.Identifier(request.TargetDbInstanceIdentifier, "TargetDBInstanceIdentifier", 63),
            InstanceSettings.CheckClass(request.DbInstanceClass ?? source.InstanceClass),
            source.AllocatedStorage,
            source.MasterUsername,
            secrets.Unprotect(source.MasterPasswordProtected, NewDbInstance.PasswordContext(source.ResourceId)),
            request.Port ?? source.Port,
            request.DbSubnetGroupName?.ToLowerInvariant() ?? source.SubnetGroupName,
            request.VpcSecurityGroupIds ?? source.SecurityGroupIds.Split(',', StringSplitOptions.RemoveEmptyEntries),
            request.DbParameterGroupName?.ToLowerInvariant() ?? source.ParameterGroupName,
            source.BackupRetentionPeriod,
            source.PreferredBackupWindow,
            source.PreferredMaintenanceWindow,
            request.PubliclyAccessible ?? false,
            request.DeletionProtection ?? false,
            RdsNames.Tags(request.Tags),
            // The latest: to the end of the archived WAL (a time target there would find no commit after it, and PostgreSQL
            // refuses a recovery that ends before its target).
            request.RestoreTime is null ? RestoreSource.ToLatest(source.ResourceId, target) : RestoreSource.PointInTime(source.ResourceId, target),
            secrets.Unprotect(source.BackupCipherProtected, Backups.BackupRepositories.CipherContext(source.ResourceId)));
        return DbInstanceResponse.From(await factory.CreateAsync(account, spec, cancellationToken), request.Region);
    }
}
