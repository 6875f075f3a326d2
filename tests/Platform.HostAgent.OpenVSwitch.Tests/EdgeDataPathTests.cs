using System.Diagnostics;
using System.Globalization;
using Platform.HostAgent.OpenVSwitch.Flows;

namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>
/// The network edge with real packets through the machine's ovs-vswitchd: an "outside" network namespace stands for the
/// provider network (its router 198.51.100.1 on a veth whose other end is the bridge's uplink), test guests are internal
/// ports in namespaces. Elastic IPs, routes and a NAT gateway as <see cref="EdgeFlows"/> makes them.
/// </summary>
[Collection(OpenVSwitchCollection.Name)]
public sealed class EdgeDataPathTests(ITestOutputHelper output) : IAsyncLifetime, IAsyncDisposable
{
    private const string GatewayIp = "198.51.100.1";
    private const string VpcCidr = "10.0.0.0/16";
    private readonly string _suffix = Shell.NewSuffix();
    private readonly OpenVSwitchDatabase _database = new();
    private readonly List<TestGuest> _guests = [];

    private string Bridge => "bre" + _suffix;

    private string UplinkDevice => "upl" + _suffix;

    private string Outside => "out-" + _suffix;

    /// <summary>The outside router as a test guest: nc and ping run in its namespace.</summary>
    private TestGuest OutsideHost => new("out", Outside, "", GatewayIp);

    public async Task InitializeAsync()
    {
        await _database.EnsureBridgeAsync(new BridgeSpec(Bridge));
        await Shell.CheckAsync("ip", "netns", "add", Outside);
        await Shell.CheckAsync("ip", "link", "add", UplinkDevice, "type", "veth", "peer", "name", "ext" + _suffix);
        await Shell.CheckAsync("ip", "link", "set", "ext" + _suffix, "netns", Outside);
        await Shell.CheckAsync("ip", "-n", Outside, "addr", "add", GatewayIp + "/24", "dev", "ext" + _suffix);
        await Shell.CheckAsync("ip", "-n", Outside, "link", "set", "ext" + _suffix, "up");
        // A veth hands the userspace datapath TCP/UDP with checksums left to offload (CHECKSUM_PARTIAL); after NAT they
        // would reach the guest wrong. A NIC's packets come off the wire whole: only the lab's veth needs this.
        await Shell.CheckAsync("ip", "netns", "exec", Outside, "ethtool", "-K", "ext" + _suffix, "tx", "off");
        await Shell.CheckAsync("ip", "-n", Outside, "link", "set", "lo", "up");
        await Shell.CheckAsync("ip", "link", "set", UplinkDevice, "up");
    }

    public async Task DisposeAsync()
    {
        foreach (var guest in _guests)
        {
            await guest.DeleteAsync();
        }

        await Shell.RunAsync("ovs-vsctl", "--if-exists", "del-br", Bridge);
        await Shell.RunAsync("ip", "link", "del", UplinkDevice);
        await Shell.RunAsync("ip", "netns", "del", Outside);
        await _database.DisposeAsync();
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    private async Task<TestGuest> Guest(string name, string mac, string ip, string gateway)
    {
        var guest = await TestGuest.AddAsync(_database, Bridge, name + _suffix, mac, ip, prefix: 24, gateway: gateway);
        _guests.Add(guest);
        return guest;
    }

    private static PortSecurity Port(TestGuest guest, string? publicIp, params SecurityRule[] ingress) => new()
    {
        InterfaceId = guest.Name,
        Mac = guest.Mac,
        Ip = guest.Ip,
        VpcId = "vpc-e",
        Ingress = ingress,
        Egress = [SecurityRule.AllTraffic("0.0.0.0/0")],
        PublicIp = publicIp,
    };

    private NetworkDesiredState State(IReadOnlyList<SubnetGateway> subnets, IReadOnlyList<NatGatewayState>? nats, params PortSecurity[] ports) => new()
    {
        Bridge = Bridge,
        Vpcs = [new VpcIsolation { VpcId = "vpc-e", LocalVlan = 301, Vni = 9301, CidrBlock = VpcCidr, Subnets = subnets }],
        Ports = ports,
        NatGateways = nats ?? [],
        Uplink = new UplinkState { PortName = UplinkDevice, GatewayIp = GatewayIp },
    };

    private static readonly SubnetGateway PublicSubnet = new("10.0.1.0/24", "10.0.1.1") { Routes = [new SubnetRoute("0.0.0.0/0", RouteKind.InternetGateway)] };

    [OvsFact]
    public async Task Given_an_elastic_ip_Then_the_outside_reaches_the_guest_only_through_its_ingress_rules_and_the_guest_goes_out_as_the_elastic_ip()
    {
        var g1 = await Guest("e1", "02:00:0a:00:01:05", "10.0.1.5", "10.0.1.1");
        var g2 = await Guest("e2", "02:00:0a:00:01:06", "10.0.1.6", "10.0.1.1");
        var icmp = SecurityRule.AnyIcmp("0.0.0.0/0");
        var bridge = new IntegrationBridge(_database);
        var closed = State([PublicSubnet], null, Port(g1, "198.51.100.10", icmp), Port(g2, null, icmp));
        await bridge.ApplyAsync(closed);

        // The gateway's MAC was learnt by the switch, without configuration, and recorded on the bridge.
        var ids = await _database.GetBridgeExternalIdsAsync(Bridge);
        var outsideMac = (await Shell.CheckAsync("ip", "-n", Outside, "-br", "link", "show", "ext" + _suffix)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
        Assert.Equal(outsideMac, ids.GetValueOrDefault(UplinkEdge.GatewayMacKeyPrefix + GatewayIp));

        Assert.True(await Shell.PingAsync(Outside, "198.51.100.10", 2, 2), "outside → elastic IP (ICMP allowed in)");
        Assert.True(await g1.PingAsync(GatewayIp, 2), "the guest with an elastic IP reaches the outside");
        Assert.False(await g2.PingAsync(GatewayIp), "a guest without an elastic IP gets nothing through the internet gateway");
        Assert.True(await g1.PingAsync(g2.Ip), "inside the VPC as before");

        // SSH's port: no rule, no connection (it times out: dropped, not refused).
        var eip = g1 with { Ip = "198.51.100.10" };
        await using (var refused = await TcpSession.TryOpenAsync(OutsideHost, eip, 22, TimeSpan.FromSeconds(3)))
        {
            Assert.Null(refused);
        }

        await bridge.ApplyAsync(State([PublicSubnet], null, Port(g1, "198.51.100.10", icmp, SecurityRule.Tcp(22, 22, "0.0.0.0/0")), Port(g2, null, icmp)));
        await using (var ssh = await TcpSession.TryOpenAsync(OutsideHost, eip, 22, TimeSpan.FromSeconds(5)))
        {
            Assert.NotNull(ssh);
            Assert.True(await ssh.ExchangeAsync("hello", TimeSpan.FromSeconds(3)));
            // The guest sees the outside's own address: only the destination was translated.
            var seen = await PeersAsync(g1.Namespace, 22);
            Assert.Contains(GatewayIp + ":", seen, StringComparison.Ordinal);
        }

        // The guest opens a connection out: the outside server sees the elastic IP as its peer.
        await using (var outbound = await TcpSession.TryOpenAsync(g1, OutsideHost, 8080, TimeSpan.FromSeconds(5)))
        {
            Assert.NotNull(outbound);
            Assert.True(await outbound.ExchangeAsync("out", TimeSpan.FromSeconds(3)));
            var seen = await PeersAsync(Outside, 8080);
            output.WriteLine("outside sees: " + seen.Trim());
            Assert.Contains("198.51.100.10:", seen, StringComparison.Ordinal);
            Assert.DoesNotContain("10.0.1.5", seen, StringComparison.Ordinal);
        }

        // A restarted agent (a fresh adapter) has the gateway's MAC from the bridge's record at once: the same flows, no new ARP.
        await using var restarted = new OpenVSwitchDatabase();
        var again = await new IntegrationBridge(restarted).ApplyAsync(State([PublicSubnet], null, Port(g1, "198.51.100.10", icmp, SecurityRule.Tcp(22, 22, "0.0.0.0/0")), Port(g2, null, icmp)));
        Assert.Contains($"->eth_dst,dec_ttl,output:", again.Flows, StringComparison.Ordinal);
        Assert.True(await g1.PingAsync(GatewayIp, 2), "out again after the restart");

        // Intra-VPC traffic never reaches the uplink: ten echo requests and their replies inside the VPC add nothing there.
        // The outside may still get a stray control packet in that time (a late FIN of the sessions above, an ARP
        // refresh), so fewer than ten is the bound; a leak of the pings would add twenty.
        var before = await RxPacketsAsync();
        Assert.True(await g1.PingAsync(g2.Ip, 1, 10));
        Assert.InRange(await RxPacketsAsync() - before, 0, 9);
    }

    [OvsFact]
    public async Task Given_an_elastic_ip_moved_to_another_port_Then_the_first_reply_comes_from_the_new_one_within_a_second()
    {
        var g1 = await Guest("m1", "02:00:0a:00:01:15", "10.0.1.15", "10.0.1.1");
        var g2 = await Guest("m2", "02:00:0a:00:01:16", "10.0.1.16", "10.0.1.1");
        var icmp = SecurityRule.AnyIcmp("0.0.0.0/0");
        var bridge = new IntegrationBridge(_database);
        const string Eip = "198.51.100.30";
        // Each guest answers pings only while it holds the address, so the first reply after a move is the new holder's.
        await Shell.CheckAsync("ip", "netns", "exec", g2.Namespace, "sysctl", "-q", "net.ipv4.icmp_echo_ignore_all=1");
        await bridge.ApplyAsync(State([PublicSubnet], null, Port(g1, Eip, icmp), Port(g2, null, icmp)));
        Assert.True(await Shell.PingAsync(Outside, Eip, 2, 2));

        var figures = new List<double>();
        var afterApply = new List<double>();
        var holder = g1;
        for (var move = 0; move < 6; move++)
        {
            var (next, previous) = holder == g1 ? (g2, g1) : (g1, g2);
            await Shell.CheckAsync("ip", "netns", "exec", next.Namespace, "sysctl", "-q", "net.ipv4.icmp_echo_ignore_all=0");
            await Shell.CheckAsync("ip", "netns", "exec", previous.Namespace, "sysctl", "-q", "net.ipv4.icmp_echo_ignore_all=1");
            var state = State([PublicSubnet], null, Port(g1, next == g1 ? Eip : null, icmp), Port(g2, next == g2 ? Eip : null, icmp));
            var (apply, firstReply) = await DataPathTests.ChangeDuringPing(OutsideHost, Eip, () => bridge.ApplyAsync(state), expectReplies: true);
            figures.Add(firstReply.TotalMilliseconds);
            afterApply.Add((firstReply - apply).TotalMilliseconds);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"move {move}: apply {apply.TotalMilliseconds:F0} ms, first reply from the new holder after {firstReply.TotalMilliseconds:F0} ms"));
            holder = next;
        }

        figures.Sort();
        var p50 = figures[figures.Count / 2];
        var worst = figures[^1];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"elastic IP move to first reply: p50 {p50:F0} ms, worst {worst:F0} ms over {figures.Count} moves (10 ms ping interval)"));
        Benchmark.Record("eip_move_first_reply_p50_ms", p50, "eip_move_first_reply_worst_ms", worst, "moves", figures.Count);
        // The target (under a second from the apply's start) is judged by bench/edge.sh, not here: on CI's two cores beside
        // the rest of the suite an apply alone has taken over a second. What the test holds is that the gratuitous ARP moves
        // the address as soon as the flows are in, where aging would take minutes.
        Assert.True(afterApply.Max() < 5000, $"worst {worst} ms; after the apply at most {afterApply.Max():F0} ms");
    }

    [OvsFact]
    public async Task Given_a_private_subnet_routed_to_a_nat_gateway_Then_its_guest_reaches_the_outside_as_the_gateways_elastic_ip_and_nothing_comes_in()
    {
        var g = await Guest("n1", "02:00:0a:00:02:05", "10.0.2.5", "10.0.2.1");
        var bridge = new IntegrationBridge(_database);
        var nat = new NatGatewayState("nat-1", "vpc-e", "10.0.1.9", "02:00:0a:00:01:09", "198.51.100.20");
        var privateSubnet = new SubnetGateway("10.0.2.0/24", "10.0.2.1") { Routes = [new SubnetRoute("0.0.0.0/0", RouteKind.NatGateway, nat.PrivateIp, nat.Mac)] };
        // No ingress rule at all: replies pass because the guest's own connection is tracked.
        await bridge.ApplyAsync(State([PublicSubnet, privateSubnet], [nat], Port(g, null)));

        Assert.True(await g.PingAsync(GatewayIp, 2, 2), "ICMP out through the NAT gateway and back");
        await using (var session = await TcpSession.TryOpenAsync(g, OutsideHost, 8080, TimeSpan.FromSeconds(5)))
        {
            Assert.NotNull(session);
            Assert.True(await session.ExchangeAsync("through nat", TimeSpan.FromSeconds(3)));
            var seen = await PeersAsync(Outside, 8080);
            output.WriteLine("outside sees: " + seen.Trim());
            Assert.Contains("198.51.100.20:", seen, StringComparison.Ordinal);
        }

        Assert.False(await Shell.PingAsync(Outside, "198.51.100.20", 1, 2), "nothing opens a connection in through a NAT gateway");
        // The gateway's private address answers ARP in the VPC and stays there: a blackhole route stops the subnet at once.
        var blackholed = privateSubnet with { Routes = [new SubnetRoute("0.0.0.0/0", RouteKind.Blackhole)] };
        await bridge.ApplyAsync(State([PublicSubnet, blackholed], [nat], Port(g, null)));
        Assert.False(await g.PingAsync(GatewayIp, 1, 2), "a blackhole route drops");
    }

    [OvsFact]
    public async Task Given_an_uplink_device_that_does_not_exist_Then_the_vpc_still_works_and_the_problem_is_reported()
    {
        var g1 = await Guest("x1", "02:00:0a:00:01:25", "10.0.1.25", "10.0.1.1");
        var g2 = await Guest("x2", "02:00:0a:00:01:26", "10.0.1.26", "10.0.1.1");
        var icmp = SecurityRule.AnyIcmp("0.0.0.0/0");
        var state = State([PublicSubnet], null, Port(g1, "198.51.100.40", icmp), Port(g2, null, icmp));
        var result = await new IntegrationBridge(_database).ApplyAsync(state with { Uplink = state.Uplink! with { PortName = "nosuch" + _suffix } });
        output.WriteLine(result.UplinkProblem);
        Assert.Contains("nosuch" + _suffix, result.UplinkProblem, StringComparison.Ordinal);
        Assert.True(await g1.PingAsync(g2.Ip, 2), "the VPC's own traffic is untouched");
        Assert.False(await Shell.PingAsync(Outside, "198.51.100.40", 1), "no public networking without the uplink");
    }

    [OvsFact]
    public async Task Given_iperf3_Then_throughput_through_an_elastic_ip_and_a_nat_gateway_is_measured_beside_the_same_guest_inside_its_vpc()
    {
        var server = await Guest("i1", "02:00:0a:00:01:35", "10.0.1.35", "10.0.1.1");
        var peer = await Guest("i2", "02:00:0a:00:01:36", "10.0.1.36", "10.0.1.1");
        var hidden = await Guest("i3", "02:00:0a:00:02:37", "10.0.2.37", "10.0.2.1");
        var nat = new NatGatewayState("nat-b", "vpc-e", "10.0.1.9", "02:00:0a:00:01:09", "198.51.100.21");
        var privateSubnet = new SubnetGateway("10.0.2.0/24", "10.0.2.1") { Routes = [new SubnetRoute("0.0.0.0/0", RouteKind.NatGateway, nat.PrivateIp, nat.Mac)] };
        var iperf = SecurityRule.Tcp(5201, 5201, "0.0.0.0/0");
        await new IntegrationBridge(_database).ApplyAsync(State([PublicSubnet, privateSubnet], [nat],
            Port(server, "198.51.100.35", iperf), Port(peer, null), Port(hidden, null)));

        // The same guest as iperf3 server, reached inside the VPC and through its elastic IP; the NAT gateway's path
        // the other way round (the private guest is the client, the outside the server).
        var inVpc = await IperfAsync(peer.Namespace, server.Namespace, server.Ip);
        var throughEip = await IperfAsync(Outside, server.Namespace, "198.51.100.35");
        var throughEipOut = await IperfAsync(Outside, server.Namespace, "198.51.100.35", reverse: true);
        var throughNat = await IperfAsync(hidden.Namespace, Outside, GatewayIp);
        var report = string.Create(CultureInfo.InvariantCulture,
            $"TCP throughput, Mbit/s: inside the VPC {inVpc:F0}, through the elastic IP in {throughEip:F0} ({throughEip / inVpc:P0}) and out {throughEipOut:F0} ({throughEipOut / inVpc:P0}), " +
            $"through the NAT gateway out {throughNat:F0} ({throughNat / inVpc:P0})");
        output.WriteLine(report);
        Benchmark.Record("in_vpc_mbps", inVpc, "eip_in_mbps", throughEip, "eip_out_mbps", throughEipOut, "nat_mbps", throughNat);
        Assert.True(inVpc > 0 && throughEip > 0 && throughEipOut > 0 && throughNat > 0, report);
    }

    /// <summary>iperf3 for 3 s from one namespace to a server started in another (<paramref name="reverse"/>: the server sends); the receiver's Mbit/s.</summary>
    private static async Task<double> IperfAsync(string clientNamespace, string serverNamespace, string address, bool reverse = false)
    {
        var server = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ip", ["netns", "exec", serverNamespace, "iperf3", "-s", "-1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            for (var attempt = 0; (await Shell.RunAsync("ip", "netns", "exec", serverNamespace, "ss", "-Hltn", "sport = :5201")).Output.Trim().Length == 0; attempt++)
            {
                Assert.True(attempt < 100, "iperf3 did not listen");
                await Task.Delay(20);
            }

            var json = await Shell.CheckAsync("ip", ["netns", "exec", clientNamespace, "iperf3", "-c", address, "-t", "3", "-J", .. reverse ? new[] { "-R" } : []]);
            using var document = System.Text.Json.JsonDocument.Parse(json);
            return document.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 1e6;
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
            }

            await server.WaitForExitAsync();
            server.Dispose();
        }
    }

    /// <summary>The established connections on a local port, addresses as a.b.c.d:port (busybox nc listens dual-stack: [::ffff:a.b.c.d]).</summary>
    private static async Task<string> PeersAsync(string ns, int port) =>
        (await Shell.CheckAsync("ip", "netns", "exec", ns, "ss", "-Htn", "state", "established", $"sport = :{port}")).Replace("[::ffff:", "", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal);

    private async Task<long> RxPacketsAsync()
    {
        var text = await Shell.CheckAsync("ip", "netns", "exec", Outside, "cat", $"/sys/class/net/ext{_suffix}/statistics/rx_packets");
        return long.Parse(text.Trim(), CultureInfo.InvariantCulture);
    }
}
