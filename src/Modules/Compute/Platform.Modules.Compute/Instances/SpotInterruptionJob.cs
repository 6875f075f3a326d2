using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.InstanceTypes;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Compute.Scheduling;

namespace Platform.Modules.Compute.Instances;

/// <summary>
/// Carries out spot interruptions from what the database holds (so an API restart loses none): each interrupted spot instance
/// whose notice has run out is stopped or terminated as its request said, and an on-demand launch waiting for the capacity
/// it took back is released to its server once no interrupted spot instance there still holds any. Each change commits
/// against the server's desired-state version, so a second run or replica finds it done and changes nothing.
/// </summary>
internal sealed class SpotInterruptionJob(ComputeDbContext db, DesiredStateSignals signals, TimeProvider clock)
{
    public const string RecurringJobId = "compute-spot-interruptions";

    /// <summary>EC2's state reason for a spot instance taken back.</summary>
    public const string InterruptedReason = "Server.SpotInstanceTermination: Spot instance termination";

    [AutomaticRetry(Attempts = 0)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var changed = 0;
        var due = await db.Instances.AsNoTracking()
            .Where(i => i.SpotActionTime != null && i.SpotActionTime <= now && i.State != InstanceStates.Terminated && i.State != InstanceStates.ShuttingDown)
            .Select(i => i.Id).ToListAsync(cancellationToken);
        foreach (var id in due)
        {
            changed += await ApplyAsync(id, Interrupt, cancellationToken);
        }

        var waiting = await db.Instances.AsNoTracking().Where(i => i.AwaitingCapacity).Select(i => i.HostId).Distinct().ToListAsync(cancellationToken);
        foreach (var hostId in waiting)
        {
            changed += await ReleaseAsync(hostId, cancellationToken);
        }

        return changed;
    }

    /// <summary>Stops or terminates a due spot instance; false when there is nothing (more) to do.</summary>
    private static bool Interrupt(Instance instance)
    {
        var stop = instance.SpotInterruptionBehavior == SpotMarket.Stop;
        switch (instance.State)
        {
            case InstanceStates.Pending or InstanceStates.Running when stop:
                instance.State = InstanceStates.Stopping;
                instance.DesiredPower = DesiredPowers.Stopped;
                break;
            case InstanceStates.Stopping or InstanceStates.Stopped when stop:
                return false;
            default:
                instance.State = InstanceStates.ShuttingDown;
                instance.DesiredPower = DesiredPowers.Absent;
                break;
        }

        instance.StateReason = InterruptedReason;
        return true;
    }

    private async Task<int> ApplyAsync(string instanceId, Func<Instance, bool> change, CancellationToken cancellationToken)
    {
        var hostId = await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var instance = await db.Instances.SingleAsync(i => i.Id == instanceId, cancellationToken);
            if (instance.State is InstanceStates.Terminated or InstanceStates.ShuttingDown || !change(instance))
            {
                return null;
            }

            var host = await db.Hosts.SingleAsync(h => h.Id == instance.HostId, cancellationToken);
            host.DesiredVersion++;
            instance.ChangedAtVersion = host.DesiredVersion;
            await db.SaveChangesAsync(cancellationToken);
            return host.Id;
        });
        if (hostId is null)
        {
            return 0;
        }

        signals.Changed(hostId);
        return 1;
    }

    /// <summary>Releases the server's waiting launches once no interrupted spot instance there is still running or stopping.</summary>
    private async Task<int> ReleaseAsync(string hostId, CancellationToken cancellationToken)
    {
        var released = await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var holding = await db.Instances.AnyAsync(i => i.HostId == hostId && i.SpotActionTime != null
                && i.State != InstanceStates.Terminated && i.State != InstanceStates.Stopped, cancellationToken);
            if (holding)
            {
                return 0;
            }

            var waiting = await db.Instances.Where(i => i.HostId == hostId && i.AwaitingCapacity).ToListAsync(cancellationToken);
            if (waiting.Count == 0)
            {
                return 0;
            }

            var host = await db.Hosts.SingleAsync(h => h.Id == hostId, cancellationToken);
            host.DesiredVersion++;
            foreach (var instance in waiting)
            {
                instance.AwaitingCapacity = false;
                instance.ChangedAtVersion = host.DesiredVersion;
            }

            await db.SaveChangesAsync(cancellationToken);
            return waiting.Count;
        });
        if (released > 0)
        {
            signals.Changed(hostId);
        }

        return released;
    }
}

/// <summary>Each zone's capacity and what instances hold of it, under the scheduler's overcommit ratios (the spot price's input).</summary>
internal sealed class DescribeZoneCapacityHandler(ComputeDbContext db, HostLiveness liveness, IOptions<SchedulerOptions> scheduler)
    : IRequestHandler<DescribeZoneCapacity, IReadOnlyList<ZoneCapacity>>
{
    public async ValueTask<IReadOnlyList<ZoneCapacity>> Handle(DescribeZoneCapacity request, CancellationToken cancellationToken)
    {
        var reachableSince = liveness.ReachableSince;
        var hosts = await db.Hosts.AsNoTracking().Where(h => !h.Disabled && h.LastHeartbeatAt >= reachableSince).ToListAsync(cancellationToken);
        var allocations = await HostAllocations.LoadAsync(db, cancellationToken);
        var options = scheduler.Value;
        return [.. hosts.GroupBy(h => h.AvailabilityZone, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new ZoneCapacity(
            g.Key,
            g.Sum(h => (long)Math.Floor(h.Cpus * options.CpuOvercommitRatio)),
            g.Sum(h => (long)allocations.GetValueOrDefault(h.Id).VirtualCpus),
            g.Sum(h => (long)Math.Floor((h.MemoryMiB - options.ReservedHostMemoryMiB) * options.MemoryOvercommitRatio)),
            g.Sum(h => allocations.GetValueOrDefault(h.Id).MemoryMiB)))];
    }
}
