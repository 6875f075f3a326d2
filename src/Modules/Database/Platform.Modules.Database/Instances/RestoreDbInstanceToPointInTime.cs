using Mediator;
using Microsoft.EntityFrameworkCore;
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
/// time (its oldest backup) to its latest (its newest archived WAL), as the guest last reported them. The source is an
/// instance by its identifier or resource id, or, by its resource id or the automated backups' ARN, the retained automated
/// backups of a deleted one (their window shrinking with the retention period since the deletion).
/// </summary>
internal sealed record RestoreDbInstanceToPointInTime(
    string Region,
    string? SourceDbInstanceIdentifier,
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
    IReadOnlyList<RdsTag>? Tags,
    string? SourceDbiResourceId = null,
    string? SourceDbInstanceAutomatedBackupsArn = null) : IRequest<DbInstanceResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:RestoreDBInstanceToPointInTime", RdsArns.Instance(Region, caller.AccountId, TargetDbInstanceIdentifier?.ToLowerInvariant() ?? "*"));

    public void Validate()
    {
        if (new[] { SourceDbInstanceIdentifier, SourceDbiResourceId, SourceDbInstanceAutomatedBackupsArn }.Count(s => s is not null) != 1)
        {
            throw RdsErrors.InvalidParameterCombination("Specify exactly one of SourceDBInstanceIdentifier, SourceDbiResourceId and SourceDBInstanceAutomatedBackupsArn.");
        }

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

internal sealed class RestoreDbInstanceToPointInTimeHandler(DatabaseDbContext db, ICallerContext caller, NewDbInstance factory, ISecretProtector secrets, TimeProvider clock)
    : IRequestHandler<RestoreDbInstanceToPointInTime, DbInstanceResponse>
{
    public async ValueTask<DbInstanceResponse> Handle(RestoreDbInstanceToPointInTime request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var source = await SourceAsync(account, request, cancellationToken);
        if (source.Earliest is not { } earliest || source.Latest is not { } latest || source.CipherProtected is null)
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
            secrets.Unprotect(source.PasswordProtected, NewDbInstance.PasswordContext(source.ResourceId)),
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
            secrets.Unprotect(source.CipherProtected, Backups.BackupRepositories.CipherContext(source.ResourceId)));
        return DbInstanceResponse.From(await factory.CreateAsync(account, spec, cancellationToken), request.Region);
    }

    /// <summary>The instance named, else the one of that resource id, else that resource id's (or ARN's) retained backups.</summary>
    private async Task<PitrSource> SourceAsync(string account, RestoreDbInstanceToPointInTime request, CancellationToken cancellationToken)
    {
        if (request.SourceDbInstanceIdentifier is { } identifier)
        {
            return PitrSource.From(await db.FindAsync(account, identifier, cancellationToken));
        }

        if (request.SourceDbiResourceId is { } resourceId
            && await db.Instances.AsNoTracking().SingleOrDefaultAsync(i => i.AccountId == account && i.ResourceId == resourceId, cancellationToken) is { } instance)
        {
            return PitrSource.From(instance);
        }

        var named = request.SourceDbiResourceId ?? request.SourceDbInstanceAutomatedBackupsArn!;
        var retained = await AutomatedBackups.DeleteDbInstanceAutomatedBackupHandler.RetainedAsync(db, account, request.Region, request.SourceDbiResourceId,
            request.SourceDbInstanceAutomatedBackupsArn, cancellationToken) ?? throw RdsErrors.AutomatedBackupNotFound(named);
        var window = AutomatedBackups.DbInstanceAutomatedBackupResponse.RetainedWindow(retained, clock.GetUtcNow().UtcDateTime)
            ?? throw RdsErrors.AutomatedBackupNotFound(named);
        return new PitrSource(retained.ResourceId, retained.InstanceIdentifier, window.Earliest, window.Latest, retained.BackupCipherProtected, retained.MasterPasswordProtected,
            retained.InstanceClass, retained.AllocatedStorage, retained.MasterUsername, retained.Port, retained.SubnetGroupName, retained.SecurityGroupIds,
            retained.ParameterGroupName, retained.BackupRetentionPeriod, retained.PreferredBackupWindow, retained.PreferredMaintenanceWindow);
    }

    private sealed record PitrSource(
        string ResourceId,
        string Identifier,
        DateTime? Earliest,
        DateTime? Latest,
        string? CipherProtected,
        string PasswordProtected,
        string InstanceClass,
        int AllocatedStorage,
        string MasterUsername,
        int Port,
        string SubnetGroupName,
        string SecurityGroupIds,
        string ParameterGroupName,
        int BackupRetentionPeriod,
        string PreferredBackupWindow,
        string PreferredMaintenanceWindow)
    {
        public static PitrSource From(DbInstance i) => new(i.ResourceId, i.Identifier, i.EarliestRestorableTime, i.LatestRestorableTime, i.BackupCipherProtected,
            i.MasterPasswordProtected, i.InstanceClass, i.AllocatedStorage, i.MasterUsername, i.Port, i.SubnetGroupName, i.SecurityGroupIds, i.ParameterGroupName,
            i.BackupRetentionPeriod, i.PreferredBackupWindow, i.PreferredMaintenanceWindow);
    }
}
