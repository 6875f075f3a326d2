using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Database.Guests;
using Platform.Modules.Database.Persistence;

namespace Platform.Modules.Database.Instances.Power;

/// <summary>
/// The job behind stop and start (every <c>Rds:GuestCron</c>): a <c>stopping</c> instance whose guest Compute shows
/// <c>stopped</c> becomes <c>stopped</c>; a guest that has not yet been asked (the call failed after its save) is asked
/// again, unless a snapshot asked for with the stop is still being taken (its report powers the guest off); and an instance stopped for <see cref="MaximumStoppedDays"/> days is started again, as RDS does. Each status change
/// is one conditional update on the status (and stop time) as read, so the job run twice, or on two replicas at once,
/// changes each instance once; asking Compute again for a stop or start already under way changes nothing.
/// </summary>
internal sealed class StoppedInstanceRestartJob(DatabaseDbContext db, ISender sender, TimeProvider clock)
{
    public const string RecurringJobId = "rds-stopped-instances";

    public const int MaximumStoppedDays = 7;

    /// <returns>How many instances this run found stopped and how many it started again.</returns>
    public async Task<(int Stopped, int Restarted)> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var held = await db.Instances.AsNoTracking()
            .Where(i => i.Status == DbInstanceStatus.Stopping || i.Status == DbInstanceStatus.Stopped || i.Status == DbInstanceStatus.Starting)
            .Select(i => new { i.ResourceId, i.Status, i.StoppedAt })
            .ToListAsync(cancellationToken);
        if (held.Count == 0)
        {
            return (0, 0);
        }

        var guests = (await sender.Send(new DescribeManagedInstances(DatabaseGuests.ManagedBy, [.. held.Select(i => i.ResourceId)]), cancellationToken))
            .ToDictionary(g => g.ResourceId, g => g.State, StringComparer.Ordinal);
        var stoppingIds = held.Where(i => i.Status == DbInstanceStatus.Stopping).Select(i => i.ResourceId).ToList();
        var snapshotting = (await db.BackupOperations.AsNoTracking()
                .Where(o => stoppingIds.Contains(o.ResourceId) && o.CompletedAt == null && o.SnapshotIdentifier != null)
                .Select(o => o.ResourceId).Distinct().ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        var (stopped, restarted) = (0, 0);
        foreach (var instance in held)
        {
            var guest = guests.GetValueOrDefault(instance.ResourceId);
            if (instance.Status == DbInstanceStatus.Stopping && guest == "stopped")
            {
                stopped += await db.Instances.Where(i => i.ResourceId == instance.ResourceId && i.Status == DbInstanceStatus.Stopping)
                    .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, DbInstanceStatus.Stopped).SetProperty(i => i.Version, i => i.Version + 1), cancellationToken);
            }
            else if (instance.Status == DbInstanceStatus.Stopping && (guest is "running" or "pending") && !snapshotting.Contains(instance.ResourceId))
            {
                await sender.Send(new ChangeManagedInstancePower(DatabaseGuests.ManagedBy, instance.ResourceId, ManagedInstancePower.Stop), cancellationToken);
            }
            else if (instance.Status == DbInstanceStatus.Starting && guest == "stopped")
            {
                await sender.Send(new ChangeManagedInstancePower(DatabaseGuests.ManagedBy, instance.ResourceId, ManagedInstancePower.Start), cancellationToken);
            }
            else if (instance.Status == DbInstanceStatus.Stopped && instance.StoppedAt is { } since && since <= now.AddDays(-MaximumStoppedDays))
            {
                var won = await db.Instances.Where(i => i.ResourceId == instance.ResourceId && i.Status == DbInstanceStatus.Stopped && i.StoppedAt == since)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(i => i.Status, DbInstanceStatus.Starting)
                        .SetProperty(i => i.StoppedAt, (DateTime?)null)
                        .SetProperty(i => i.StatusMessage, $"Started after being stopped for {MaximumStoppedDays} days.")
                        .SetProperty(i => i.Version, i => i.Version + 1), cancellationToken);
                if (won == 1)
                {
                    await sender.Send(new ChangeManagedInstancePower(DatabaseGuests.ManagedBy, instance.ResourceId, ManagedInstancePower.Start), cancellationToken);
                    restarted++;
                }
            }
        }

        return (stopped, restarted);
    }
}
