using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Network.Contracts;

namespace Platform.Modules.Compute.Hosts;

/// <summary>
/// Raises the desired-state version of every server with instances in the given VPCs or carrying their NAT gateways (and of
/// the servers named besides), and wakes their agents.
/// </summary>
internal static class HostVersions
{
    public static async Task BumpHostsOfVpcsAsync(ComputeDbContext db, DesiredStateSignals signals, ISender sender, IReadOnlyList<string> vpcIds,
        CancellationToken cancellationToken, IReadOnlyList<string>? alsoHostIds = null)
    {
        var hostIds = vpcIds.Count == 0 ? [] : await db.Instances.AsNoTracking()
            .Where(i => i.VpcId != null && vpcIds.Contains(i.VpcId) && i.State != InstanceStates.Terminated)
            .Select(i => i.HostId).Distinct().ToListAsync(cancellationToken);
        var serviceHosts = vpcIds.Count == 0 ? [] : await sender.Send(new DescribeVpcServiceHosts(vpcIds), cancellationToken);
        var known = hostIds.Concat(serviceHosts).Concat(alsoHostIds ?? []).Distinct(StringComparer.Ordinal).ToList();
        foreach (var hostId in await db.Hosts.AsNoTracking().Where(h => known.Contains(h.Id)).Select(h => h.Id).ToListAsync(cancellationToken))
        {
            await ConcurrencyRetry.RunAsync(db, async () =>
            {
                var host = await db.Hosts.SingleAsync(h => h.Id == hostId, cancellationToken);
                host.DesiredVersion++;
                await db.SaveChangesAsync(cancellationToken);
                return host.DesiredVersion;
            });
            signals.Changed(hostId);
        }
    }
}

/// <summary>
/// Security groups changed (rules, or an interface joining or leaving a group, which changes how other
/// groups' rules expand): every server with instances in that VPC gets a new desired state with the new firewall.
/// </summary>
internal sealed class PushFirewallOnRulesChange(ComputeDbContext db, DesiredStateSignals signals, ISender sender) : INotificationHandler<SecurityGroupRulesChanged>
{
    public async ValueTask Handle(SecurityGroupRulesChanged notification, CancellationToken cancellationToken) =>
        await HostVersions.BumpHostsOfVpcsAsync(db, signals, sender, [notification.VpcId], cancellationToken);
}

/// <summary>
/// A route, route table association, internet gateway attachment, elastic IP mapping or NAT gateway changed: every server
/// holding those VPCs (their instances' and NAT gateways' servers) and any server named (one that no longer carries a deleted
/// NAT gateway) gets a new desired state.
/// </summary>
internal sealed class PushEdgeOnNetworkEdgeChange(ComputeDbContext db, DesiredStateSignals signals, ISender sender) : INotificationHandler<NetworkEdgeChanged>
{
    public async ValueTask Handle(NetworkEdgeChanged notification, CancellationToken cancellationToken) =>
        await HostVersions.BumpHostsOfVpcsAsync(db, signals, sender, notification.VpcIds, cancellationToken, notification.HostIds);
}
