namespace Platform.HostAgent.OpenVSwitch.Flows;

public enum RuleProtocol
{
    /// <summary>Any IPv4 protocol (AWS's "-1"); ports are ignored.</summary>
    All,
    Tcp,
    Udp,

    /// <summary>ICMP: <see cref="SecurityRule.FromPort"/> is the type and <see cref="SecurityRule.ToPort"/> the code, -1 for any (as in AWS).</summary>
    Icmp,

    /// <summary>VRRP (IP protocol 112): what a load balancer node's keepalived says to its peer; ports are ignored.</summary>
    Vrrp,
}

/// <summary>
/// One security-group rule as it applies to a port: what may leave it (egress, CIDRs are
/// destinations) or reach it (ingress, CIDRs are sources). Rules naming another group arrive here
/// already resolved to that group's members' addresses (/32s); the API does that.
/// </summary>
public sealed record SecurityRule(RuleProtocol Protocol, int FromPort, int ToPort, IReadOnlyList<string> Cidrs)
{
    public static SecurityRule AllTraffic(params string[] cidrs) => new(RuleProtocol.All, -1, -1, cidrs);

    public static SecurityRule Tcp(int fromPort, int toPort, params string[] cidrs) => new(RuleProtocol.Tcp, fromPort, toPort, cidrs);

    public static SecurityRule Udp(int fromPort, int toPort, params string[] cidrs) => new(RuleProtocol.Udp, fromPort, toPort, cidrs);

    /// <summary>Any ICMP message (type and code -1).</summary>
    public static SecurityRule AnyIcmp(params string[] cidrs) => new(RuleProtocol.Icmp, -1, -1, cidrs);

    public static SecurityRule Vrrp(params string[] cidrs) => new(RuleProtocol.Vrrp, -1, -1, cidrs);
}

/// <summary>
/// A guest network interface on this server's integration bridge: where it is (OpenFlow port), who
/// it is (its only allowed source MAC and IPv4 address), which VPC it belongs to and its rules.
/// </summary>
public sealed record PortSecurity
{
    /// <summary>The network interface id (external_ids:iface-id of the OVS interface).</summary>
    public required string InterfaceId { get; init; }

    /// <summary>The OpenFlow port; 0 until resolved from <see cref="InterfaceId"/> (<see cref="IntegrationBridge"/> does that).</summary>
    public int OfPort { get; init; }

    public required string Mac { get; init; }

    public required string Ip { get; init; }

    public required string VpcId { get; init; }

    public IReadOnlyList<SecurityRule> Ingress { get; init; } = [];

    public IReadOnlyList<SecurityRule> Egress { get; init; } = [];

    /// <summary>The elastic IP mapped 1:1 to <see cref="Ip"/> on this server's uplink (see <see cref="EdgeFlows"/>), or none.</summary>
    public string? PublicIp { get; init; }

    /// <summary>
    /// Further addresses the port may send from and is routed to: an internal load balancer pair's virtual address, which the
    /// node holds while it is keepalived's MASTER (the other node of the pair, a remote port with the same address, gets routed
    /// copies too and drops them while it does not hold it).
    /// </summary>
    public IReadOnlyList<string> VirtualIps { get; init; } = [];
}

/// <summary>
/// A guest interface of the VPC on another server, reached through that server's tunnel endpoint.
/// With its <paramref name="Ip"/>, guests in other subnets reach it through the VPC's router too.
/// </summary>
public sealed record RemotePort(string Mac, string HostTunnelIp, string? Ip = null);

/// <summary>A subnet of the VPC and its gateway address (AWS: the subnet's first address after the network, .1).</summary>
public sealed record SubnetGateway(string Cidr, string GatewayIp)
{
    /// <summary>The routes of the subnet's route table, but the implicit local one (see <see cref="EdgeFlows"/>).</summary>
    public IReadOnlyList<SubnetRoute> Routes { get; init; } = [];
}

/// <summary>
/// A VPC as present on this server. <see cref="LocalVlan"/> is its isolation id on this server
/// (port tag, connection-tracking zone, pipeline register); <see cref="Vni"/> is its id on the wire
/// between servers and must be the same on every server.
/// </summary>
public sealed record VpcIsolation
{
    public required string VpcId { get; init; }

    /// <summary>
    /// 1..4094, unique among the VPCs on this server; 0 lets <see cref="IntegrationBridge"/> assign one, which it keeps
    /// for the VPC in the bridge's external_ids (<see cref="LocalVlans"/>) so it survives restarts.
    /// </summary>
    public int LocalVlan { get; init; }

    /// <summary>The VXLAN/Geneve network identifier, 1..16777215, unique in the cloud.</summary>
    public required int Vni { get; init; }

    /// <summary>The tunnel IPs of the other servers hosting this VPC.</summary>
    public IReadOnlyList<string> RemoteHosts { get; init; } = [];

    /// <summary>
    /// The VPC's guests on other servers: unicast to their MACs goes through their server's tunnel, and the VPC router
    /// routes to their addresses. Unicast to a MAC not listed is sent to every remote host of the VPC; a routed packet
    /// for an address not listed (nor local) is dropped.
    /// </summary>
    public IReadOnlyList<RemotePort> RemotePorts { get; init; } = [];

    /// <summary>
    /// The VPC's subnets. Their gateways are answered (ARP) and routed by every server's flows, as
    /// AWS's implicit VPC router: a packet to the router's MAC is delivered to the guest that holds its
    /// destination address, on this server or through the tunnel to another.
    /// </summary>
    public IReadOnlyList<SubnetGateway> Subnets { get; init; } = [];

    /// <summary>The VPC's CIDR (its local route, which always wins); null: the subnets' routes are not applied at all.</summary>
    public string? CidrBlock { get; init; }

    /// <summary>The router's MAC, the same on every server (derived from the VNI): 02:ee:VV:VV:VV:01.</summary>
    public string RouterMac => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"02:ee:{(Vni >> 16) & 0xff:x2}:{(Vni >> 8) & 0xff:x2}:{Vni & 0xff:x2}:01");
}

/// <summary>What this server's integration bridge should do: the input of <see cref="FlowTable.Build"/>.</summary>
public sealed record NetworkDesiredState
{
    public required string Bridge { get; init; }

    /// <summary>This server's tunnel endpoint address (informational for the flows; the route to peers decides the source).</summary>
    public string? LocalTunnelIp { get; init; }

    public TunnelKind TunnelKind { get; init; } = TunnelKind.Vxlan;

    public IReadOnlyList<VpcIsolation> Vpcs { get; init; } = [];

    public IReadOnlyList<PortSecurity> Ports { get; init; } = [];

    /// <summary>The provider network's port on this bridge (null: no public networking on this server).</summary>
    public UplinkState? Uplink { get; init; }

    /// <summary>The NAT gateways this server carries.</summary>
    public IReadOnlyList<NatGatewayState> NatGateways { get; init; } = [];

    /// <summary>The OpenFlow port of the tunnel to each remote tunnel IP; filled by <see cref="IntegrationBridge"/>.</summary>
    public IReadOnlyDictionary<string, int> TunnelPorts { get; init; } = new Dictionary<string, int>();

    /// <summary>The instance metadata service's port and the guests it answers (null: none on this bridge); see <see cref="MetadataFlows"/>.</summary>
    public MetadataService? Metadata { get; init; }
}
