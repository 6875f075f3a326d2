using Platform.HostAgent.OpenVSwitch.Flows;

namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>The network edge's flows as a pure function of the desired state: no switch involved.</summary>
public sealed class EdgeFlowsTests
{
    private const string Router = "02:ee:00:03:e9:01";

    /// <summary>VPC A (VNI 1001, local VLAN 1): a public subnet routed to the internet gateway, a private one to a NAT gateway on another server.</summary>
    private static NetworkDesiredState Edge()
    {
        var state = FlowTableTests.TwoVpcs();
        var publicSubnet = new SubnetGateway("10.0.0.0/24", "10.0.0.1")
        {
            Routes = [new SubnetRoute("0.0.0.0/0", RouteKind.InternetGateway), new SubnetRoute("192.0.2.0/24", RouteKind.Blackhole)],
        };
        var privateSubnet = new SubnetGateway("10.0.1.0/24", "10.0.1.1")
        {
            Routes = [new SubnetRoute("0.0.0.0/0", RouteKind.NatGateway, "10.0.0.9", "02:00:00:00:0a:09")],
        };
        return state with
        {
            Vpcs = [state.Vpcs[0] with { CidrBlock = "10.0.0.0/16", Subnets = [publicSubnet, privateSubnet] }, state.Vpcs[1]],
            Ports = [state.Ports[0] with { PublicIp = "198.51.100.10" }, .. state.Ports.Skip(1)],
            Uplink = new UplinkState { PortName = "eth1", OfPort = 20, GatewayIp = "198.51.100.1", GatewayMac = "52:54:00:AA:BB:CC" },
        };
    }

    private static string[] Lines(NetworkDesiredState state) => FlowTable.Build(state).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Given_no_uplink_routes_or_nat_gateways_Then_no_edge_flow_is_made()
    {
        Assert.DoesNotContain(Lines(FlowTableTests.TwoVpcs()), f => f.Contains("table=35,", StringComparison.Ordinal) || f.Contains("table=7", StringComparison.Ordinal));
    }

    [Fact]
    public void Given_a_route_to_the_internet_Then_the_vpcs_own_cidr_is_decided_first_and_never_routed()
    {
        var flows = Lines(Edge());
        Assert.Contains($"cookie=0x200000001,table=30,priority=146,reg4=1,reg6=1,ip,dl_dst={Router},nw_dst=10.0.0.0/16,actions=drop", flows);
        Assert.Contains($"cookie=0x200000001,table=30,priority=145,reg4=1,reg6=1,ip,dl_dst={Router},actions=resubmit(,35)", flows);
        // A guest of the VPC is delivered by the router's own flows (150), above both.
        Assert.Contains(flows, f => f.Contains($"table=30,priority=150,reg6=1,ip,dl_dst={Router},nw_dst=10.0.0.2,", StringComparison.Ordinal));
        // Longest prefix first, per source subnet.
        Assert.Contains("cookie=0x200000001,table=35,priority=1000,reg6=1,ip,nw_src=10.0.0.0/24,actions=resubmit(,71)", flows);
        Assert.Contains("cookie=0x200000001,table=35,priority=1024,reg6=1,ip,nw_src=10.0.0.0/24,nw_dst=192.0.2.0/24,actions=drop", flows);
        // Nothing of VPC B is routed.
        Assert.DoesNotContain(flows, f => f.Contains("reg6=2", StringComparison.Ordinal) && (f.Contains("table=35", StringComparison.Ordinal) || f.Contains("priority=145", StringComparison.Ordinal)));
    }

    [Fact]
    public void Given_an_elastic_ip_Then_arp_is_answered_on_the_uplink_and_it_is_translated_both_ways_for_its_port_only()
    {
        var flows = Lines(Edge());
        Assert.Contains("cookie=0x400000000,table=0,priority=100,in_port=20,actions=resubmit(,70)", flows);
        Assert.Contains(flows, f => f.StartsWith("cookie=0x5c633640a,table=70,priority=200,arp,arp_op=1,arp_tpa=198.51.100.10,", StringComparison.Ordinal)
            && f.Contains("set_field:02:ef:c6:33:64:0a->arp_sha", StringComparison.Ordinal));
        // In: the destination becomes the private address, then the port's ingress security group (table 40) decides.
        Assert.Contains("cookie=0x5c633640a,table=70,priority=100,ip,dl_dst=02:ef:c6:33:64:0a,nw_dst=198.51.100.10,actions=set_field:10.0.0.1->ip_dst,"
            + $"load:1->NXM_NX_REG6[],set_field:{Router}->eth_src,set_field:02:00:00:00:0a:01->eth_dst,dec_ttl,load:1->NXM_NX_REG7[],resubmit(,40)", flows);
        // Out: only from that port, to the gateway's MAC.
        Assert.Contains("cookie=0x5c633640a,table=71,priority=100,reg5=1,ip,nw_src=10.0.0.1,actions=set_field:198.51.100.10->ip_src,"
            + "set_field:02:ef:c6:33:64:0a->eth_src,set_field:52:54:00:aa:bb:cc->eth_dst,dec_ttl,output:20", flows);
        Assert.Single(flows, f => f.Contains("table=71,priority=100", StringComparison.Ordinal));
        Assert.Contains("cookie=0x400000000,table=71,priority=0,actions=drop", flows);
    }

    [Fact]
    public void Given_the_gateway_mac_unknown_Then_it_is_learnt_and_nothing_leaves_until_it_is_known()
    {
        var state = Edge();
        var flows = Lines(state with { Uplink = state.Uplink! with { GatewayMac = null } });
        Assert.Contains(flows, f => f.Contains("table=0,priority=110,in_port=20,arp,arp_spa=198.51.100.1,actions=learn(table=79,", StringComparison.Ordinal));
        Assert.DoesNotContain(flows, f => f.Contains("table=71,priority=100", StringComparison.Ordinal) || f.Contains("output:20", StringComparison.Ordinal));
        // What the switch learnt, as ovs-ofctl dumps it.
        var learned = EdgeFlows.ParseLearnedGateways(
            " cookie=0x400000000, duration=0.6s, table=79, n_packets=0, n_bytes=0, priority=100,arp,arp_spa=198.51.100.1 actions=load:0xfef222f8cc8c->NXM_OF_ETH_DST[]\n");
        Assert.Equal("fe:f2:22:f8:cc:8c", learned["198.51.100.1"]);
    }

    [Fact]
    public void Given_a_nat_gateway_on_another_server_Then_the_private_subnet_is_routed_through_the_tunnel_to_its_mac()
    {
        var flows = Lines(Edge());
        Assert.Contains($"cookie=0x200000001,table=35,priority=1000,reg6=1,ip,nw_src=10.0.1.0/24,actions=set_field:{Router}->eth_src,"
            + "set_field:02:00:00:00:0a:09->eth_dst,dec_ttl,set_field:1001->tun_id,output:10", flows);
    }

    [Fact]
    public void Given_a_nat_gateway_here_Then_it_answers_arp_in_its_vpc_and_tracks_its_connections_in_a_zone_of_its_own()
    {
        var state = Edge();
        state = state with
        {
            Vpcs = [state.Vpcs[0] with { RemotePorts = [] }, state.Vpcs[1]],
            NatGateways = [new NatGatewayState("nat-1", "vpc-a", "10.0.0.9", "02:00:00:00:0a:09", "198.51.100.20")],
        };
        var flows = Lines(state);
        Assert.Contains(flows, f => f.StartsWith("cookie=0x5c6336414,table=30,priority=200,reg6=1,arp,arp_op=1,arp_tpa=10.0.0.9,", StringComparison.Ordinal));
        Assert.Contains("cookie=0x5c6336414,table=30,priority=160,reg6=1,ip,dl_dst=02:00:00:00:0a:09,actions=resubmit(,72)", flows);
        Assert.Contains($"cookie=0x200000001,table=35,priority=1000,reg6=1,ip,nw_src=10.0.1.0/24,actions=set_field:{Router}->eth_src,set_field:02:00:00:00:0a:09->eth_dst,resubmit(,72)", flows);
        Assert.Contains("cookie=0x5c6336414,table=72,priority=110,reg6=1,ip,dl_dst=02:00:00:00:0a:09,nw_dst=10.0.0.0/16,actions=drop", flows);
        Assert.Contains("cookie=0x5c6336414,table=72,priority=100,reg6=1,ip,dl_dst=02:00:00:00:0a:09,actions=ct(commit,zone=4097,nat(src=198.51.100.20),table=73)", flows);
        Assert.Contains("cookie=0x5c6336414,table=70,priority=100,ip,dl_dst=02:ef:c6:33:64:14,nw_dst=198.51.100.20,actions=load:1->NXM_NX_REG6[],ct(zone=4097,nat,table=74)", flows);
        Assert.Contains($"cookie=0x5c6336414,table=74,priority=100,ct_state=+est+rpl+trk,ip,reg6=1,actions=set_field:{Router}->eth_dst,load:1->NXM_NX_REG4[],resubmit(,30)", flows);
        // A new connection from outside matches nothing in table 74: dropped.
        Assert.DoesNotContain(flows, f => f.Contains("table=74", StringComparison.Ordinal) && f.Contains("+new", StringComparison.Ordinal));
    }

    [Fact]
    public void Given_a_route_to_an_interface_Then_it_goes_to_that_port_here_through_its_ingress_group_or_drops_when_nobody_has_it()
    {
        var state = Edge();
        var appliance = new SubnetGateway("10.0.2.0/24", "10.0.2.1")
        {
            Routes = [new SubnetRoute("172.16.0.0/12", RouteKind.NetworkInterface, "10.0.0.2", "02:00:00:00:0A:02"), new SubnetRoute("172.20.0.0/16", RouteKind.NetworkInterface, "10.0.0.77", "02:00:00:00:0a:77")],
        };
        var flows = Lines(state with { Vpcs = [state.Vpcs[0] with { Subnets = [.. state.Vpcs[0].Subnets, appliance] }, state.Vpcs[1]] });
        Assert.Contains($"cookie=0x200000001,table=35,priority=1012,reg6=1,ip,nw_src=10.0.2.0/24,nw_dst=172.16.0.0/12,actions=set_field:{Router}->eth_src,"
            + "set_field:02:00:00:00:0a:02->eth_dst,dec_ttl,load:2->NXM_NX_REG7[],resubmit(,40)", flows);
        Assert.Contains("cookie=0x200000001,table=35,priority=1016,reg6=1,ip,nw_src=10.0.2.0/24,nw_dst=172.20.0.0/16,actions=drop", flows);
    }

    [Fact]
    public void Given_no_uplink_Then_internet_routes_drop_and_nothing_is_translated()
    {
        var flows = Lines(Edge() with { Uplink = null });
        Assert.Contains("cookie=0x200000001,table=35,priority=1000,reg6=1,ip,nw_src=10.0.0.0/24,actions=drop", flows);
        Assert.DoesNotContain(flows, f => f.Contains("table=70,", StringComparison.Ordinal) && !f.Contains("priority=0", StringComparison.Ordinal));
    }

    [Fact]
    public void Given_one_public_address_twice_Then_the_state_is_refused()
    {
        var state = Edge();
        Assert.Throws<ArgumentException>(() => FlowTable.Build(state with { Ports = [.. state.Ports.Select(p => p with { PublicIp = "198.51.100.10" })] }));
        Assert.Throws<ArgumentException>(() => FlowTable.Build(state with { NatGateways = [new NatGatewayState("nat-x", "vpc-z", "10.0.0.9", "02:00:00:00:0a:09", "198.51.100.20")] }));
    }

    [Fact]
    public void Given_a_public_address_Then_its_uplink_mac_is_02_ef_and_its_four_bytes()
    {
        Assert.Equal("02:ef:c6:33:64:0a", EdgeFlows.PublicMac("198.51.100.10"));
        Assert.Equal("ffffffffffff02efc633640a08060001080006040001" + "02efc633640a" + "c633640a" + "000000000000" + "c633640a", ArpFrames.Gratuitous("198.51.100.10", "02:ef:c6:33:64:0a")[..84]);
    }
}
