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
