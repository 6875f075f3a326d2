namespace Platform.HostAgent.OpenVSwitch.Flows;

/// <summary>Where a route of a subnet sends what matches it (the switch's view of the API's route targets).</summary>
public enum RouteKind
{
    /// <summary>Out through the uplink with the sender's elastic IP as source; dropped for a sender without one.</summary>
    InternetGateway,

    /// <summary>To a NAT gateway's interface (<see cref="SubnetRoute.NextHopMac"/>): carried here or behind a tunnel.</summary>
    NatGateway,

    /// <summary>To a guest interface of the VPC (<see cref="SubnetRoute.NextHopMac"/>), here or behind a tunnel.</summary>
    NetworkInterface,

    /// <summary>Dropped.</summary>
    Blackhole,
}

/// <summary>One route of a subnet's route table (the local route of the VPC's CIDR is implicit and always wins).</summary>
public sealed record SubnetRoute(string DestinationCidr, RouteKind Kind, string? NextHopIp = null, string? NextHopMac = null);

/// <summary>
/// The provider network's port on the integration bridge: a NIC, VLAN device or veth given by the operator
/// (<c>Agent:Uplink:Interface</c>). Elastic IPs and NAT gateways' addresses are answered and translated on it.
/// </summary>
public sealed record UplinkState
{
    /// <summary>The device's name; the agent adds it to the bridge as a plain port.</summary>
    public required string PortName { get; init; }

    /// <summary>Its OpenFlow port; 0 until resolved (<see cref="IntegrationBridge"/> does that).</summary>
    public int OfPort { get; init; }

    /// <summary>The provider network's router, where everything leaving through the uplink goes (null: nothing leaves).</summary>
    public string? GatewayIp { get; init; }

    /// <summary>The router's MAC: configured, or learnt from its ARP answers (<see cref="EdgeFlows.GatewayLearnTable"/>); null until known.</summary>
    public string? GatewayMac { get; init; }
}

/// <summary>
/// A NAT gateway this server carries: it has no port of its own, its flows are the gateway. Its private address answers
/// ARP in its VPC, what reaches its MAC is source-NATed to <see cref="PublicIp"/> with connection tracking, replies return
/// to the guest that opened the connection.
/// </summary>
public sealed record NatGatewayState(string NatGatewayId, string VpcId, string PrivateIp, string Mac, string PublicIp);
