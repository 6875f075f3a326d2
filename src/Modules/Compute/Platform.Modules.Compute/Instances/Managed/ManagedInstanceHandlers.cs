using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Instances.Managed;

internal static class ManagedInstances
{
    public static ManagedInstance From(Instance instance) => new(
        instance.Id, instance.ManagedResourceId!, instance.State, instance.AvailabilityZone, instance.PrivateIpAddress, instance.DataVolumeId, instance.HostId,
        InstanceType: instance.InstanceType);
}

/// <summary>
/// Ends a managed instance as EC2's terminate ends a tenant's: <c>shutting-down</c> until its server removed the domain,
/// then <c>terminated</c>, whose notification lets Storage delete its data volume and Network release its interface.
/// </summary>
internal sealed class TerminateManagedInstanceHandler(ComputeDbContext db, DesiredStateSignals signals) : IRequestHandler<TerminateManagedInstance, ManagedInstance?>
{
    public async ValueTask<ManagedInstance?> Handle(TerminateManagedInstance request, CancellationToken cancellationToken)
    {
        var (result, hostId) = await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var instance = await db.Instances.SingleOrDefaultAsync(i => i.ManagedBy == request.ManagedBy && i.ManagedResourceId == request.ResourceId, cancellationToken);
            if (instance is null || instance.State is InstanceStates.ShuttingDown or InstanceStates.Terminated)
            {
                return (instance is null ? null : ManagedInstances.From(instance), (string?)null);
            }

            instance.State = InstanceStates.ShuttingDown;
            instance.StateReason = $"Client.UserInitiatedShutdown: The {request.ManagedBy} resource {request.ResourceId} was deleted";
            instance.DesiredPower = DesiredPowers.Absent;
            var host = await db.Hosts.SingleAsync(h => h.Id == instance.HostId, cancellationToken);
            host.DesiredVersion++;
            instance.ChangedAtVersion = host.DesiredVersion;
            await db.SaveChangesAsync(cancellationToken);
            return (ManagedInstances.From(instance), host.Id);
        });
        if (hostId is not null)
        {
            signals.Changed(hostId);
        }

        return result;
    }
}

internal sealed class DescribeManagedInstancesHandler(ComputeDbContext db, HostLiveness liveness) : IRequestHandler<DescribeManagedInstances, IReadOnlyList<ManagedInstance>>
{
    public async ValueTask<IReadOnlyList<ManagedInstance>> Handle(DescribeManagedInstances request, CancellationToken cancellationToken)
    {
        var query = db.Instances.AsNoTracking().Where(i => i.ManagedBy == request.ManagedBy);
        if (request.ResourceIds is { } ids)
        {
            query = query.Where(i => ids.Contains(i.ManagedResourceId!));
        }

        var instances = await query.OrderBy(i => i.Id).ToListAsync(cancellationToken);
        var hostIds = instances.Select(i => i.HostId).Distinct().ToList();
        var hosts = await db.Hosts.AsNoTracking().Where(h => hostIds.Contains(h.Id)).ToDictionaryAsync(h => h.Id, cancellationToken);
        return instances.Select(i => ManagedInstances.From(i) with { HostReachable = hosts.TryGetValue(i.HostId, out var host) && liveness.IsReachable(host) }).ToList();
    }
}

/// <summary>What a managed guest must run is composed from its module at each desired-state request: a change there raises its server's version.</summary>
internal sealed class RaiseManagedInstanceDesiredStateHandler(ComputeDbContext db, ISender sender) : IRequestHandler<RaiseManagedInstanceDesiredState>
{
    public async ValueTask<Unit> Handle(RaiseManagedInstanceDesiredState request, CancellationToken cancellationToken)
    {
        var hostId = await db.Instances.AsNoTracking()
            .Where(i => i.ManagedBy == request.ManagedBy && i.ManagedResourceId == request.ResourceId && i.State != InstanceStates.Terminated)
            .Select(i => i.HostId).SingleOrDefaultAsync(cancellationToken);
        if (hostId is not null)
        {
            await sender.Send(new RaiseHostDesiredState(hostId), cancellationToken);
        }

        return Unit.Value;
    }
}

/// <summary>EC2's stop, start and reboot transitions (<see cref="StopInstanceHandler"/> and its siblings) for a managed instance.</summary>
internal sealed class ChangeManagedInstancePowerHandler(ComputeDbContext db, DesiredStateSignals signals) : IRequestHandler<ChangeManagedInstancePower, ManagedInstance?>
{
    public async ValueTask<ManagedInstance?> Handle(ChangeManagedInstancePower request, CancellationToken cancellationToken)
    {
        var (result, hostId) = await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var instance = await db.Instances.SingleOrDefaultAsync(i => i.ManagedBy == request.ManagedBy && i.ManagedResourceId == request.ResourceId, cancellationToken);
            if (instance is null || !Change(instance, request))
            {
                return (instance is null ? null : ManagedInstances.From(instance), (string?)null);
            }

            var host = await db.Hosts.SingleAsync(h => h.Id == instance.HostId, cancellationToken);
            host.DesiredVersion++;
            instance.ChangedAtVersion = host.DesiredVersion;
            await db.SaveChangesAsync(cancellationToken);
            return (ManagedInstances.From(instance), host.Id);
        });
        if (hostId is not null)
        {
            signals.Changed(hostId);
        }

        return result;
    }

    private static bool Change(Instance instance, ChangeManagedInstancePower request)
    {
        switch (request.Power, instance.State)
        {
            case (ManagedInstancePower.Stop, InstanceStates.Running or InstanceStates.Pending):
                instance.State = InstanceStates.Stopping;
                instance.StateReason = $"Client.UserInitiatedShutdown: The {request.ManagedBy} resource {request.ResourceId} was stopped";
                instance.DesiredPower = DesiredPowers.Stopped;
                return true;
            case (ManagedInstancePower.Start, InstanceStates.Stopped):
                instance.State = InstanceStates.Pending;
                instance.StateReason = null;
                instance.DesiredPower = DesiredPowers.Running;
                instance.StartCount++;
                return true;
            case (ManagedInstancePower.Reboot, InstanceStates.Running or InstanceStates.Pending):
                instance.RebootCount++;
                return true;
            default:
                return false;
        }
    }
}
