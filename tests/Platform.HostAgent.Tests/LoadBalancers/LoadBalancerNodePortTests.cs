using Platform.HostAgent.Agent;
using Platform.HostAgent.OpenVSwitch.Flows;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests.LoadBalancers;

/// <summary>
/// A load balancer node's port as the switch model and the flows carry it: an internet-facing node's public address NATed
/// 1:1 through the uplink like a guest's elastic IP; an internal node's never on the uplink.
/// </summary>
public sealed class LoadBalancerNodePortTests
{
    private const string Vpc = "vpc-0000000000000000c";

    private static DesiredLoadBalancerNode Node(string nodeId, string ip, string mac, string? publicIp) => new(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/front/00000000000000e1", nodeId, "application", Vpc, 7,
        "10.0.1.0/24", "10.0.1.1", ip, mac, publicIp,
        [new DesiredListener(80, "HTTP", new DesiredAction("forward", [new DesiredWeightedTargetGroup("tg", 1)]), [])], []);

    private static HostDesiredState Desired(params DesiredLoadBalancerNode[] nodes) => new("h-1", 5, [],
        [new VpcNetwork(Vpc, 7, [], null,
            [new DesiredSubnet("subnet-pub", "10.0.1.0/24", "10.0.1.1", [new DesiredRoute("0.0.0.0/0", RouteTarget.InternetGateway, "igw-1")])], "10.0.0.0/16")],
        LoadBalancerNodes: nodes, PublicNetwork: new DesiredPublicNetwork("198.51.100.0/24", "198.51.100.1"));

    private static string Flows(HostDesiredState desired, Func<string, bool>? holdsPublicAddress = null)
    {
        var state = GuestNetwork.StateFor(desired, "br-int", null, new UplinkOptions { Interface = "eth1", GatewayMac = "52:54:00:00:00:01" }, holdsPublicAddress);
        return FlowTable.Build(state with
        {
            Vpcs = [state.Vpcs[0] with { LocalVlan = 3 }],
            Ports = [.. state.Ports.Select((p, i) => p with { OfPort = i + 1 })],
            Uplink = state.Uplink! with { OfPort = 9 },
        });
    }

    [Fact]
    public void Given_an_internet_facing_node_Then_its_port_carries_its_public_address_and_the_uplink_translates_it_both_ways()
    {
        var desired = Desired(Node("eni-000000000000000e1", "10.0.1.10", "02:00:0a:00:01:0a", "198.51.100.30"), Node("eni-000000000000000e2", "10.0.1.11", "02:00:0a:00:01:0b", null));
        var state = GuestNetwork.StateFor(desired, "br-int", null, new UplinkOptions { Interface = "eth1" });
        Assert.Equal(["198.51.100.30", null], state.Ports.Select(p => p.PublicIp));

        var flows = Flows(desired);
        // ARP on the uplink for the address, packets to it to the node's private address (through its ingress rules), its replies out with it.
        Assert.Contains("table=70,priority=200,arp,arp_op=1,arp_tpa=198.51.100.30", flows, StringComparison.Ordinal);
        Assert.Contains("table=70,priority=100,ip,dl_dst=02:ef:c6:33:64:1e,nw_dst=198.51.100.30,actions=set_field:10.0.1.10->ip_dst", flows, StringComparison.Ordinal);
        Assert.Contains("table=71,priority=100,reg5=1,ip,nw_src=10.0.1.10,actions=set_field:198.51.100.30->ip_src,set_field:02:ef:c6:33:64:1e->eth_src", flows, StringComparison.Ordinal);
        // The internal node has no public address: nothing of its own on the uplink, nothing out through the internet gateway.
        Assert.DoesNotContain("nw_src=10.0.1.11,actions=set_field", flows, StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.1.11->ip_dst", flows, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_the_balancer_s_group_rules_Then_they_are_the_port_s_and_a_node_sent_without_any_stays_open()
    {
        var guarded = Node("eni-000000000000000e1", "10.0.1.10", "02:00:0a:00:01:0a", null) with
        {
            Ingress = [new DesiredFirewallRule("tcp", 80, 80, "0.0.0.0/0")],
            Egress = [new DesiredFirewallRule("tcp", 8080, 8080, "10.0.0.0/16")],
        };
        var open = Node("eni-000000000000000e2", "10.0.1.11", "02:00:0a:00:01:0b", null);
        var ports = GuestNetwork.StateFor(Desired(guarded, open), "br-int", null).Ports;

        static string Of(IReadOnlyList<SecurityRule> rules) => string.Join(" ", rules.Select(r => $"{r.Protocol}:{r.FromPort}-{r.ToPort}:{string.Join(',', r.Cidrs)}"));
        Assert.Equal("Tcp:80-80:0.0.0.0/0", Of(ports[0].Ingress));
        Assert.Equal("Tcp:8080-8080:10.0.0.0/16", Of(ports[0].Egress));
        Assert.Equal("All:-1--1:0.0.0.0/0", Of(ports[1].Ingress));
        Assert.Equal("All:-1--1:0.0.0.0/0", Of(ports[1].Egress));

        // In the flows: the guarded port (1) admits tcp/80 only, the open one (2) everything.
        var flows = Flows(Desired(guarded, open));
        Assert.Contains("table=41,priority=100,ct_state=+trk,reg7=1,tcp,tp_dst=80", flows, StringComparison.Ordinal);
        Assert.DoesNotContain("reg7=1,tcp,tp_dst=8080", flows, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_node_of_a_pair_Then_its_server_answers_for_the_public_address_only_while_it_is_MASTER_and_its_port_lets_VRRP_with_its_peer_alone_through()
    {
        var paired = Node("eni-000000000000000e1", "10.0.1.10", "02:00:0a:00:01:0a", "198.51.100.30") with
        {
            Ingress = [new DesiredFirewallRule("tcp", 80, 80, "0.0.0.0/0")],
            Egress = [new DesiredFirewallRule("tcp", 8080, 8080, "10.0.0.0/16")],
            Peer = new DesiredNodePeer("10.0.1.20", 42, 110),
        };
        var desired = Desired(paired);

        // BACKUP (or keepalived not known here): the address is not on this server's uplink at all.
        foreach (var holds in new Func<string, bool>?[] { null, _ => false })
        {
            var backup = GuestNetwork.StateFor(desired, "br-int", null, new UplinkOptions { Interface = "eth1" }, holds);
            Assert.Null(Assert.Single(backup.Ports).PublicIp);
            Assert.DoesNotContain("198.51.100.30", Flows(desired, holds), StringComparison.Ordinal);
        }

        // MASTER: translated as an alone node's is.
        var master = GuestNetwork.StateFor(desired, "br-int", null, new UplinkOptions { Interface = "eth1" }, id => id == paired.NodeId);
        Assert.Equal("198.51.100.30", Assert.Single(master.Ports).PublicIp);
        var flows = Flows(desired, id => id == paired.NodeId);
        Assert.Contains("table=70,priority=200,arp,arp_op=1,arp_tpa=198.51.100.30", flows, StringComparison.Ordinal);
        Assert.Contains("actions=set_field:10.0.1.10->ip_dst", flows, StringComparison.Ordinal);

        // VRRP with the peer's address, both ways, beside the tenant's rules; from anyone else it meets the tenant's rules alone.
        var port = Assert.Single(master.Ports);
        Assert.Contains(port.Ingress, r => r.Protocol == RuleProtocol.Vrrp && r.Cidrs.SequenceEqual(["10.0.1.20/32"]));
        Assert.Contains(port.Egress, r => r.Protocol == RuleProtocol.Vrrp && r.Cidrs.SequenceEqual(["10.0.1.20/32"]));
        Assert.Contains(port.Ingress, r => r is { Protocol: RuleProtocol.Tcp, FromPort: 80 });
        Assert.Contains("ip,nw_proto=112,nw_src=10.0.1.20", flows, StringComparison.Ordinal);
        Assert.Contains("ip,nw_proto=112,nw_dst=10.0.1.20", flows, StringComparison.Ordinal);
        Assert.DoesNotContain("nw_proto=112,nw_src=10.0.1.0/24", flows, StringComparison.Ordinal);

        // Alone (no peer): no election, the address is always here, no VRRP.
        var alone = GuestNetwork.StateFor(Desired(paired with { Peer = null }), "br-int", null, new UplinkOptions { Interface = "eth1" }, _ => false);
        Assert.Equal("198.51.100.30", Assert.Single(alone.Ports).PublicIp);
        Assert.DoesNotContain(Assert.Single(alone.Ports).Ingress, r => r.Protocol == RuleProtocol.Vrrp);
    }

    [Fact]
    public void Given_a_node_of_an_internal_pair_Then_its_port_may_send_from_the_pair_s_address_whatever_its_role_and_keepalived_holds_it_on_the_node_s_interface()
    {
        var node = Node("eni-000000000000000e2", "10.0.1.10", "02:00:0a:00:01:0a", null) with
        {
            Peer = new DesiredNodePeer("10.0.1.20", 42, 110),
            VirtualIpAddress = "10.0.1.50",
        };
        var desired = Desired(node);
        // The flows do not follow the role: the MASTER alone has the address in its namespace.
        foreach (var holds in new Func<string, bool>?[] { null, _ => false, _ => true })
        {
            var port = Assert.Single(GuestNetwork.StateFor(desired, "br-int", null, new UplinkOptions { Interface = "eth1" }, holds).Ports);
            Assert.Equal(["10.0.1.50"], port.VirtualIps);
            Assert.Null(port.PublicIp);
            var flows = Flows(desired, holds);
            Assert.Contains("arp,arp_spa=10.0.1.50,arp_sha=02:00:0a:00:01:0a", flows, StringComparison.Ordinal);
            Assert.Contains("ip,nw_src=10.0.1.50,actions=resubmit(,20)", flows, StringComparison.Ordinal);
            Assert.Contains("nw_dst=10.0.1.50,actions=", flows, StringComparison.Ordinal);
            // Never on the uplink.
            Assert.DoesNotContain(Lines(flows), f => f.Contains("table=70,", StringComparison.Ordinal) && f.Contains("10.0.1.50", StringComparison.Ordinal));
        }

        var keepalived = Platform.HostAgent.LoadBalancers.KeepalivedConfiguration.Write(node, node.Peer!, "elbp0", "/tmp/node");
        Assert.Contains("10.0.1.50/32 dev elbp0", keepalived, StringComparison.Ordinal);
        Assert.DoesNotContain("dev lo", keepalived, StringComparison.Ordinal);
        Assert.Contains("10.0.1.20", keepalived, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Platform.HostAgent.LoadBalancers.KeepalivedConfiguration.Write(node with { VirtualIpAddress = null }, node.Peer!, "elbp0", "/tmp/node"));
    }

    private static string[] Lines(string flows) => flows.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
