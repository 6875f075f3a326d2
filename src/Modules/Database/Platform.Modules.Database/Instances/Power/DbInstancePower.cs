using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Database.Guests;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Database.Snapshots;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Database.Instances.Power;

/// <summary>
/// Stop, start and reboot of a DB instance: the instance's status changes in one save guarded by its version (two calls at
/// once: one wins, the other is InvalidDBInstanceState), then its guest, a managed instance of Compute, is stopped, started
/// or rebooted through Compute's public contract. A failure of that second step is finished by the guest job
/// (<see cref="DatabaseGuests.RunAsync"/>), which drives every stopping, stopped and starting instance's guest toward it.
/// </summary>
internal sealed class DbInstancePower(DatabaseDbContext db, ISender sender, TimeProvider clock, SnapshotTaker snapshots, DatabaseGuests guests)
{
    /// <param name="snapshotIdentifier">For a stop: a manual snapshot to take first (StopDBInstance's DBSnapshotIdentifier). The
    /// guest then keeps running until the snapshot's backup is reported (<see cref="Reports.GuestReportRecorder"/> stops it,
    /// and <see cref="StoppedInstanceRestartJob"/> waits for it).</param>
    public async Task<DbInstance> ChangeAsync(string account, string identifier, ManagedInstancePower power, CancellationToken cancellationToken, string? snapshotIdentifier = null)
    {
        var instance = await db.FindAsync(account, identifier, cancellationToken);
        if (instance.MultiAz && power != ManagedInstancePower.Reboot)
        {
            throw RdsErrors.InvalidParameterCombination("Stopping and starting a Multi-AZ DB instance is not offered by this platform yet.");
        }

        DbSnapshot? snapshot = null;
        switch (power)
        {
            case ManagedInstancePower.Stop when instance.Status == DbInstanceStatus.Available:
                if (snapshotIdentifier is not null)
                {
                    snapshot = await snapshots.AddAsync(instance, RdsNames.Identifier(snapshotIdentifier, "DBSnapshotIdentifier", 255), tags: null, cancellationToken);
                }

                instance.Status = DbInstanceStatus.Stopping;
                instance.StoppedAt = clock.GetUtcNow().UtcDateTime;
                break;
            case ManagedInstancePower.Start when instance.Status == DbInstanceStatus.Stopped:
                instance.Status = DbInstanceStatus.Starting;
                instance.StoppedAt = null;
                break;
            case ManagedInstancePower.Reboot when instance.Status is DbInstanceStatus.Available or DbInstanceStatus.StorageFull:
                instance.Status = DbInstanceStatus.Rebooting;
                break;
            case ManagedInstancePower.Stop:
                throw RdsErrors.InvalidInstanceState($"Instance {instance.Identifier} is not in available state.");
            case ManagedInstancePower.Start:
                throw RdsErrors.InvalidInstanceState($"Instance {instance.Identifier} is not stopped, cannot be started.");
            default:
                throw RdsErrors.InvalidInstanceState($"Instance {instance.Identifier} is not in available state.");
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
        catch (DbUpdateException e) when (snapshot is not null && UniqueViolation.Is(e))
        {
            throw RdsErrors.SnapshotAlreadyExists(snapshot.Identifier);
        }

        if (snapshot is not null)
        {
            // The backup first: the guest is asked for it now, and powered off once it is reported.
            await guests.SignalAsync(instance.ResourceId, cancellationToken);
            return instance;
        }

        // A Multi-AZ instance reboots its primary (without failover the standby stays as it is).
        await sender.Send(new ChangeManagedInstancePower(DatabaseGuests.ManagedBy, MultiAzPair.PrimaryOf(instance), power), cancellationToken);
        return instance;
    }
}
