using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Hosts;

/// <summary>
/// Places a network service (a NAT gateway) on a server of the zone that answers, is enabled and has a tunnel address:
/// the one with the fewest instances, ties to the lower id, so services spread like instances do.
/// </summary>
internal sealed class ChooseServiceHostHandler(ComputeDbContext db, HostLiveness liveness) : IRequestHandler<ChooseServiceHost, ServiceHost?>
{
    public async ValueTask<ServiceHost?> Handle(ChooseServiceHost request, CancellationToken cancellationToken)
    {
        var reachableSince = liveness.ReachableSince;
        var except = request.ExceptHostId;
        var candidates = await db.Hosts.AsNoTracking()
            .Where(h => h.AvailabilityZone == request.AvailabilityZone && !h.Disabled && h.TunnelAddress != null && h.LastHeartbeatAt >= reachableSince)
            .Where(h => except == null || h.Id != except)
            .Select(h => new { h.Id, h.TunnelAddress, Load = db.Instances.Count(i => i.HostId == h.Id && i.State != InstanceStates.Terminated) })
            .ToListAsync(cancellationToken);
        var best = candidates.OrderBy(c => c.Load).ThenBy(c => c.Id, StringComparer.Ordinal).FirstOrDefault();
        return best is null ? null : new ServiceHost(best.Id, best.TunnelAddress!);
    }
}

/// <summary>The servers among those asked that missed their heartbeats (<see cref="HostLiveness"/>) or are not enrolled at all.</summary>
internal sealed class DescribeLostHostsHandler(ComputeDbContext db, HostLiveness liveness) : IRequestHandler<DescribeLostHosts, IReadOnlyList<string>>
{
    public async ValueTask<IReadOnlyList<string>> Handle(DescribeLostHosts request, CancellationToken cancellationToken)
    {
        var ids = request.HostIds.Distinct(StringComparer.Ordinal).ToList();
        var reachableSince = liveness.ReachableSince;
        var answering = await db.Hosts.AsNoTracking().Where(h => ids.Contains(h.Id) && h.LastHeartbeatAt >= reachableSince).Select(h => h.Id).ToListAsync(cancellationToken);
        return [.. ids.Except(answering, StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }
}
