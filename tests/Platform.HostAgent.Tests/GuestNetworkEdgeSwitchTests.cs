using Platform.HostAgent.Agent;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.OpenVSwitch.Tests;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests;

/// <summary>
/// A host's desired state with issue 11's fields, as the API sends it, converged by the agent's <see cref="GuestNetwork"/>
/// on the real switch: the uplink from <c>Agent:Uplink:Interface</c>, an elastic IP with its security group, a NAT
/// gateway for a private subnet. Guests are namespaces on internal ports with the iface-id libvirt would give their NICs.
/// </summary>
[Collection(OpenVSwitchCollection.Name)]
public sealed class GuestNetworkEdgeSwitchTests : IAsyncLifetime, IAsyncDisposable
{
    private readonly string _suffix = Shell.NewSuffix();
    private readonly OpenVSwitchDatabase _database = new();
    private readonly List<TestGuest> _guests = [];

    private string Bridge => "bra" + _suffix;

    private string Outside => "aout-" + _suffix;

    private string Uplink => "aup" + _suffix;

    public async Task InitializeAsync()
    {
        await _database.EnsureBridgeAsync(new BridgeSpec(Bridge));
        await Shell.CheckAsync("ip", "netns", "add", Outside);
        await Shell.CheckAsync("ip", "link", "add", Uplink, "type", "veth", "peer", "name", "ext", "netns", Outside);
        await Shell.CheckAsync("ip", "-n", Outside, "addr", "add", "198.51.100.1/24", "dev", "ext");
        await Shell.CheckAsync("ip", "-n", Outside, "link", "set", "ext", "up");
        await Shell.CheckAsync("ip", "-n", Outside, "link", "set", "lo", "up");
        await Shell.CheckAsync("ip", "netns", "exec", Outside, "ethtool", "-K", "ext", "tx", "off");
        await Shell.CheckAsync("ip", "link", "set", Uplink, "up");
    }

    public async Task DisposeAsync()
    {
        foreach (var guest in _guests)
        {
            await guest.DeleteAsync();
        }

        await Shell.RunAsync("ovs-vsctl", "--if-exists", "del-br", Bridge);
        await Shell.RunAsync("ip", "link", "del", Uplink);
        await Shell.RunAsync("ip", "netns", "del", Outside);
        await _database.DisposeAsync();
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    private static DesiredInterface Nic(string eni, string mac, string ip, string subnet, string? publicIp, params DesiredFirewallRule[] ingress) =>
        new(eni, mac, ip, 24, ip[..ip.LastIndexOf('.')] + ".1", "vpc-w", 4242, ingress, [new DesiredFirewallRule("-1", null, null, "0.0.0.0/0")], publicIp, subnet);

    private static HostDesiredState Desired(params DesiredInterface[] nics) => new("h-1", 1,
        [.. nics.Select((nic, i) => new DesiredInstance($"i-0000000000000000{i + 1}", 1, 256, DesiredPower.Running, new GuestImage("ami-00000000000000001", ImageFormat.Kernel), "", 0, [nic]))],
        [new VpcNetwork("vpc-w", 4242, [], null,
        [
            new DesiredSubnet("subnet-pub", "10.0.1.0/24", "10.0.1.1", [new DesiredRoute("0.0.0.0/0", RouteTarget.InternetGateway, "igw-1")]),
            new DesiredSubnet("subnet-priv", "10.0.2.0/24", "10.0.2.1", [new DesiredRoute("0.0.0.0/0", RouteTarget.NatGateway, "nat-1", "10.0.1.9", "02:00:0a:00:01:09")]),
        ], "10.0.0.0/16")],
        NatGateways: [new DesiredNatGateway("nat-1", "vpc-w", 4242, "10.0.1.0/24", "10.0.1.1", "10.0.1.9", "02:00:0a:00:01:09", "198.51.100.20")],
        PublicNetwork: new DesiredPublicNetwork("198.51.100.0/24", "198.51.100.1"));

    [OvsFact]
    public async Task Given_a_desired_state_with_an_elastic_ip_and_a_nat_gateway_Then_the_agent_converges_the_switch_to_it()
    {
        var web = Nic("eni-1", "02:00:0a:00:01:05", "10.0.1.5", "subnet-pub", "198.51.100.10", new DesiredFirewallRule("icmp", null, null, "0.0.0.0/0"));
        var hidden = Nic("eni-2", "02:00:0a:00:02:05", "10.0.2.5", "subnet-priv", null);
        foreach (var (nic, name) in new[] { (web, "aw"), (hidden, "ah") })
        {
            _guests.Add(await TestGuest.AddAsync(_database, Bridge, name + _suffix, nic.MacAddress, nic.PrivateIpAddress, prefix: 24, gateway: nic.Gateway,
                interfaceId: GuestInterfaceId.For(nic.InterfaceId)));
        }

        var network = new GuestNetwork(new IntegrationBridge(_database), Bridge, "127.0.0.1", new UplinkOptions { Interface = Uplink });
        var result = await network.ApplyAsync(Desired(web, hidden), CancellationToken.None);
        Assert.Empty(result.PendingInterfaces);
        Assert.Null(result.UplinkProblem);

        Assert.True(await Shell.PingAsync(Outside, "198.51.100.10", 2, 2), "outside → elastic IP, ICMP allowed by the group");
        Assert.True(await _guests[0].PingAsync("198.51.100.1", 2), "the public guest goes out");
        Assert.True(await _guests[1].PingAsync("198.51.100.1", 2), "the private guest goes out through the NAT gateway");
        await using (var session = await TcpSession.TryOpenAsync(new TestGuest("out", Outside, "", "198.51.100.1"), _guests[0] with { Ip = "198.51.100.10" }, 22, TimeSpan.FromSeconds(3)))
        {
            Assert.Null(session);
        }

        // The association ends: the address is gone from the uplink, the guest is back to a private one.
        await network.ApplyAsync(Desired(web with { PublicIpAddress = null }, hidden), CancellationToken.None);
        Assert.False(await Shell.PingAsync(Outside, "198.51.100.10", 1, 2), "the elastic IP is disassociated");
        Assert.False(await _guests[0].PingAsync("198.51.100.1", 1), "a public subnet's guest without an elastic IP gets nothing out");
    }
}
