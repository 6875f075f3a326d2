using Mediator;
using Platform.Modules.Database.ParameterGroups;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.Instances;

/// <summary>
/// CreateDBInstance for PostgreSQL 15. RDS has no client token here: the identifier is the idempotency key (a second
/// create of it is DBInstanceAlreadyExists). Every bad input is refused before anything is saved.
/// </summary>
internal sealed record CreateDbInstance(
    string Region,
    string? DbInstanceIdentifier,
    string? Engine,
    string? EngineVersion,
    string? DbInstanceClass,
    int? AllocatedStorage,
    string? MasterUsername,
    string? MasterUserPassword,
    int? Port,
    string? DbSubnetGroupName,
    IReadOnlyList<string>? VpcSecurityGroupIds,
    string? DbParameterGroupName,
    int? BackupRetentionPeriod,
    string? PreferredBackupWindow,
    string? PreferredMaintenanceWindow,
    bool? PubliclyAccessible,
    bool? DeletionProtection,
    bool? MultiAz,
    IReadOnlyList<RdsTag>? Tags) : IRequest<DbInstanceResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:CreateDBInstance", RdsArns.Instance(Region, caller.AccountId, DbInstanceIdentifier?.ToLowerInvariant() ?? "*"));

    public void Validate()
    {
        RdsNames.Identifier(DbInstanceIdentifier, "DBInstanceIdentifier", 63);
        InstanceSettings.CheckEngine(Engine, EngineVersion);
        InstanceSettings.CheckClass(DbInstanceClass);
        InstanceSettings.CheckStorage(AllocatedStorage);
        InstanceSettings.CheckUsername(MasterUsername);
        InstanceSettings.CheckPassword(MasterUserPassword);
        InstanceSettings.CheckPort(Port);
        InstanceSettings.CheckRetention(BackupRetentionPeriod);
        InstanceSettings.CheckBackupWindow(PreferredBackupWindow);
        InstanceSettings.CheckMaintenanceWindow(PreferredMaintenanceWindow);
        Shared.Messaging.Parameter.Required(DbSubnetGroupName, "DBSubnetGroupName");
        if (MultiAz == true && PubliclyAccessible == true)
        {
            throw RdsErrors.InvalidParameterCombination("A publicly accessible Multi-AZ DB instance is not offered by this platform yet: its public address cannot follow a failover.");
        }

        RdsNames.Tags(Tags);
    }
}

internal sealed class CreateDbInstanceHandler(NewDbInstance factory, ICallerContext caller) : IRequestHandler<CreateDbInstance, DbInstanceResponse>
{
    public async ValueTask<DbInstanceResponse> Handle(CreateDbInstance request, CancellationToken cancellationToken)
    {
        var spec = new NewDbInstanceSpec(
            RdsNames.Identifier(request.DbInstanceIdentifier, "DBInstanceIdentifier", 63),
            InstanceSettings.CheckClass(request.DbInstanceClass),
            request.AllocatedStorage!.Value,
            request.MasterUsername!,
            request.MasterUserPassword!,
            request.Port ?? InstanceSettings.DefaultPort,
            request.DbSubnetGroupName!.ToLowerInvariant(),
            request.VpcSecurityGroupIds,
            request.DbParameterGroupName?.ToLowerInvariant() ?? ParameterGroupValues.DefaultGroupName,
            request.BackupRetentionPeriod ?? 1,
            request.PreferredBackupWindow ?? InstanceSettings.DefaultBackupWindow(),
            request.PreferredMaintenanceWindow ?? "sun:05:00-sun:05:30",
            request.PubliclyAccessible ?? false,
            request.DeletionProtection ?? false,
            RdsNames.Tags(request.Tags),
            MultiAz: request.MultiAz ?? false);
        var instance = await factory.CreateAsync(caller.Identity.AccountId, spec, cancellationToken);
        return DbInstanceResponse.From(instance, request.Region);
    }
}
