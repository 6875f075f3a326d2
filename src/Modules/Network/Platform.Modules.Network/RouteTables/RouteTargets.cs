using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.RouteTables;

/// <summary>
/// Whether each route's target still stands (AWS's <c>active</c> / <c>blackhole</c>): an internet gateway attached to the
/// table's VPC, a NAT gateway available or pending, an interface that exists. Read once for many tables.
/// </summary>
internal sealed class RouteTargets
{
    private RouteTargets(HashSet<(string GatewayId, string VpcId)> attached, Dictionary<string, NatGateway> nats, Dictionary<string, NetworkInterface> interfaces)
    {
        Attached = attached;
        Nats = nats;
        Interfaces = interfaces;
    }

    public HashSet<(string GatewayId, string VpcId)> Attached { get; }

    /// <summary>NAT gateways that can carry traffic (pending or available).</summary>
    public Dictionary<string, NatGateway> Nats { get; }

    public Dictionary<string, NetworkInterface> Interfaces { get; }

    public static async Task<RouteTargets> LoadAsync(NetworkDbContext db, IReadOnlyCollection<Route> routes, CancellationToken cancellationToken)
    {
        var gatewayIds = routes.Select(r => r.GatewayId).OfType<string>().Distinct().ToList();
        var natIds = routes.Select(r => r.NatGatewayId).OfType<string>().Distinct().ToList();
        var interfaceIds = routes.Select(r => r.NetworkInterfaceId).OfType<string>().Distinct().ToList();
        var attached = gatewayIds.Count == 0 ? [] : (await db.InternetGateways.AsNoTracking()
                .Where(g => gatewayIds.Contains(g.Id) && g.AttachedVpcId != null).Select(g => new { g.Id, g.AttachedVpcId }).ToListAsync(cancellationToken))
            .Select(g => (g.Id, g.AttachedVpcId!)).ToHashSet();
        var nats = natIds.Count == 0 ? [] : await db.NatGateways.AsNoTracking()
            .Where(n => natIds.Contains(n.Id) && (n.State == NatGatewayStates.Available || n.State == NatGatewayStates.Pending))
            .ToDictionaryAsync(n => n.Id, cancellationToken);
        var natInterfaceIds = nats.Values.Select(n => n.NetworkInterfaceId).OfType<string>().ToList();
        var interfaces = interfaceIds.Count + natInterfaceIds.Count == 0 ? [] : await db.NetworkInterfaces.AsNoTracking()
            .Where(n => interfaceIds.Contains(n.Id) || natInterfaceIds.Contains(n.Id))
            .ToDictionaryAsync(n => n.Id, cancellationToken);
        return new RouteTargets(attached, nats, interfaces);
    }

    public bool IsActive(Route route, string vpcId) =>
        route.GatewayId is { } gateway ? Attached.Contains((gateway, vpcId))
        : route.NatGatewayId is { } nat ? Nats.ContainsKey(nat)
        : route.NetworkInterfaceId is { } eni && Interfaces.ContainsKey(eni);

    public RouteResponse Describe(Route route, string vpcId) => new(
        route.DestinationCidrBlock,
        route.GatewayId,
        route.NatGatewayId,
        route.NetworkInterfaceId,
        route.NetworkInterfaceId is { } eni ? Interfaces.GetValueOrDefault(eni)?.InstanceId : null,
        IsActive(route, vpcId) ? "active" : "blackhole",
        "CreateRoute");
}
