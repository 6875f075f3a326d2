using Platform.HostAgent.OpenVSwitch.Flows;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Agent;

/// <summary>The wire's subnets and routes (issue 11) as the switch model's.</summary>
internal static class EdgeState
{
    /// <summary>
    /// Every subnet of the VPC with its routes when the API sends them (a route decides per source subnet, and the router
    /// answers every subnet's gateway); the subnets of this server's guests only, without routes, from an older API.
    /// </summary>
    public static IReadOnlyList<SubnetGateway> Subnets(VpcNetwork network, IReadOnlyList<SubnetGateway> local)
    {
        if (network.Subnets is not { } wire)
        {
            return local;
        }

        var subnets = wire.Select(s => new SubnetGateway(s.Cidr, s.Gateway) { Routes = [.. s.Routes.Select(Route)] }).ToList();
        subnets.AddRange(local.Where(l => subnets.All(s => s.Cidr != l.Cidr)));
        return subnets;
    }

    private static SubnetRoute Route(DesiredRoute route) => new(route.DestinationCidr, route.Target switch
    {
        RouteTarget.InternetGateway => RouteKind.InternetGateway,
        RouteTarget.NatGateway => RouteKind.NatGateway,
        RouteTarget.NetworkInterface => RouteKind.NetworkInterface,
        _ => RouteKind.Blackhole,
    }, route.NextHopIp, route.NextHopMac);
}
