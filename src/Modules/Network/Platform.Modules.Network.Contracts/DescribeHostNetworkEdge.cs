using Mediator;

namespace Platform.Modules.Network.Contracts;

/// <summary>
/// What a server needs to know about the edge of its VPCs: for each of <see cref="VpcIds"/> (the VPCs of its instances) and
/// each VPC of a NAT gateway it carries, the VPC's block, its subnets with the routes of their route tables, and its NAT
/// gateways wherever they run; the NAT gateways on <see cref="HostId"/>; the operator's public network. For the platform's
/// own use (composing a host's desired state): not scoped to a caller.
/// </summary>
public sealed record DescribeHostNetworkEdge(string HostId, IReadOnlyList<string> VpcIds) : IRequest<HostNetworkEdge>;

/// <param name="PublicNetwork">Null when the operator configured no public address pool.</param>
public sealed record HostNetworkEdge(PublicNetworkInfo? PublicNetwork, IReadOnlyList<VpcRouting> Vpcs, IReadOnlyList<NatGatewayPlacement> NatGatewaysHere);

/// <param name="Cidr">The provider network the elastic IPs come from.</param>
/// <param name="GatewayIp">Its router: the uplink's next hop.</param>
public sealed record PublicNetworkInfo(string Cidr, string GatewayIp);

/// <param name="NatGateways">The VPC's placed NAT gateways (pending ones not yet placed are left out), on any server.</param>
public sealed record VpcRouting(string VpcId, int IsolationId, string CidrBlock, IReadOnlyList<SubnetRouting> Subnets, IReadOnlyList<NatGatewayPlacement> NatGateways);

/// <param name="Routes">The routes of the subnet's table (its own or the VPC's main table), the local route left out.</param>
public sealed record SubnetRouting(string SubnetId, string CidrBlock, string Gateway, IReadOnlyList<RoutingEntry> Routes);

public enum RoutingTarget
{
    InternetGateway,
    NatGateway,
    NetworkInterface,

    /// <summary>The route's target is gone (AWS's state <c>blackhole</c>): traffic it covers is dropped.</summary>
    Blackhole,
}

/// <param name="NextHopIp">For a NAT gateway or an interface: its private IP; null otherwise.</param>
/// <param name="NextHopMac">For a NAT gateway or an interface: its MAC; null otherwise.</param>
public sealed record RoutingEntry(string DestinationCidrBlock, RoutingTarget Target, string? TargetId, string? NextHopIp, string? NextHopMac);

/// <summary>A NAT gateway where it runs: its interface in its subnet, its elastic IP and its server.</summary>
public sealed record NatGatewayPlacement(
    string NatGatewayId,
    string VpcId,
    int VpcIsolationId,
    string SubnetId,
    string SubnetCidrBlock,
    string Gateway,
    string PrivateIpAddress,
    string MacAddress,
    string PublicIpAddress,
    string HostId,
    string HostTunnelAddress);

/// <summary>The servers carrying the NAT gateways and load balancer nodes of the given VPCs: they hold those VPCs too, so they change with them.</summary>
public sealed record DescribeVpcServiceHosts(IReadOnlyList<string> VpcIds) : IRequest<IReadOnlyList<string>>;

/// <summary>The elastic IPs of the given instances' interfaces (instances without one are left out). For Compute's describe calls.</summary>
public sealed record DescribeInstancePublicAddresses(IReadOnlyList<string> InstanceIds) : IRequest<IReadOnlyDictionary<string, string>>;
