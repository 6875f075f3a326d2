using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.ElasticIps;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.RouteTables;

/// <summary>
/// Resolves what the servers' data plane needs of the VPC edge: every subnet with the routes of its table (its own association
/// or the main table), each route's target resolved to what a switch acts on (a NAT gateway's or interface's address and MAC,
/// or blackhole when the target is gone), the placed NAT gateways, and the operator's public network.
/// </summary>
internal sealed class DescribeHostNetworkEdgeHandler(NetworkDbContext db, IOptions<NetworkOptions> options) : IRequestHandler<DescribeHostNetworkEdge, HostNetworkEdge>
{
    public async ValueTask<HostNetworkEdge> Handle(DescribeHostNetworkEdge request, CancellationToken cancellationToken)
    {
        var pool = PublicAddressPool.From(options);
        var here = await PlacedAsync(db.NatGateways.AsNoTracking().Where(n => n.HostId == request.HostId), cancellationToken);
        var vpcIds = request.VpcIds.Concat(here.Select(n => n.VpcId)).Distinct(StringComparer.Ordinal).ToList();
        var vpcs = await db.Vpcs.AsNoTracking().Where(v => vpcIds.Contains(v.Id)).OrderBy(v => v.Id).ToListAsync(cancellationToken);
        var subnets = await db.Subnets.AsNoTracking().Where(s => vpcIds.Contains(s.VpcId)).OrderBy(s => s.CidrBlock).ToListAsync(cancellationToken);
        var associations = await db.RouteTableAssociations.AsNoTracking().Where(a => vpcIds.Contains(a.VpcId)).ToListAsync(cancellationToken);
        var tableIds = associations.Select(a => a.RouteTableId).Distinct().ToList();
        var routes = await db.Routes.AsNoTracking().Where(r => tableIds.Contains(r.RouteTableId)).ToListAsync(cancellationToken);
        var targets = await RouteTargets.LoadAsync(db, routes, cancellationToken);
        var nats = await PlacedAsync(db.NatGateways.AsNoTracking().Where(n => vpcIds.Contains(n.VpcId)), cancellationToken);
        var natById = nats.ToDictionary(n => n.NatGatewayId, StringComparer.Ordinal);

        var result = vpcs.Select(vpc =>
        {
            var main = associations.FirstOrDefault(a => a.MainVpcId == vpc.Id)?.RouteTableId;
            var vpcSubnets = subnets.Where(s => s.VpcId == vpc.Id).Select(subnet =>
            {
                var tableId = associations.FirstOrDefault(a => a.SubnetId == subnet.Id)?.RouteTableId ?? main;
                _ = Ipv4Cidr.TryParse(subnet.CidrBlock, out var cidr);
                var entries = routes.Where(r => r.RouteTableId == tableId).OrderBy(r => r.DestinationCidrBlock, StringComparer.Ordinal)
                    .Select(r => Entry(r, vpc.Id, targets, natById)).ToList();
                return new SubnetRouting(subnet.Id, subnet.CidrBlock, Ipv4.Format(SubnetAddresses.Gateway(cidr)), entries);
            }).ToList();
            return new VpcRouting(vpc.Id, vpc.IsolationId, vpc.CidrBlock, vpcSubnets, nats.Where(n => n.VpcId == vpc.Id).ToList());
        }).ToList();
        return new HostNetworkEdge(pool is null ? null : new PublicNetworkInfo(pool.Network.ToString(), Ipv4.Format(pool.Gateway)), result, here);
    }

    private static RoutingEntry Entry(Route route, string vpcId, RouteTargets targets, Dictionary<string, NatGatewayPlacement> nats)
    {
        if (!targets.IsActive(route, vpcId))
        {
            return new RoutingEntry(route.DestinationCidrBlock, RoutingTarget.Blackhole, route.GatewayId ?? route.NatGatewayId ?? route.NetworkInterfaceId, null, null);
        }

        if (route.GatewayId is { } gateway)
        {
            return new RoutingEntry(route.DestinationCidrBlock, RoutingTarget.InternetGateway, gateway, null, null);
        }

        if (route.NatGatewayId is { } natId)
        {
            // A NAT gateway not placed on any server yet carries nothing: its traffic is dropped until it is.
            return nats.TryGetValue(natId, out var nat)
                ? new RoutingEntry(route.DestinationCidrBlock, RoutingTarget.NatGateway, natId, nat.PrivateIpAddress, nat.MacAddress)
                : new RoutingEntry(route.DestinationCidrBlock, RoutingTarget.Blackhole, natId, null, null);
        }

        var eni = targets.Interfaces[route.NetworkInterfaceId!];
        return new RoutingEntry(route.DestinationCidrBlock, RoutingTarget.NetworkInterface, eni.Id, eni.PrivateIpAddress, eni.MacAddress);
    }

    /// <summary>Available NAT gateways with their interface, subnet and elastic IP, as a server carries them.</summary>
    private async Task<List<NatGatewayPlacement>> PlacedAsync(IQueryable<NatGateway> query, CancellationToken cancellationToken)
    {
        var rows = await (from nat in query
                          where nat.State == NatGatewayStates.Available && nat.HostId != null && nat.HostTunnelAddress != null
                          join eni in db.NetworkInterfaces.AsNoTracking() on nat.NetworkInterfaceId equals eni.Id
                          join subnet in db.Subnets.AsNoTracking() on nat.SubnetId equals subnet.Id
                          join vpc in db.Vpcs.AsNoTracking() on nat.VpcId equals vpc.Id
                          join address in db.ElasticAddresses.AsNoTracking() on nat.AllocationId equals address.AllocationId
                          orderby nat.Id
                          select new { nat.Id, nat.VpcId, vpc.IsolationId, nat.SubnetId, subnet.CidrBlock, eni.PrivateIpAddress, eni.MacAddress, address.PublicIp, nat.HostId, nat.HostTunnelAddress })
            .ToListAsync(cancellationToken);
        return rows.Select(r =>
        {
            _ = Ipv4Cidr.TryParse(r.CidrBlock, out var cidr);
            return new NatGatewayPlacement(r.Id, r.VpcId, r.IsolationId, r.SubnetId, r.CidrBlock, Ipv4.Format(SubnetAddresses.Gateway(cidr)), r.PrivateIpAddress,
                r.MacAddress, r.PublicIp, r.HostId!, r.HostTunnelAddress!);
        }).ToList();
    }
}

internal sealed class DescribeVpcServiceHostsHandler(NetworkDbContext db) : IRequestHandler<DescribeVpcServiceHosts, IReadOnlyList<string>>
{
    public async ValueTask<IReadOnlyList<string>> Handle(DescribeVpcServiceHosts request, CancellationToken cancellationToken)
    {
        if (request.VpcIds.Count == 0)
        {
            return [];
        }

        var nats = await db.NatGateways.AsNoTracking()
            .Where(n => request.VpcIds.Contains(n.VpcId) && n.State == NatGatewayStates.Available && n.HostId != null)
            .Select(n => n.HostId!).ToListAsync(cancellationToken);
        // Load balancer nodes hold their VPC too (their targets are reached through its tunnels).
        var nodes = await db.LoadBalancers.AsNoTracking().Where(l => request.VpcIds.Contains(l.VpcId)).Select(l => l.NodesJson).ToListAsync(cancellationToken);
        return nats.Concat(nodes.SelectMany(LoadBalancing.ElbJson.Read<List<LoadBalancerNode>>).SelectMany(n => n.HostIds()))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }
}

internal sealed class DescribeInstancePublicAddressesHandler(NetworkDbContext db) : IRequestHandler<DescribeInstancePublicAddresses, IReadOnlyDictionary<string, string>>
{
    public async ValueTask<IReadOnlyDictionary<string, string>> Handle(DescribeInstancePublicAddresses request, CancellationToken cancellationToken)
    {
        if (request.InstanceIds.Count == 0)
        {
            return new Dictionary<string, string>();
        }

        var rows = await (from eni in db.NetworkInterfaces.AsNoTracking()
                          join address in db.ElasticAddresses.AsNoTracking() on eni.Id equals address.NetworkInterfaceId
                          where eni.InstanceId != null && request.InstanceIds.Contains(eni.InstanceId)
                          orderby eni.CreatedAt
                          select new { InstanceId = eni.InstanceId!, address.PublicIp }).ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.InstanceId).ToDictionary(g => g.Key, g => g.First().PublicIp, StringComparer.Ordinal);
    }
}
