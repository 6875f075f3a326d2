using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Guests;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Database.Snapshots;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.Instances;

/// <summary>
/// DeleteDBInstance. Refused while deletion protection is on; needs <c>skip_final_snapshot</c> or a
/// <c>final_db_snapshot_identifier</c>, not both. With a final snapshot the instance stays in <c>deleting</c> until its
/// guest reports that backup (the snapshot outlives it); without one it is gone at once. Its guest goes with it, and so does
/// its data volume. Its automated backups go too (RDS's default), unless <c>delete_automated_backups</c> is false: then an
/// instance that has a restore window leaves them <c>retained</c> (<see cref="DbRetainedBackup"/>), restorable to a point in
/// time by its resource id, in the same save that deletes it (or, with a final snapshot, marks it deleting).
/// </summary>
internal sealed record DeleteDbInstance(string Region, string DbInstanceIdentifier, bool? SkipFinalSnapshot, string? FinalDbSnapshotIdentifier, bool? DeleteAutomatedBackups = null)
    : IRequest<DbInstanceResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:DeleteDBInstance", RdsArns.Instance(Region, caller.AccountId, DbInstanceIdentifier.ToLowerInvariant()));

    public void Validate()
    {
        if (SkipFinalSnapshot == true && FinalDbSnapshotIdentifier is not null)
        {
            throw RdsErrors.InvalidParameterCombination("Cannot specify both SkipFinalSnapshot and FinalDBSnapshotIdentifier.");
        }

        if (SkipFinalSnapshot != true && FinalDbSnapshotIdentifier is null)
        {
            throw RdsErrors.InvalidParameterCombination("FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.");
        }

        if (FinalDbSnapshotIdentifier is not null)
        {
            RdsNames.Identifier(FinalDbSnapshotIdentifier, "FinalDBSnapshotIdentifier", 255);
        }
    }
}

internal sealed class DeleteDbInstanceHandler(DatabaseDbContext db, ICallerContext caller, SnapshotTaker snapshots, DatabaseGuests guests, TimeProvider clock)
    : IRequestHandler<DeleteDbInstance, DbInstanceResponse>
{
    public async ValueTask<DbInstanceResponse> Handle(DeleteDbInstance request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var instance = await db.FindAsync(account, request.DbInstanceIdentifier, cancellationToken);
        if (instance.DeletionProtection)
        {
            throw RdsErrors.InvalidParameterCombination("Cannot delete protected DB Instance, please disable deletion protection and try again.");
        }

        if (instance.Status == DbInstanceStatus.Deleting)
        {
            throw RdsErrors.InvalidInstanceState($"Instance {instance.Identifier} is already being deleted.");
        }

        if (request.FinalDbSnapshotIdentifier is { } finalSnapshot)
        {
            if (!DbInstanceLifecycle.CanSnapshot(instance.Status))
            {
                throw RdsErrors.InvalidInstanceState($"Instance {instance.Identifier} is not in available state: a final snapshot needs a running database (skip it instead).");
            }

            await snapshots.AddAsync(instance, RdsNames.Identifier(finalSnapshot, "FinalDBSnapshotIdentifier", 255), tags: null, cancellationToken);
            instance.Status = DbInstanceStatus.Deleting;
            instance.Version++;
        }
        else
        {
            instance.Status = DbInstanceStatus.Deleting;
            db.Instances.Remove(instance);
        }

        if (request.DeleteAutomatedBackups == false && Retain(instance, clock.GetUtcNow().UtcDateTime) is { } retained)
        {
            db.RetainedBackups.Add(retained);
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw RdsErrors.InvalidInstanceState("The DB instance was changed by another request meanwhile; describe it and try again.");
        }

        if (request.FinalDbSnapshotIdentifier is null)
        {
            // Its automated backups' bookkeeping; a manual snapshot's operation is the snapshot's and stays with it.
            await db.BackupOperations.Where(o => o.ResourceId == instance.ResourceId && o.SnapshotIdentifier == null).ExecuteDeleteAsync(cancellationToken);
            await guests.TerminateAsync(instance.ResourceId, cancellationToken);
        }
        else
        {
            await guests.SignalAsync(instance.ResourceId, cancellationToken);
        }

        return DbInstanceResponse.From(instance, request.Region);
    }

    /// <summary>What a point-in-time restore needs of the instance once it is gone; null when it has no backups to keep.</summary>
    private static DbRetainedBackup? Retain(DbInstance instance, DateTime now) =>
        instance is { BackupRetentionPeriod: > 0, BackupCipherProtected: { } cipher, EarliestRestorableTime: { } earliest, LatestRestorableTime: { } latest }
            ? new DbRetainedBackup
            {
                ResourceId = instance.ResourceId,
                AccountId = instance.AccountId,
                InstanceIdentifier = instance.Identifier,
                Engine = instance.Engine,
                EngineVersion = instance.EngineVersion,
                InstanceClass = instance.InstanceClass,
                AllocatedStorage = instance.AllocatedStorage,
                MasterUsername = instance.MasterUsername,
                MasterPasswordProtected = instance.MasterPasswordProtected,
                Port = instance.Port,
                VpcId = instance.VpcId,
                SubnetGroupName = instance.SubnetGroupName,
                SecurityGroupIds = instance.SecurityGroupIds,
                ParameterGroupName = instance.ParameterGroupName,
                AvailabilityZone = instance.AvailabilityZone,
                BackupRetentionPeriod = instance.BackupRetentionPeriod,
                PreferredBackupWindow = instance.PreferredBackupWindow,
                PreferredMaintenanceWindow = instance.PreferredMaintenanceWindow,
                EarliestRestorableTime = earliest,
                LatestRestorableTime = latest,
                InstanceCreateTime = instance.CreatedAt,
                BackupCipherProtected = cipher,
                RetainedAt = now,
            }
            : null;
}
