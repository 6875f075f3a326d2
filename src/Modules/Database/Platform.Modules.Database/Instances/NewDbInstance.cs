using System.Security.Cryptography;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Database.Guests;
using Platform.Modules.Database.ParameterGroups;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Shared.Persistence;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Database.Instances;

/// <summary>What a new DB instance is made with, by CreateDBInstance or by a restore (which brings the engine and user).</summary>
internal sealed record NewDbInstanceSpec(
    string Identifier,
    InstanceClass InstanceClass,
    int AllocatedStorage,
    string MasterUsername,
    string MasterPassword,
    int Port,
    string SubnetGroupName,
    IReadOnlyList<string>? SecurityGroupIds,
    string ParameterGroupName,
    int BackupRetentionPeriod,
    string PreferredBackupWindow,
    string PreferredMaintenanceWindow,
    bool PubliclyAccessible,
    bool DeletionProtection,
    string? Tags,
    string? RestoredFrom = null,
    string? RestoreCipher = null,
    bool MultiAz = false);

/// <summary>
/// Places a new DB instance's record: checks the account's quotas, the subnet group and the security groups (which must
/// be in the group's VPC), encrypts the master password, and saves it in <c>creating</c>. Two creates of one identifier
/// meet at the unique index: one wins, the other is DBInstanceAlreadyExists. Then its guest is launched (<see cref="DatabaseGuests"/>).
/// </summary>
internal sealed class NewDbInstance(DatabaseDbContext db, ISender sender, ISecretProtector secrets, IOptions<RdsOptions> options, DatabaseGuests guests, TimeProvider clock)
{
    public async Task<DbInstance> CreateAsync(string account, NewDbInstanceSpec spec, CancellationToken cancellationToken)
    {
        if (await db.Instances.AnyAsync(i => i.AccountId == account && i.Identifier == spec.Identifier, cancellationToken))
        {
            throw RdsErrors.InstanceAlreadyExists();
        }

        var quota = options.Value;
        var existing = await db.Instances.Where(i => i.AccountId == account).Select(i => i.AllocatedStorage).ToListAsync(cancellationToken);
        if (existing.Count >= quota.InstanceQuota)
        {
            throw RdsErrors.InstanceQuotaExceeded();
        }

        if (existing.Sum() + spec.AllocatedStorage > quota.StorageQuotaGiB)
        {
            throw RdsErrors.StorageQuotaExceeded(quota.StorageQuotaGiB);
        }

        var subnetGroup = await db.SubnetGroups.AsNoTracking().SingleOrDefaultAsync(g => g.AccountId == account && g.Name == spec.SubnetGroupName, cancellationToken)
            ?? throw RdsErrors.SubnetGroupNotFound(spec.SubnetGroupName);
        await ParameterGroupLookup.ValuesAsync(db, account, spec.ParameterGroupName, cancellationToken);
        var groups = await SecurityGroupsAsync(account, subnetGroup.VpcId, spec.SecurityGroupIds, cancellationToken);
        if (spec.PubliclyAccessible && !await sender.Send(new DescribeVpcInternetGateway(account, subnetGroup.VpcId), cancellationToken))
        {
            throw RdsErrors.InvalidSecurityGroup("Cannot create a publicly accessible DBInstance. The specified VPC has no internet gateway attached.");
        }

        var resourceId = NewResourceId();
        var instance = new DbInstance
        {
            ResourceId = resourceId,
            AccountId = account,
            Identifier = spec.Identifier,
            Engine = InstanceSettings.Engine,
            EngineVersion = InstanceSettings.EngineVersion,
            InstanceClass = spec.InstanceClass.Name,
            AllocatedStorage = spec.AllocatedStorage,
            MasterUsername = spec.MasterUsername,
            MasterPasswordProtected = secrets.Protect(spec.MasterPassword, PasswordContext(resourceId)),
            Port = spec.Port,
            SubnetGroupName = subnetGroup.Name,
            VpcId = subnetGroup.VpcId,
            SecurityGroupIds = string.Join(',', groups),
            ParameterGroupName = spec.ParameterGroupName,
            BackupRetentionPeriod = spec.BackupRetentionPeriod,
            PreferredBackupWindow = spec.PreferredBackupWindow,
            PreferredMaintenanceWindow = spec.PreferredMaintenanceWindow,
            PubliclyAccessible = spec.PubliclyAccessible,
            DeletionProtection = spec.DeletionProtection,
            Status = DbInstanceStatus.Creating,
            Generation = 1,
            ParameterApplyStatus = ParameterApplyStatus.InSync,
            RestoredFrom = spec.RestoredFrom,
            // The passphrase its repository will be encrypted with, made now (random bits, no call out): its snapshots and
            // point-in-time restores always have one to keep, whenever backups are turned on.
            BackupCipherProtected = secrets.Protect(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), Backups.BackupRepositories.CipherContext(resourceId)),
            RestoreCipherProtected = spec.RestoreCipher is null ? null : secrets.Protect(spec.RestoreCipher, Backups.BackupRepositories.RestoreCipherContext(resourceId)),
            Tags = spec.Tags,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            MultiAz = spec.MultiAz,
            ReplicationTerm = spec.MultiAz ? 1 : 0,
            ReplicationPasswordProtected = spec.MultiAz
                ? secrets.Protect(Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant(), ReplicationPasswordContext(resourceId))
                : null,
        };
        db.Instances.Add(instance);
        if (spec.RestoredFrom is not null && spec.BackupRetentionPeriod > 0)
        {
            // A restored instance's own repository starts with a full backup as soon as it is up (its restorable window
            // begins there), as RDS backs up a new instance at once; its daily ones follow in its window.
            db.BackupOperations.Add(new DbBackupOperation
            {
                OperationId = Snapshots.SnapshotTaker.NewOperationId(),
                AccountId = account,
                ResourceId = resourceId,
                Kind = nameof(HostAgent.Protocol.DatabaseOperationKind.FullBackup),
                RequestedAt = instance.CreatedAt,
            });
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            throw RdsErrors.InstanceAlreadyExists();
        }

        if (spec.MultiAz)
        {
            // Both servers now, or no instance: a pair without room for its standby is InsufficientDBInstanceCapacity and
            // leaves nothing (another failure is left to the guest job, as for one server).
            try
            {
                await guests.LaunchPairAsync(instance, cancellationToken);
            }
            catch (Platform.Modules.Shared.Errors.ApiException e) when (e.Code == "InsufficientDBInstanceCapacity")
            {
                await db.Instances.Where(i => i.ResourceId == resourceId).ExecuteDeleteAsync(CancellationToken.None);
                await db.BackupOperations.Where(o => o.ResourceId == resourceId).ExecuteDeleteAsync(CancellationToken.None);
                throw;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await guests.TryLaunchAsync(instance, cancellationToken);
            }

            return await db.Instances.AsNoTracking().SingleAsync(i => i.ResourceId == resourceId, cancellationToken);
        }

        // Its database server, at once when a server has room; else the guest job launches it later.
        await guests.TryLaunchAsync(instance, cancellationToken);
        return instance;
    }

    /// <summary>RDS's DbiResourceId: <c>db-</c> and 26 upper-case letters and digits.</summary>
    public static string NewResourceId() => "db-" + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 26);

    /// <summary>The context a master password is encrypted under: a ciphertext copied to another instance's row does not open.</summary>
    public static string PasswordContext(string resourceId) => $"rds-master-password:{resourceId}";

    /// <summary>The context a Multi-AZ pair's replication password is encrypted under.</summary>
    public static string ReplicationPasswordContext(string resourceId) => $"rds-replication-password:{resourceId}";

    private async Task<IReadOnlyList<string>> SecurityGroupsAsync(string account, string vpcId, IReadOnlyList<string>? ids, CancellationToken cancellationToken)
    {
        var wanted = (ids ?? []).Distinct(StringComparer.Ordinal).ToList();
        var found = await sender.Send(new DescribeAccountSecurityGroups(account, wanted, wanted.Count == 0 ? vpcId : null), cancellationToken);
        var missing = wanted.Except(found.Select(g => g.GroupId), StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw RdsErrors.InvalidParameterValue($"Invalid security group ids: {string.Join(", ", missing)}");
        }

        if (found.FirstOrDefault(g => g.VpcId != vpcId) is { } other)
        {
            throw RdsErrors.InvalidParameterCombination($"The DB instance and EC2 security group {other.GroupId} are in different VPCs.");
        }

        return found.Count == 0 ? throw RdsErrors.InvalidParameterValue($"VPC {vpcId} has no default security group.") : [.. found.Select(g => g.GroupId)];
    }
}
