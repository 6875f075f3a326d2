using System.Net;
using System.Net.Sockets;
using Platform.HostAgent.Metadata;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.OpenVSwitch.Flows;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Agent;

/// <summary>
/// The switch side of a desired state: the integration bridge, a tunnel to each server sharing a VPC with
/// this one, and every guest NIC's stateful firewall as OpenFlow rules, replaced atomically each time.
/// </summary>
/// <param name="uplink">The provider network's port (elastic IPs, NAT gateways); null or no interface: no public networking here.</param>
/// <param name="metadata">The instance metadata service on this bridge (null: none), set up on every apply and told the guests it answers.</param>
/// <param name="database">The switch database the metadata service's port is made in.</param>
/// <param name="holdsPublicAddress">Whether a paired load balancer node here is its pair's keepalived MASTER (by node id), so this
/// server answers for the balancer's public address; null: no paired node holds it here.</param>
internal sealed class GuestNetwork(IntegrationBridge bridge, string bridgeName, string tunnelAddress, UplinkOptions? uplink = null,
    MetadataEndpoint? metadata = null, IOpenVSwitchDatabase? database = null, Func<string, bool>? holdsPublicAddress = null)
{
    public string TunnelAddress => tunnelAddress;

    public async Task<NetworkApplyResult> ApplyAsync(HostDesiredState desired, CancellationToken cancellationToken)
    {
        var state = StateFor(desired, bridgeName, tunnelAddress, uplink, holdsPublicAddress);
        if (metadata is not null && database is not null && await metadata.EnsureAsync(database, cancellationToken) is { } metadataPort)
        {
            var relay = metadata.Relay is { } managementRelay ? new ManagementRelayService(managementRelay.Port, ManagementRelay.RelayedInterfaces(desired)) : null;
            state = state with { Metadata = new MetadataService(metadataPort, MetadataEndpoint.AnsweredInterfaces(desired), relay) };
        }

        var result = await bridge.ApplyAsync(state, cancellationToken);
        metadata?.Update(MetadataEndpoint.GuestsByPort(desired, result.Ports));
        metadata?.Relay?.Update(ManagementRelay.RelayedPorts(desired, result.Ports));
        return result;
    }

    /// <summary>
    /// The wire desired state as the switch model: VPCs with their VNI, remote servers and remote guests, ports with
    /// their rules. The VPCs' local VLANs are left to the bridge (<see cref="VpcIsolation.LocalVlan"/> 0), which keeps
    /// each VPC's tag in the switch's database so it never changes under established connections.
    /// </summary>
    public static NetworkDesiredState StateFor(HostDesiredState desired, string bridgeName, string? tunnelAddress, UplinkOptions? uplink = null,
        Func<string, bool>? holdsPublicAddress = null)
    {
        var networks = desired.Networks ?? [];
        // The subnets of this server's guests, with their gateways, for the VPC router's ARP answers and routing.
        var balancerNodes = desired.LoadBalancerNodes ?? [];
        var subnets = desired.Instances.SelectMany(i => i.Interfaces ?? []).Select(nic => (nic.VpcId, Subnet: new SubnetGateway(SubnetOf(nic.PrivateIpAddress, nic.PrefixLength), nic.Gateway)))
            .Concat(balancerNodes.Select(n => (n.VpcId, Subnet: new SubnetGateway(n.SubnetCidr, n.Gateway))))
            .GroupBy(s => s.VpcId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(s => s.Subnet).Distinct().ToList(), StringComparer.Ordinal);
        var natGateways = desired.NatGateways ?? [];
        var vpcs = networks.Select(n => new VpcIsolation
        {
            VpcId = n.VpcId,
            Vni = n.IsolationId,
            RemoteHosts = n.RemoteTunnelAddresses.Where(a => a != tunnelAddress).ToList(),
            RemotePorts = (n.RemoteInterfaces ?? []).Where(r => r.HostTunnelAddress != tunnelAddress)
                .Select(r => new RemotePort(r.MacAddress, r.HostTunnelAddress, r.PrivateIpAddress)).ToList(),
            Subnets = EdgeState.Subnets(n, subnets.GetValueOrDefault(n.VpcId) ?? []),
            CidrBlock = n.CidrBlock,
        }).ToList();
        // A NAT gateway's VPC is here even with no guest of it here (the API lists it in Networks for its tunnels; this is the fallback).
        vpcs.AddRange(natGateways.Where(g => vpcs.All(v => v.VpcId != g.VpcId)).GroupBy(g => g.VpcId, StringComparer.Ordinal).Select(g => new VpcIsolation
        {
            VpcId = g.Key,
            Vni = g.First().VpcIsolationId,
            Subnets = [.. g.Select(n => new SubnetGateway(n.SubnetCidr, n.Gateway)).Distinct()],
        }));
        vpcs.AddRange(balancerNodes.Where(n => vpcs.All(v => v.VpcId != n.VpcId)).GroupBy(n => n.VpcId, StringComparer.Ordinal).Select(g => new VpcIsolation
        {
            VpcId = g.Key,
            Vni = g.First().VpcIsolationId,
            Subnets = [.. g.Select(n => new SubnetGateway(n.SubnetCidr, n.Gateway)).Distinct()],
        }));
        return new NetworkDesiredState
        {
            Bridge = bridgeName,
            LocalTunnelIp = tunnelAddress,
            Vpcs = vpcs,
            NatGateways = [.. natGateways.Select(g => new NatGatewayState(g.NatGatewayId, g.VpcId, g.PrivateIpAddress, g.MacAddress, g.PublicIpAddress))],
            Uplink = uplink?.Interface is { Length: > 0 } device
                ? new UplinkState { PortName = device, GatewayIp = desired.PublicNetwork?.GatewayIp, GatewayMac = uplink.GatewayMac }
                : null,
            Ports = desired.Instances.Where(i => i.Power == DesiredPower.Running).SelectMany(i => i.Interfaces ?? []).Select(nic => new PortSecurity
            {
                InterfaceId = GuestInterfaceId.For(nic.InterfaceId),
                Mac = nic.MacAddress,
                Ip = nic.PrivateIpAddress,
                VpcId = nic.VpcId,
                Ingress = nic.Ingress.Select(Rule).ToList(),
                Egress = nic.Egress.Select(Rule).ToList(),
                PublicIp = nic.PublicIpAddress,
            }).Concat(balancerNodes.Select(n => LoadBalancerNodePort(n, holdsPublicAddress))).ToList(),
        };
    }

    /// <summary>
    /// A load balancer node's port (its namespace's, see <see cref="LoadBalancers.LoadBalancerNodeReconciler"/>) is a port of
    /// the VPC like a guest's: its own address and MAC only, with the balancer's security groups' rules as a guest's
    /// (stateful; a listener port they do not allow is dropped before HAProxy sees it; open both ways when the API sends
    /// none). An internet-facing node's public address is NATed 1:1 through the uplink to its private one, as an elastic IP
    /// of a guest is (<see cref="EdgeFlows"/>), and what comes in through it meets the same ingress rules. A node with a peer
    /// (the zone's pair on two servers) carries the address only while its keepalived is MASTER, so one server at a time answers
    /// for it (its gratuitous ARP moves the provider switch's entry when the role moves), and its port lets VRRP to and from
    /// the peer's address through whatever the tenant's groups say: the platform's own traffic, not the tenant's. An internal
    /// pair's nodes may both send from the pair's virtual address and are both routed what goes to it: only the MASTER's namespace
    /// has it (and answers ARP for it, its gratuitous ARP moving it on a failover), so the flows need not follow the role.
    /// </summary>
    private static PortSecurity LoadBalancerNodePort(DesiredLoadBalancerNode node, Func<string, bool>? holdsPublicAddress)
    {
        var vrrp = node.Peer is { } peer ? new[] { SecurityRule.Vrrp(peer.PrivateIpAddress + "/32") } : [];
        return new PortSecurity
        {
            InterfaceId = GuestInterfaceId.For(node.NodeId),
            Mac = node.MacAddress,
            Ip = node.PrivateIpAddress,
            VpcId = node.VpcId,
            Ingress = [.. node.Ingress is { } ingress ? ingress.Select(Rule) : [SecurityRule.AllTraffic("0.0.0.0/0")], .. vrrp],
            Egress = [.. node.Egress is { } egress ? egress.Select(Rule) : [SecurityRule.AllTraffic("0.0.0.0/0")], .. vrrp],
            PublicIp = node.Peer is null || holdsPublicAddress?.Invoke(node.NodeId) == true ? node.PublicIpAddress : null,
            VirtualIps = node.VirtualIpAddress is { } virtualIp ? [virtualIp] : [],
        };
    }

    private static string SubnetOf(string address, int prefixLength)
    {
        var bytes = IPAddress.Parse(address).GetAddressBytes();
        var value = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
        var mask = prefixLength == 0 ? 0u : uint.MaxValue << (32 - prefixLength);
        var network = value & mask;
        return $"{network >> 24}.{(network >> 16) & 255}.{(network >> 8) & 255}.{network & 255}/{prefixLength}";
    }

    private static SecurityRule Rule(DesiredFirewallRule rule) => new(
        rule.Protocol switch
        {
            "tcp" => RuleProtocol.Tcp,
            "udp" => RuleProtocol.Udp,
            "icmp" => RuleProtocol.Icmp,
            _ => RuleProtocol.All,
        },
        rule.FromPort ?? -1,
        rule.ToPort ?? -1,
        [rule.Cidr]);

    /// <summary>The local address this server reaches the API from: where other servers' tunnels can reach it by default.</summary>
    public static string DefaultTunnelAddress(Uri api)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var address = Dns.GetHostAddresses(api.Host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? IPAddress.Loopback;
        socket.Connect(address, api.Port);
        return ((IPEndPoint)socket.LocalEndPoint!).Address.ToString();
    }
}
