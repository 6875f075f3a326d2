using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Network.Contracts;

namespace Platform.Modules.Compute.Hosts;

/// <summary>
/// The network part of a host's desired state: each VPC it holds (for its instances, or for a NAT gateway it carries) with
/// the VPC's block, subnets and routes, the VPC's interfaces and NAT gateways on other servers and those servers' tunnel
/// addresses; the NAT gateways it carries; the provider network. Network resolves the routes; Compute knows where things run.
/// </summary>
internal static class HostNetworkEdges
{
    public sealed record Composed(IReadOnlyList<VpcNetwork> Networks, IReadOnlyList<DesiredNatGateway> NatGateways, DesiredPublicNetwork? PublicNetwork);

    /// <param name="instanceVpcs">The VPCs of this host's instances, with their isolation ids.</param>
    public static async Task<Composed> ComposeAsync(ComputeDbContext db, ISender sender, HostRecord host,
        IReadOnlyList<(string VpcId, int IsolationId)> instanceVpcs, CancellationToken cancellationToken, IReadOnlyList<LoadBalancerNodePlacement>? remoteNodes = null)
    {
        remoteNodes ??= [];
        var edge = await sender.Send(new DescribeHostNetworkEdge(host.Id, instanceVpcs.Select(v => v.VpcId).ToList()), cancellationToken);
        var routing = edge.Vpcs.ToDictionary(v => v.VpcId, StringComparer.Ordinal);
        var vpcs = instanceVpcs.Concat(edge.Vpcs.Select(v => (v.VpcId, v.IsolationId))).DistinctBy(v => v.Item1).OrderBy(v => v.Item1, StringComparer.Ordinal).ToList();
        var vpcIds = vpcs.Select(v => v.Item1).ToList();

        // Tunnel addresses as the servers last reported them (a NAT gateway's record may hold an older one).
        var natHostIds = edge.Vpcs.SelectMany(v => v.NatGateways).Select(n => n.HostId).Concat(remoteNodes.Select(n => n.HostId)).Distinct().ToList();
        var tunnels = await db.Hosts.AsNoTracking().Where(h => natHostIds.Contains(h.Id) && h.TunnelAddress != null)
            .ToDictionaryAsync(h => h.Id, h => h.TunnelAddress!, cancellationToken);
        var remote = vpcIds.Count == 0 ? [] : await (
            from i in db.Instances.AsNoTracking()
            join h in db.Hosts.AsNoTracking() on i.HostId equals h.Id
            where i.VpcId != null && vpcIds.Contains(i.VpcId) && i.HostId != host.Id && i.DesiredPower != DesiredPowers.Absent && h.TunnelAddress != null
            select new { VpcId = i.VpcId!, Address = h.TunnelAddress!, i.MacAddress, i.PrivateIpAddress }).ToListAsync(cancellationToken);

        var networks = vpcs.Select(v =>
        {
            var others = remote.Where(r => r.VpcId == v.Item1 && r.MacAddress is not null && r.PrivateIpAddress is not null)
                .Select(r => new RemoteInterface(r.MacAddress!, r.PrivateIpAddress!, r.Address)).ToList();
            var tunnelAddresses = remote.Where(r => r.VpcId == v.Item1).Select(r => r.Address).ToList();
            routing.TryGetValue(v.Item1, out var vpc);
            foreach (var nat in vpc?.NatGateways ?? [])
            {
                if (nat.HostId != host.Id)
                {
                    var tunnel = tunnels.GetValueOrDefault(nat.HostId, nat.HostTunnelAddress);
                    others.Add(new RemoteInterface(nat.MacAddress, nat.PrivateIpAddress, tunnel));
                    tunnelAddresses.Add(tunnel);
                }
            }

            foreach (var node in remoteNodes.Where(n => n.VpcId == v.Item1 && n.HostId != host.Id))
            {
                if (tunnels.TryGetValue(node.HostId, out var tunnel))
                {
                    others.Add(new RemoteInterface(node.MacAddress, node.PrivateIpAddress, tunnel));
                    tunnelAddresses.Add(tunnel);
                }
            }

            return new VpcNetwork(v.Item1, v.Item2,
                tunnelAddresses.Distinct().Order(StringComparer.Ordinal).ToList(),
                others.DistinctBy(r => (r.MacAddress, r.PrivateIpAddress, r.HostTunnelAddress)).OrderBy(r => r.MacAddress, StringComparer.Ordinal).ThenBy(r => r.PrivateIpAddress, StringComparer.Ordinal).ToList(),
                vpc?.Subnets.Select(s => new DesiredSubnet(s.SubnetId, s.CidrBlock, s.Gateway, s.Routes.Select(Route).ToList())).ToList(),
                vpc?.CidrBlock);
        }).ToList();

        var nats = edge.NatGatewaysHere.Select(n => new DesiredNatGateway(n.NatGatewayId, n.VpcId, n.VpcIsolationId, n.SubnetCidrBlock, n.Gateway,
            n.PrivateIpAddress, n.MacAddress, n.PublicIpAddress)).ToList();
        var publicNetwork = edge.PublicNetwork is { } pool ? new DesiredPublicNetwork(pool.Cidr, pool.GatewayIp) : null;
        return new Composed(networks, nats, publicNetwork);
    }

    private static DesiredRoute Route(RoutingEntry route) => new(route.DestinationCidrBlock, route.Target switch
    {
        RoutingTarget.InternetGateway => RouteTarget.InternetGateway,
        RoutingTarget.NatGateway => RouteTarget.NatGateway,
        RoutingTarget.NetworkInterface => RouteTarget.NetworkInterface,
        _ => RouteTarget.Blackhole,
    }, route.TargetId, route.NextHopIp, route.NextHopMac);
}
