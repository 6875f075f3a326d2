using Platform.HostAgent.OpenVSwitch.Flows;

namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>The flow table as a pure function of the desired state: no switch involved.</summary>
public sealed class FlowTableTests
{
    private static readonly string[] AnyWhere = ["0.0.0.0/0"];

    internal static NetworkDesiredState TwoVpcs() => new()
    {
        Bridge = "br-int",
        LocalTunnelIp = "172.31.0.1",
        Vpcs =
        [
            new VpcIsolation { VpcId = "vpc-a", LocalVlan = 1, Vni = 1001, RemoteHosts = ["172.31.0.2"], RemotePorts = [new RemotePort("02:00:00:00:0a:09", "172.31.0.2")] },
            new VpcIsolation { VpcId = "vpc-b", LocalVlan = 2, Vni = 1002 },
        ],
        Ports =
        [
            new PortSecurity { InterfaceId = "eni-1", OfPort = 1, Mac = "02:00:00:00:0A:01", Ip = "10.0.0.1", VpcId = "vpc-a", Egress = [SecurityRule.AllTraffic(AnyWhere)] },
            new PortSecurity
            {
                InterfaceId = "eni-2", OfPort = 2, Mac = "02:00:00:00:0a:02", Ip = "10.0.0.2", VpcId = "vpc-a",
                Ingress = [SecurityRule.AnyIcmp("10.0.0.0/16"), SecurityRule.Tcp(22, 22, "192.168.1.7/24")],
                Egress = [SecurityRule.AllTraffic(AnyWhere)],
            },
            new PortSecurity { InterfaceId = "eni-3", OfPort = 3, Mac = "02:00:00:00:0b:01", Ip = "10.0.0.1", VpcId = "vpc-b" },
        ],
        TunnelPorts = new Dictionary<string, int> { ["172.31.0.2"] = 10 },
    };

    private static string[] Lines(string flows) => flows.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Given_the_same_state_When_built_twice_Then_the_text_is_identical()
    {
        Assert.Equal(FlowTable.Build(TwoVpcs()), FlowTable.Build(TwoVpcs() with { Ports = [.. TwoVpcs().Ports.Reverse()] }));
    }

    [Fact]
    public void Given_a_port_Then_it_may_send_only_from_its_own_mac_and_ip()
    {
        var flows = Lines(FlowTable.Build(TwoVpcs())).Where(f => f.Contains("table=10,", StringComparison.Ordinal) && f.Contains("reg5=1,", StringComparison.Ordinal)).ToList();
        Assert.Contains(flows, f => f.Contains("dl_src=02:00:00:00:0a:01,ip,nw_src=10.0.0.1,actions=resubmit(,20)", StringComparison.Ordinal));
        Assert.Contains(flows, f => f.Contains("arp,arp_spa=10.0.0.1,arp_sha=02:00:00:00:0a:01", StringComparison.Ordinal));
        Assert.All(flows, f => Assert.Contains("dl_src=02:00:00:00:0a:01", f, StringComparison.Ordinal));
        Assert.Contains("cookie=0x100000000,table=10,priority=0,actions=drop", FlowTable.Build(TwoVpcs()), StringComparison.Ordinal);
    }

    [Fact]
    public void Given_two_vpcs_Then_every_forwarding_flow_is_bound_to_one_vpc_and_zones_differ()
    {
        var flows = Lines(FlowTable.Build(TwoVpcs()));
        Assert.All(flows.Where(f => f.Contains("table=30,", StringComparison.Ordinal) && !f.Contains("priority=0", StringComparison.Ordinal)),
            f => Assert.Matches(@"reg6=[12],", f));
        Assert.Contains("table=0,priority=100,in_port=3,actions=load:3->NXM_NX_REG5[],load:2->NXM_NX_REG6[]", FlowTable.Build(TwoVpcs()), StringComparison.Ordinal);
        Assert.Contains("table=0,priority=100,in_port=1,actions=load:1->NXM_NX_REG5[],load:1->NXM_NX_REG6[]", FlowTable.Build(TwoVpcs()), StringComparison.Ordinal);
        // Only VPC A spans servers: its VNI, and no tunnel flow for B.
        Assert.Contains(flows, f => f.Contains("in_port=10,tun_id=1001,actions=load:1->NXM_NX_REG6[]", StringComparison.Ordinal));
        Assert.DoesNotContain(flows, f => f.Contains("1002", StringComparison.Ordinal));
        Assert.Contains(flows, f => f.Contains("reg4=1,reg6=1,dl_dst=02:00:00:00:0a:09,actions=set_field:1001->tun_id,output:10", StringComparison.Ordinal));
    }

    [Fact]
    public void Given_ingress_rules_Then_they_become_stateful_matches_on_the_destination_port()
    {
        var flows = Lines(FlowTable.Build(TwoVpcs()));
        Assert.Contains("cookie=0x300000002,table=41,priority=100,ct_state=+trk,reg7=2,icmp,nw_src=10.0.0.0/16,actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:2", flows);
        Assert.Contains("cookie=0x300000002,table=41,priority=100,ct_state=+trk,reg7=2,tcp,tp_dst=22,nw_src=192.168.1.0/24,actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:2", flows);
        Assert.Contains("cookie=0x100000000,table=41,priority=190,ct_state=+est+rpl+trk,actions=output:NXM_NX_REG7[0..15]", flows);
        // Port 1 has no ingress rule: nothing in table 41 for it.
        Assert.DoesNotContain(flows, f => f.Contains("reg7=1,", StringComparison.Ordinal) && f.Contains("table=41", StringComparison.Ordinal));
    }

    [Fact]
    public void Given_a_rule_is_removed_Then_only_its_flow_goes()
    {
        var before = Lines(FlowTable.Build(TwoVpcs()));
        var state = TwoVpcs();
        var withoutIcmp = state with { Ports = [.. state.Ports.Select(p => p.OfPort == 2 ? p with { Ingress = [p.Ingress[1]] } : p)] };
        var after = Lines(FlowTable.Build(withoutIcmp));
        var removed = Assert.Single(before.Except(after));
        Assert.Contains("icmp", removed, StringComparison.Ordinal);
        Assert.Empty(after.Except(before));
    }

    [Fact]
    public void Given_unresolved_ports_Then_they_get_no_flows()
    {
        var state = TwoVpcs();
        var flows = FlowTable.Build(state with { Ports = [.. state.Ports.Select(p => p.OfPort == 3 ? p with { OfPort = 0 } : p)] });
        Assert.DoesNotContain("in_port=3,", flows, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 65535)]
    [InlineData(22, 22)]
    [InlineData(1024, 2047)]
    [InlineData(1, 65534)]
    [InlineData(1000, 2000)]
    [InlineData(33333, 33334)]
    public void Given_a_port_range_Then_the_masks_cover_exactly_it(int from, int to)
    {
        var masks = FlowTable.PortRangeMasks(from, to).ToList();
        for (var port = 0; port <= 65535; port++)
        {
            var covered = masks.Count(m => (port & m.Mask) == m.Value);
            Assert.True(covered == (port >= from && port <= to ? 1 : 0), $"port {port}: covered {covered} times");
        }

        Assert.True(masks.Count <= 32);
    }

    [Fact]
    public void Given_a_random_port_range_Then_the_masks_cover_exactly_it()
    {
        var random = new Random(5);
        for (var i = 0; i < 50; i++)
        {
            var a = random.Next(0, 65536);
            var b = random.Next(a, 65536);
            var masks = FlowTable.PortRangeMasks(a, b).ToList();
            foreach (var port in new[] { 0, a - 1, a, a + 1, (a + b) / 2, b - 1, b, b + 1, 65535 }.Where(p => p is >= 0 and <= 65535))
            {
                Assert.Equal(port >= a && port <= b ? 1 : 0, masks.Count(m => (port & m.Mask) == m.Value));
            }
        }
    }

    [Theory]
    [InlineData("10.1.2.3/16", "10.1.0.0/16")]
    [InlineData("10.1.2.3/32", "10.1.2.3")]
    [InlineData("10.1.2.3", "10.1.2.3")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("192.168.7.255/23", "192.168.6.0/23")]
    public void Given_a_cidr_Then_it_is_normalized_to_its_network(string cidr, string expected) =>
        Assert.Equal(expected, FlowTable.NormalizeCidr(cidr));

    [Fact]
    public void Given_rules_for_all_ports_and_any_address_Then_the_match_is_the_protocol_only()
    {
        Assert.Equal(["tcp"], FlowTable.RuleMatches([SecurityRule.Tcp(-1, -1, "0.0.0.0/0")], "nw_src"));
        Assert.Equal(["icmp,icmp_type=8,icmp_code=0,nw_dst=10.0.0.0/8"], FlowTable.RuleMatches([new SecurityRule(RuleProtocol.Icmp, 8, 0, ["10.0.0.0/8"])], "nw_dst"));
        Assert.Equal(["ip"], FlowTable.RuleMatches([SecurityRule.AllTraffic("0.0.0.0/0"), SecurityRule.AllTraffic("0.0.0.0/0")], "nw_dst"));
    }

    [Fact]
    public void Given_an_inconsistent_state_Then_build_refuses_it()
    {
        var state = TwoVpcs();
        Assert.Throws<ArgumentException>(() => FlowTable.Build(state with { Vpcs = [state.Vpcs[0], state.Vpcs[1] with { LocalVlan = 1 }] }));
        Assert.Throws<ArgumentException>(() => FlowTable.Build(state with { Ports = [state.Ports[0] with { VpcId = "vpc-x" }] }));
        Assert.Throws<ArgumentException>(() => FlowTable.Build(state with { Ports = [state.Ports[0] with { Ip = "10.0.0.300" }] }));
        Assert.Throws<ArgumentException>(() => FlowTable.Build(state with { Ports = [state.Ports[0], state.Ports[1] with { OfPort = 1 }] }));
    }

    [Fact]
    public void Given_subnets_Then_every_server_answers_for_the_gateway_and_routes_to_the_guest()
    {
        var state = TwoVpcs();
        var routed = state with
        {
            Vpcs =
            [
                state.Vpcs[0] with
                {
                    Subnets = [new SubnetGateway("10.0.0.0/24", "10.0.0.254"), new SubnetGateway("10.0.1.0/24", "10.0.1.1")],
                    RemotePorts = [new RemotePort("02:00:00:00:0a:09", "172.31.0.2", "10.0.1.9")],
                },
                state.Vpcs[1],
            ],
        };
        var flows = Lines(FlowTable.Build(routed));
        Assert.Equal("02:ee:00:03:e9:01", routed.Vpcs[0].RouterMac);
        Assert.Contains(flows, f => f.Contains("reg4=1,reg6=1,arp,arp_op=1,arp_tpa=10.0.1.1,actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:02:ee:00:03:e9:01->eth_src", StringComparison.Ordinal));
        Assert.Contains(flows, f => f.Contains("reg6=1,ip,dl_dst=02:ee:00:03:e9:01,nw_dst=10.0.0.2,actions=set_field:02:ee:00:03:e9:01->eth_src,set_field:02:00:00:00:0a:02->eth_dst,dec_ttl,load:2->NXM_NX_REG7[]", StringComparison.Ordinal));
        Assert.Contains(flows, f => f.Contains("reg4=1,reg6=1,ip,dl_dst=02:ee:00:03:e9:01,nw_dst=10.0.1.9,actions=set_field:02:ee:00:03:e9:01->eth_src,set_field:02:00:00:00:0a:09->eth_dst,dec_ttl,set_field:1001->tun_id,output:10", StringComparison.Ordinal));
        // VPC B has no subnets given: no router flows for it, and A's router never matches B's register.
        Assert.DoesNotContain(flows, f => f.Contains("reg6=2,", StringComparison.Ordinal) && f.Contains("02:ee", StringComparison.Ordinal));
    }

    [Fact]
    public void Given_remote_guests_in_other_subnets_on_two_servers_Then_each_is_routed_through_its_own_servers_tunnel_and_only_from_local_guests()
    {
        var state = TwoVpcs();
        var routed = state with
        {
            Vpcs =
            [
                state.Vpcs[0] with
                {
                    RemoteHosts = ["172.31.0.2", "172.31.0.3", "172.31.0.4"],
                    Subnets = [new SubnetGateway("10.0.0.0/24", "10.0.0.254")],
                    RemotePorts =
                    [
                        new RemotePort("02:00:00:00:0a:09", "172.31.0.2", "10.0.1.9"),
                        new RemotePort("02:00:00:00:0a:0a", "172.31.0.3", "10.0.2.10"),
                        // Its server's tunnel port is not up (not in TunnelPorts): no flow may point nowhere.
                        new RemotePort("02:00:00:00:0a:0b", "172.31.0.4", "10.0.2.11"),
                    ],
                },
                state.Vpcs[1],
            ],
            TunnelPorts = new Dictionary<string, int> { ["172.31.0.2"] = 10, ["172.31.0.3"] = 11 },
        };
        var flows = Lines(FlowTable.Build(routed));
        const string Router = "02:ee:00:03:e9:01";
        Assert.Contains($"cookie=0x200000001,table=30,priority=150,reg4=1,reg6=1,ip,dl_dst={Router},nw_dst=10.0.1.9,actions=set_field:{Router}->eth_src," +
            "set_field:02:00:00:00:0a:09->eth_dst,dec_ttl,set_field:1001->tun_id,output:10", flows);
        Assert.Contains($"cookie=0x200000001,table=30,priority=150,reg4=1,reg6=1,ip,dl_dst={Router},nw_dst=10.0.2.10,actions=set_field:{Router}->eth_src," +
            "set_field:02:00:00:00:0a:0a->eth_dst,dec_ttl,set_field:1001->tun_id,output:11", flows);
        Assert.Contains("cookie=0x200000001,table=30,priority=100,reg4=1,reg6=1,dl_dst=02:00:00:00:0a:0a,actions=set_field:1001->tun_id,output:11", flows);
        Assert.DoesNotContain(flows, f => f.Contains("10.0.2.11", StringComparison.Ordinal) || f.Contains("02:00:00:00:0a:0b", StringComparison.Ordinal));
        // What arrives from a tunnel was routed by the sender's server already: here it is only switched to the local guest by MAC.
        Assert.Contains("cookie=0x300000001,table=30,priority=100,reg6=1,dl_dst=02:00:00:00:0a:01,actions=load:1->NXM_NX_REG7[],resubmit(,40)", flows);
        Assert.Contains("cookie=0x200000001,table=0,priority=100,in_port=11,tun_id=1001,actions=load:1->NXM_NX_REG6[],resubmit(,30)", flows);
        // An address nobody holds is dropped at the router, not flooded.
        Assert.Contains($"cookie=0x200000001,table=30,priority=140,reg6=1,dl_dst={Router},actions=drop", flows);
    }

    [Fact]
    public void Given_an_internal_balancer_pair_s_virtual_address_Then_its_nodes_may_send_from_it_and_routed_packets_go_to_both_nodes()
    {
        const string Router = "02:ee:00:03:e9:01";
        var state = TwoVpcs();
        var remote = new RemotePort("02:00:00:00:0a:09", "172.31.0.2", "10.0.0.9");
        // Here: node eni-2 (10.0.0.2) of the pair whose address is 10.0.0.50; its peer 10.0.0.9 on 172.31.0.2.
        var paired = state with
        {
            Vpcs =
            [
                state.Vpcs[0] with { Subnets = [new SubnetGateway("10.0.0.0/24", "10.0.0.254")], RemotePorts = [remote, remote with { Ip = "10.0.0.50" }] },
                state.Vpcs[1],
            ],
            Ports = [state.Ports[0], state.Ports[1] with { VirtualIps = ["10.0.0.50"] }, state.Ports[2]],
        };
        var flows = Lines(FlowTable.Build(paired));
        Assert.Contains(flows, f => f.Contains("reg5=2,dl_src=02:00:00:00:0a:02,arp,arp_spa=10.0.0.50,arp_sha=02:00:00:00:0a:02,actions=resubmit(,30)", StringComparison.Ordinal));
        Assert.Contains(flows, f => f.Contains("reg5=2,dl_src=02:00:00:00:0a:02,ip,nw_src=10.0.0.50,actions=resubmit(,20)", StringComparison.Ordinal));
        // No other port may use it.
        Assert.DoesNotContain(flows, f => f.Contains("reg5=1,", StringComparison.Ordinal) && f.Contains("10.0.0.50", StringComparison.Ordinal));
        // One routing flow: the copy through the tunnel to the peer, then the local node.
        var routed = Assert.Single(flows, f => f.Contains("nw_dst=10.0.0.50", StringComparison.Ordinal));
        Assert.Equal($"cookie=0x200000001,table=30,priority=150,reg4=1,reg6=1,ip,dl_dst={Router},nw_dst=10.0.0.50,actions=set_field:{Router}->eth_src,dec_ttl," +
            "set_field:02:00:00:00:0a:09->eth_dst,set_field:1001->tun_id,output:10,set_field:02:00:00:00:0a:02->eth_dst,load:2->NXM_NX_REG7[],resubmit(,40)", routed);
        // The peer's own address is routed as before.
        Assert.Contains($"cookie=0x200000001,table=30,priority=150,reg4=1,reg6=1,ip,dl_dst={Router},nw_dst=10.0.0.9,actions=set_field:{Router}->eth_src," +
            "set_field:02:00:00:00:0a:09->eth_dst,dec_ttl,set_field:1001->tun_id,output:10", flows);

        // A server with neither node: both copies through the tunnels.
        var bystander = state with
        {
            Vpcs =
            [
                state.Vpcs[0] with
                {
                    RemoteHosts = ["172.31.0.2", "172.31.0.3"],
                    Subnets = [new SubnetGateway("10.0.0.0/24", "10.0.0.254")],
                    RemotePorts = [remote with { Ip = "10.0.0.50" }, new RemotePort("02:00:00:00:0a:0a", "172.31.0.3", "10.0.0.50")],
                },
                state.Vpcs[1],
            ],
            TunnelPorts = new Dictionary<string, int> { ["172.31.0.2"] = 10, ["172.31.0.3"] = 11 },
        };
        Assert.Contains($"cookie=0x200000001,table=30,priority=150,reg4=1,reg6=1,ip,dl_dst={Router},nw_dst=10.0.0.50,actions=set_field:{Router}->eth_src,dec_ttl," +
            "set_field:02:00:00:00:0a:09->eth_dst,set_field:1001->tun_id,output:10,set_field:02:00:00:00:0a:0a->eth_dst,set_field:1001->tun_id,output:11",
            Lines(FlowTable.Build(bystander)));
    }
}
