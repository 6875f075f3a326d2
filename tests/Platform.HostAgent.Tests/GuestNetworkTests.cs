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
