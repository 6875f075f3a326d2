using Platform.HostAgent.Agent;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.OpenVSwitch.Flows;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests;

/// <summary>The wire's desired state as the switch model: VPCs, their subnets and tunnels, ports of running guests and their rules.</summary>
public sealed class GuestNetworkTests
{
    private static DesiredInterface Nic(string eni, string ip, string vpc, int isolation, params DesiredFirewallRule[] ingress) =>
        new(eni, "02:00:00:00:00:0" + eni[^1], ip, 24, ip[..ip.LastIndexOf('.')] + ".1", vpc, isolation, ingress, [new DesiredFirewallRule("-1", null, null, "0.0.0.0/0")]);

    private static DesiredInstance Instance(string id, DesiredPower power, params DesiredInterface[] nics) =>
        new(id, 1, 512, power, new GuestImage("ami-00000000000000001", ImageFormat.Kernel), "console=ttyS0", 0, nics);

    [Fact]
    public void Given_guests_in_two_VPCs_Then_each_VPC_keeps_its_id_subnets_and_remote_servers_and_only_running_guests_get_ports()
    {
        var desired = new HostDesiredState("h-1", 7,
        [
            Instance("i-00000000000000001", DesiredPower.Running, Nic("eni-1", "10.0.1.4", "vpc-a", 3, new DesiredFirewallRule("icmp", -1, -1, "10.0.0.0/16"))),
            Instance("i-00000000000000002", DesiredPower.Stopped, Nic("eni-2", "10.0.1.5", "vpc-a", 3)),
            Instance("i-00000000000000003", DesiredPower.Running, Nic("eni-3", "10.0.1.4", "vpc-b", 9, new DesiredFirewallRule("tcp", 22, 22, "1.2.3.4/32"))),
        ],
        [new VpcNetwork("vpc-a", 3, ["192.168.56.11", "192.168.56.12"]), new VpcNetwork("vpc-b", 9, [])]);

        var state = GuestNetwork.StateFor(desired, "br-int", "192.168.56.11");

        Assert.Equal("br-int", state.Bridge);
        var a = state.Vpcs.Single(v => v.VpcId == "vpc-a");
        // The VNI is the VPC's isolation id; the local VLAN is the bridge's to assign and keep (LocalVlans).
        Assert.Equal((0, 3), (a.LocalVlan, a.Vni));
        Assert.Equal(["192.168.56.12"], a.RemoteHosts);   // never a tunnel to itself
        Assert.Equal([new SubnetGateway("10.0.1.0/24", "10.0.1.1")], a.Subnets);
        Assert.Equal(9, state.Vpcs.Single(v => v.VpcId == "vpc-b").Vni);

        Assert.Equal([GuestInterfaceId.For("eni-1"), GuestInterfaceId.For("eni-3")], state.Ports.Select(p => p.InterfaceId));
        var first = state.Ports[0];
        Assert.Equal(("10.0.1.4", "vpc-a"), (first.Ip, first.VpcId));
        var icmp = Assert.Single(first.Ingress);
        Assert.Equal((RuleProtocol.Icmp, -1, -1), (icmp.Protocol, icmp.FromPort, icmp.ToPort));
        Assert.Equal(["10.0.0.0/16"], icmp.Cidrs);
        Assert.Equal(RuleProtocol.All, Assert.Single(first.Egress).Protocol);
        Assert.Equal((RuleProtocol.Tcp, 22, 22), (state.Ports[1].Ingress[0].Protocol, state.Ports[1].Ingress[0].FromPort, state.Ports[1].Ingress[0].ToPort));
    }

    [Fact]
    public void Given_guests_of_the_VPC_on_other_servers_Then_they_become_remote_ports_with_their_addresses_and_none_points_back_here()
    {
        var desired = new HostDesiredState("h-1", 3,
            [Instance("i-00000000000000001", DesiredPower.Running, Nic("eni-1", "10.0.1.4", "vpc-a", 70000))],
            [new VpcNetwork("vpc-a", 70000, ["192.168.56.12", "192.168.56.13"],
            [
                new RemoteInterface("02:00:00:00:01:02", "10.0.2.7", "192.168.56.12"),
                new RemoteInterface("02:00:00:00:01:03", "10.0.1.9", "192.168.56.13"),
                new RemoteInterface("02:00:00:00:01:04", "10.0.1.10", "192.168.56.11"),
            ])]);

        var vpc = Assert.Single(GuestNetwork.StateFor(desired, "br-int", "192.168.56.11").Vpcs);

        Assert.Equal(70000, vpc.Vni);
        Assert.Equal(["192.168.56.12", "192.168.56.13"], vpc.RemoteHosts);
        Assert.Equal([new RemotePort("02:00:00:00:01:02", "192.168.56.12", "10.0.2.7"), new RemotePort("02:00:00:00:01:03", "192.168.56.13", "10.0.1.9")],
            vpc.RemotePorts);
    }

    [Fact]
    public void Given_an_API_without_remote_interfaces_Then_the_VPC_has_none()
    {
        var desired = new HostDesiredState("h-1", 1, [], [new VpcNetwork("vpc-x", 12, ["192.168.56.12"])]);
        Assert.Empty(Assert.Single(GuestNetwork.StateFor(desired, "br-int", null).Vpcs).RemotePorts);
    }
}

/// <summary>Issue 11's fields on the wire (routes, elastic IPs, NAT gateways, the provider network) as the switch model, and its flows.</summary>
public sealed class GuestNetworkEdgeTests
{
    private static readonly DesiredFirewallRule Anywhere = new("-1", null, null, "0.0.0.0/0");

    private static HostDesiredState Desired(DesiredPublicNetwork? publicNetwork = null) => new("h-1", 5,
        [
            new DesiredInstance("i-00000000000000001", 1, 256, DesiredPower.Running, new GuestImage("ami-00000000000000001", ImageFormat.Kernel), "", 0,
                [new DesiredInterface("eni-1", "02:00:0a:00:01:05", "10.0.1.5", 24, "10.0.1.1", "vpc-a", 3, [], [Anywhere], "198.51.100.10", "subnet-pub")]),
            new DesiredInstance("i-00000000000000002", 1, 256, DesiredPower.Running, new GuestImage("ami-00000000000000001", ImageFormat.Kernel), "", 0,
                [new DesiredInterface("eni-2", "02:00:0a:00:02:05", "10.0.2.5", 24, "10.0.2.1", "vpc-a", 3, [], [Anywhere], null, "subnet-priv")]),
        ],
        [new VpcNetwork("vpc-a", 3, [], null,
        [
            new DesiredSubnet("subnet-pub", "10.0.1.0/24", "10.0.1.1", [new DesiredRoute("0.0.0.0/0", RouteTarget.InternetGateway, "igw-1")]),
            new DesiredSubnet("subnet-priv", "10.0.2.0/24", "10.0.2.1", [new DesiredRoute("0.0.0.0/0", RouteTarget.NatGateway, "nat-1", "10.0.1.9", "02:00:0a:00:01:09")]),
            new DesiredSubnet("subnet-empty", "10.0.3.0/24", "10.0.3.1", [new DesiredRoute("192.0.2.0/24", RouteTarget.Blackhole, "igw-gone")]),
        ], "10.0.0.0/16")],
        NatGateways: [new DesiredNatGateway("nat-1", "vpc-a", 3, "10.0.1.0/24", "10.0.1.1", "10.0.1.9", "02:00:0a:00:01:09", "198.51.100.20")],
        PublicNetwork: publicNetwork ?? new DesiredPublicNetwork("198.51.100.0/24", "198.51.100.1"));

    [Fact]
    public void Given_routes_elastic_ips_and_a_nat_gateway_on_the_wire_Then_the_switch_model_carries_them_all()
    {
        var state = GuestNetwork.StateFor(Desired(), "br-int", "192.168.56.11", new UplinkOptions { Interface = "eth1" });

        var vpc = Assert.Single(state.Vpcs);
        Assert.Equal("10.0.0.0/16", vpc.CidrBlock);
        // Every subnet of the VPC, also one without a guest here, with its routes.
        Assert.Equal(["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"], vpc.Subnets.Select(s => s.Cidr));
        Assert.Equal(new SubnetRoute("0.0.0.0/0", RouteKind.NatGateway, "10.0.1.9", "02:00:0a:00:01:09"), Assert.Single(vpc.Subnets[1].Routes));
        Assert.Equal(RouteKind.Blackhole, Assert.Single(vpc.Subnets[2].Routes).Kind);
        Assert.Equal(["198.51.100.10", null], state.Ports.Select(p => p.PublicIp));
        Assert.Equal(new NatGatewayState("nat-1", "vpc-a", "10.0.1.9", "02:00:0a:00:01:09", "198.51.100.20"), Assert.Single(state.NatGateways));
        Assert.Equal(new UplinkState { PortName = "eth1", GatewayIp = "198.51.100.1" }, state.Uplink);
    }

    [Fact]
    public void Given_no_uplink_configured_Then_the_server_has_no_public_networking_and_internet_routes_drop()
    {
        var state = GuestNetwork.StateFor(Desired(), "br-int", null, new UplinkOptions());
        Assert.Null(state.Uplink);
        var flows = FlowTable.Build(state with
        {
            Vpcs = [state.Vpcs[0] with { LocalVlan = 3 }],
            Ports = [.. state.Ports.Select((p, i) => p with { OfPort = i + 1 })],
        });
        Assert.Contains("table=35,priority=1000,reg6=3,ip,nw_src=10.0.1.0/24,actions=drop", flows, StringComparison.Ordinal);
        Assert.DoesNotContain("198.51.100.10", flows, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_the_state_with_its_ports_resolved_Then_the_flows_translate_the_elastic_ip_and_route_the_private_subnet_to_the_nat_gateway()
    {
        var state = GuestNetwork.StateFor(Desired(), "br-int", null, new UplinkOptions { Interface = "eth1", GatewayMac = "52:54:00:00:00:01" });
        var flows = FlowTable.Build(state with
        {
            Vpcs = [state.Vpcs[0] with { LocalVlan = 3 }],
            Ports = [.. state.Ports.Select((p, i) => p with { OfPort = i + 1 })],
            Uplink = state.Uplink! with { OfPort = 9 },
        });
        Assert.Contains("table=70,priority=100,ip,dl_dst=02:ef:c6:33:64:0a,nw_dst=198.51.100.10,actions=set_field:10.0.1.5->ip_dst", flows, StringComparison.Ordinal);
        Assert.Contains("table=71,priority=100,reg5=1,ip,nw_src=10.0.1.5,actions=set_field:198.51.100.10->ip_src,set_field:02:ef:c6:33:64:0a->eth_src,set_field:52:54:00:00:00:01->eth_dst", flows, StringComparison.Ordinal);
        Assert.Contains("table=35,priority=1000,reg6=3,ip,nw_src=10.0.2.0/24,actions=set_field:02:ee:00:00:03:01->eth_src,set_field:02:00:0a:00:01:09->eth_dst,resubmit(,72)", flows, StringComparison.Ordinal);
        Assert.Contains("ct(commit,zone=4099,nat(src=198.51.100.20),table=73)", flows, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_nat_gateway_whose_vpc_has_no_guest_here_Then_its_vpc_is_here_anyway()
    {
        var desired = Desired() with { Instances = [], Networks = [] };
        var vpc = Assert.Single(GuestNetwork.StateFor(desired, "br-int", null, new UplinkOptions { Interface = "eth1" }).Vpcs);
        Assert.Equal(("vpc-a", 3), (vpc.VpcId, vpc.Vni));
        Assert.Equal([new SubnetGateway("10.0.1.0/24", "10.0.1.1")], vpc.Subnets);
    }
}
