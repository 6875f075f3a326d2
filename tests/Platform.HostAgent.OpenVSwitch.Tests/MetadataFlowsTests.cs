using System.Net;
using Platform.HostAgent.OpenVSwitch.Flows;

namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>The metadata service's flows as text: who is taken to the responder, from which address, and how replies come back.</summary>
public sealed class MetadataFlowsTests
{
    private static NetworkDesiredState WithService(params string[] answered) =>
        FlowTableTests.TwoVpcs() with { Metadata = new MetadataService(20, answered) };

    private static string[] Lines(NetworkDesiredState state) => FlowTable.Build(state).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Given_an_answered_port_Then_its_requests_go_to_the_responder_from_the_address_of_its_OpenFlow_port_after_anti_spoofing()
    {
        var flows = Lines(WithService("eni-1", "eni-2"));
        var request = Assert.Single(flows, f => f.Contains("reg5=2,tcp,nw_dst=169.254.169.254,tp_dst=80", StringComparison.Ordinal));
        // Table 20 is reached only through the anti-spoofing table's flows, which have checked the port's MAC and IP.
        Assert.Contains("table=20,priority=300,reg4=1,", request, StringComparison.Ordinal);
        Assert.EndsWith("actions=set_field:169.254.0.2->ip_src,set_field:02:a9:fe:a9:fe:01->eth_src,set_field:02:a9:fe:a9:fe:fe->eth_dst,output:20", request,
            StringComparison.Ordinal);
        var reply = Assert.Single(flows, f => f.Contains("in_port=20,tcp,nw_src=169.254.169.254,tp_src=80,nw_dst=169.254.0.2,", StringComparison.Ordinal));
        Assert.EndsWith("actions=set_field:10.0.0.2->ip_dst,set_field:02:ee:00:03:e9:01->eth_src,set_field:02:00:00:00:0a:02->eth_dst,output:2", reply,
            StringComparison.Ordinal);
        // No flow sends the responder's traffic anywhere but to the port its destination address names.
        Assert.All(flows.Where(f => f.Contains("in_port=20,", StringComparison.Ordinal)), f =>
        {
            var port = f[(f.IndexOf("nw_dst=169.254.0.", StringComparison.Ordinal) + 17)..].Split(',')[0];
            Assert.EndsWith("output:" + port, f, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Given_a_port_not_answered_or_no_service_Then_no_flow_takes_its_packets_to_the_responder()
    {
        var flows = Lines(WithService("eni-1"));
        Assert.DoesNotContain(flows, f => f.Contains("reg5=2,tcp,nw_dst=169.254.169.254", StringComparison.Ordinal));
        Assert.DoesNotContain(flows, f => f.Contains("nw_dst=169.254.0.2,", StringComparison.Ordinal));
        Assert.DoesNotContain(flows, f => f.Contains("reg5=3,", StringComparison.Ordinal) && f.Contains("169.254.169.254", StringComparison.Ordinal));
        Assert.Equal(FlowTable.Build(FlowTableTests.TwoVpcs()), FlowTable.Build(FlowTableTests.TwoVpcs() with { Metadata = null }));
        Assert.DoesNotContain("169.254", FlowTable.Build(FlowTableTests.TwoVpcs()), StringComparison.Ordinal);
    }

    [Fact]
    public void Given_an_ARP_for_the_service_Then_the_VPC_router_answers_it_only_to_answered_ports()
    {
        var flows = Lines(WithService("eni-3"));
        var arp = Assert.Single(flows, f => f.Contains("arp_tpa=169.254.169.254", StringComparison.Ordinal));
        Assert.Contains("table=30,priority=300,reg4=1,reg5=3,arp,arp_op=1", arp, StringComparison.Ordinal);
        Assert.Contains("set_field:02:ee:00:03:ea:01->eth_src", arp, StringComparison.Ordinal);   // VPC B's router
    }

    [Theory]
    [InlineData(1, "169.254.0.1")]
    [InlineData(255, "169.254.0.255")]
    [InlineData(256, "169.254.1.0")]
    [InlineData(32767, "169.254.127.255")]
    public void Given_an_OpenFlow_port_Then_its_address_maps_back_to_it(int ofPort, string address)
    {
        Assert.Equal(address, MetadataFlows.SourceFor(ofPort));
        Assert.Equal(ofPort, MetadataFlows.OfPortFor(IPAddress.Parse(address)));
        Assert.Equal(ofPort, MetadataFlows.OfPortFor(IPAddress.Parse(address).MapToIPv6()));
    }

    [Theory]
    [InlineData("169.254.0.0")]
    [InlineData("169.254.128.5")]
    [InlineData("169.254.169.1")]
    [InlineData("169.254.169.254")]
    [InlineData("10.0.0.2")]
    [InlineData("::1")]
    public void Given_any_other_peer_Then_it_stands_for_no_port(string address) => Assert.Null(MetadataFlows.OfPortFor(IPAddress.Parse(address)));

    [Fact]
    public void Given_a_port_beyond_the_address_block_Then_it_gets_no_flows()
    {
        var state = FlowTableTests.TwoVpcs() with
        {
            Ports = [.. FlowTableTests.TwoVpcs().Ports, new PortSecurity { InterfaceId = "eni-9", OfPort = 40000, Mac = "02:00:00:00:0a:09", Ip = "10.0.0.9", VpcId = "vpc-a" }],
            Metadata = new MetadataService(20, ["eni-9"]),
        };
        Assert.DoesNotContain("169.254", FlowTable.Build(state), StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => MetadataFlows.SourceFor(40000));
    }

    [Fact]
    public void Given_a_managed_port_Then_its_TCP_to_the_relay_port_goes_to_the_service_and_back_and_no_other_port_gets_there()
    {
        // eni-1 is answered by the metadata service only, eni-2 is a managed guest with the metadata service off.
        var state = FlowTableTests.TwoVpcs() with { Metadata = new MetadataService(20, ["eni-1"], new ManagementRelayService(8443, ["eni-2"])) };
        var flows = Lines(state);

        var request = Assert.Single(flows, f => f.Contains("reg5=2,tcp,nw_dst=169.254.169.254,tp_dst=8443", StringComparison.Ordinal));
        Assert.Contains("table=20,priority=300,reg4=1,", request, StringComparison.Ordinal);
        Assert.EndsWith("actions=set_field:169.254.0.2->ip_src,set_field:02:a9:fe:a9:fe:01->eth_src,set_field:02:a9:fe:a9:fe:fe->eth_dst,output:20", request,
            StringComparison.Ordinal);
        var reply = Assert.Single(flows, f => f.Contains("in_port=20,tcp,nw_src=169.254.169.254,tp_src=8443,nw_dst=169.254.0.2,", StringComparison.Ordinal));
        Assert.EndsWith("output:2", reply, StringComparison.Ordinal);
        // The managed port reaches the relay only, not the metadata responder (its endpoint is off); it can ask the service's MAC.
        Assert.DoesNotContain(flows, f => f.Contains("reg5=2,tcp,nw_dst=169.254.169.254,tp_dst=80", StringComparison.Ordinal));
        Assert.Single(flows, f => f.Contains("reg5=2,arp,arp_op=1,arp_tpa=169.254.169.254", StringComparison.Ordinal));
        // The tenant's ports (1 answered by the metadata service, 3 not at all) have no way to the relay's port.
        Assert.DoesNotContain(flows, f => f.Contains("tp_dst=8443", StringComparison.Ordinal) && !f.Contains("reg5=2,", StringComparison.Ordinal));
        Assert.DoesNotContain(flows, f => f.Contains("tp_src=8443", StringComparison.Ordinal) && !f.EndsWith("output:2", StringComparison.Ordinal));
        Assert.Single(flows, f => f.Contains("reg5=1,tcp,nw_dst=169.254.169.254,tp_dst=80", StringComparison.Ordinal));
    }

    [Fact]
    public void Given_a_port_both_answered_and_managed_Then_it_has_both_services_and_one_ARP_answer()
    {
        var flows = Lines(FlowTableTests.TwoVpcs() with { Metadata = new MetadataService(20, ["eni-2"], new ManagementRelayService(8443, ["eni-2"])) });
        Assert.Single(flows, f => f.Contains("reg5=2,tcp,nw_dst=169.254.169.254,tp_dst=80", StringComparison.Ordinal));
        Assert.Single(flows, f => f.Contains("reg5=2,tcp,nw_dst=169.254.169.254,tp_dst=8443", StringComparison.Ordinal));
        Assert.Single(flows, f => f.Contains("reg5=2,arp,", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(0)]
    [InlineData(70000)]
    public void Given_a_relay_port_that_is_the_metadata_services_or_no_port_Then_no_relay_flow_is_made(int port)
    {
        var flows = FlowTable.Build(FlowTableTests.TwoVpcs() with { Metadata = new MetadataService(20, [], new ManagementRelayService(port, ["eni-2"])) });
        Assert.DoesNotContain("169.254", flows, StringComparison.Ordinal);
    }
}
