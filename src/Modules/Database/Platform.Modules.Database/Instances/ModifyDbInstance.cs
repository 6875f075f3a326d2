using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Database.Guests;
using Platform.Modules.Database.ParameterGroups;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Database.Instances;

/// <summary>
/// ModifyDBInstance: master password, parameter group, security groups, backup settings and deletion protection, applied
/// at once; what the guest must apply raises the generation and puts the instance in <c>modifying</c> until its report
/// says it applied it. A new class or larger storage (a resize) is RDS's way: with <c>apply_immediately</c> the instance
/// turns <c>modifying</c> at once, else it waits in PendingModifiedValues for the next maintenance window; the resize job
/// (<see cref="Resize.DbInstanceResizeJob"/>) grows the data volume (the guest grows its file system online) and, for a new
/// class, stops the guest, changes its instance type and starts it again. Storage never shrinks; a Multi-AZ instance's
/// resize is not offered yet (InvalidParameterCombination).
/// </summary>
internal sealed record ModifyDbInstance(
    string Region,
    string DbInstanceIdentifier,
    string? DbInstanceClass,
    int? AllocatedStorage,
    string? MasterUserPassword,
    string? DbParameterGroupName,
    IReadOnlyList<string>? VpcSecurityGroupIds,
    int? BackupRetentionPeriod,
    string? PreferredBackupWindow,
    string? PreferredMaintenanceWindow,
    bool? DeletionProtection,
    bool? PubliclyAccessible,
    bool? ApplyImmediately) : IRequest<DbInstanceResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:ModifyDBInstance", RdsArns.Instance(Region, caller.AccountId, DbInstanceIdentifier.ToLowerInvariant()));

    public void Validate()
    {
        if (DbInstanceClass is not null)
        {
            InstanceSettings.CheckClass(DbInstanceClass);
        }

        if (AllocatedStorage is not null)
        {
            InstanceSettings.CheckStorage(AllocatedStorage);
        }

        if (MasterUserPassword is not null)
        {
            InstanceSettings.CheckPassword(MasterUserPassword);
        }

        InstanceSettings.CheckRetention(BackupRetentionPeriod);
        InstanceSettings.CheckBackupWindow(PreferredBackupWindow);
        InstanceSettings.CheckMaintenanceWindow(PreferredMaintenanceWindow);
    }
}

internal sealed class ModifyDbInstanceHandler(DatabaseDbContext db, ICallerContext caller, ISender sender, ISecretProtector secrets, IOptions<RdsOptions> options, DatabaseGuests guests,
    IBackgroundJobClient resizes)
    : IRequestHandler<ModifyDbInstance, DbInstanceResponse>
{
    public async ValueTask<DbInstanceResponse> Handle(ModifyDbInstance request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var instance = await db.FindAsync(account, request.DbInstanceIdentifier, cancellationToken);
        var growsStorage = request.AllocatedStorage > instance.AllocatedStorage;
        DbInstanceLifecycle.RequireModifiable(instance, growsStorage);
        if (request.AllocatedStorage < instance.AllocatedStorage)
        {
            throw RdsErrors.InvalidParameterCombination(
                $"Invalid storage size for engine name postgres and storage type gp2: {request.AllocatedStorage}. Allocated storage can only grow (it is {instance.AllocatedStorage}).");
        }

        if (request.AllocatedStorage < instance.PendingAllocatedStorage)
        {
            throw RdsErrors.InvalidParameterCombination(
                $"Invalid storage size: {request.AllocatedStorage}. Allocated storage can only grow ({instance.PendingAllocatedStorage} GiB is pending already).");
        }

        if (growsStorage)
        {
            var others = await db.Instances.Where(i => i.AccountId == account && i.ResourceId != instance.ResourceId)
                .SumAsync(i => i.PendingAllocatedStorage > i.AllocatedStorage ? i.PendingAllocatedStorage!.Value : i.AllocatedStorage, cancellationToken);
            if (others + request.AllocatedStorage!.Value > options.Value.StorageQuotaGiB)
            {
                throw RdsErrors.StorageQuotaExceeded(options.Value.StorageQuotaGiB);
            }
        }

        var newClass = request.DbInstanceClass is { } wantedClass && InstanceSettings.CheckClass(wantedClass).Name != instance.InstanceClass ? wantedClass : null;
        if ((growsStorage || newClass is not null) && instance.MultiAz)
        {
            throw RdsErrors.InvalidParameterCombination(
                "Resizing a Multi-AZ DB instance (its class or storage) is not offered by this platform yet: its two guests would have to be resized one after the other.");
        }

        var parameterGroup = request.DbParameterGroupName?.ToLowerInvariant();
        if (parameterGroup is not null)
        {
            await ParameterGroupLookup.ValuesAsync(db, account, parameterGroup, cancellationToken);
        }

        if (request.VpcSecurityGroupIds is { } groupIds)
        {
            var wanted = groupIds.Distinct(StringComparer.Ordinal).ToList();
            var found = wanted.Count == 0 ? [] : await sender.Send(new DescribeAccountSecurityGroups(account, wanted), cancellationToken);
            var missing = wanted.Except(found.Select(g => g.GroupId), StringComparer.Ordinal).ToList();
            if (wanted.Count == 0 || missing.Count > 0)
            {
                throw RdsErrors.InvalidParameterValue($"Invalid security group ids: {string.Join(", ", missing.DefaultIfEmpty("(none given)"))}");
            }

            if (found.FirstOrDefault(g => g.VpcId != instance.VpcId) is { } other)
            {
                throw RdsErrors.InvalidParameterCombination($"The DB instance and EC2 security group {other.GroupId} are in different VPCs.");
            }

            instance.SecurityGroupIds = string.Join(',', found.Select(g => g.GroupId));
        }

        // A public address is assigned before the save (no internet gateway: an error, nothing changed), taken back after it.
        var publicChange = request.PubliclyAccessible is { } accessible && accessible != instance.PubliclyAccessible;
        if (publicChange && request.PubliclyAccessible == true && instance.MultiAz)
        {
            throw RdsErrors.InvalidParameterCombination("A publicly accessible Multi-AZ DB instance is not offered by this platform yet: its public address cannot follow a failover.");
        }

        if (publicChange && request.PubliclyAccessible == true)
        {
            await guests.SetPubliclyAccessibleAsync(instance, true, cancellationToken);
        }

        // Everything is checked: from here on the changes are made, all in one save.
        var guestChanges = false;
        if (request.MasterUserPassword is { } password)
        {
            instance.MasterPasswordProtected = secrets.Protect(password, NewDbInstance.PasswordContext(instance.ResourceId));
            guestChanges = true;
        }

        if (parameterGroup is not null && parameterGroup != instance.ParameterGroupName)
        {
            instance.ParameterGroupName = parameterGroup;
            instance.ParameterApplyStatus = ParameterApplyStatus.PendingReboot;
            guestChanges = true;
        }

        if (growsStorage && request.AllocatedStorage != instance.PendingAllocatedStorage)
        {
            instance.PendingAllocatedStorage = request.AllocatedStorage;
        }

        if (request.DbInstanceClass is not null)
        {
            // Asking for the class it has takes back a pending change of class, as RDS does.
            instance.PendingInstanceClass = newClass;
        }

        if (request.ApplyImmediately == true && (instance.PendingInstanceClass is not null || instance.PendingAllocatedStorage is not null))
        {
            // The resize job takes it from here (and the pending values of earlier calls with it, as RDS applies them).
            instance.ResizeApplying = true;
            instance.Status = DbInstanceStatus.Modifying;
        }

        instance.BackupRetentionPeriod = request.BackupRetentionPeriod ?? instance.BackupRetentionPeriod;
        instance.PreferredBackupWindow = request.PreferredBackupWindow ?? instance.PreferredBackupWindow;
        instance.PreferredMaintenanceWindow = request.PreferredMaintenanceWindow ?? instance.PreferredMaintenanceWindow;
        instance.DeletionProtection = request.DeletionProtection ?? instance.DeletionProtection;
        instance.PubliclyAccessible = request.PubliclyAccessible ?? instance.PubliclyAccessible;
        if (guestChanges)
        {
            instance.Generation++;
            instance.Status = DbInstanceStatus.Modifying;
        }

        instance.Version++;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw RdsErrors.InvalidInstanceState("The DB instance was changed by another request meanwhile; describe it and try again.");
        }

        if (guestChanges)
        {
            await guests.SignalAsync(instance.ResourceId, cancellationToken);
        }

        if (instance.ResizeApplying)
        {
            // Started at once rather than at the job's next minute; the recurring run finishes what this one could not.
            resizes.Enqueue<Resize.DbInstanceResizeJob>(job => job.RunAsync(CancellationToken.None));
        }

        if (publicChange && request.PubliclyAccessible == false)
        {
            await guests.SetPubliclyAccessibleAsync(instance, false, cancellationToken);
        }

        return DbInstanceResponse.From(instance, request.Region);
    }
}
