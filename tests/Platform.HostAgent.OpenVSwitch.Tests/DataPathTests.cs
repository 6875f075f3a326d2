using System.Diagnostics;
using System.Globalization;
using Platform.HostAgent.OpenVSwitch.Flows;

namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>
/// Real packets through the machine's ovs-vswitchd (userspace datapath): test guests are internal
/// ports moved into network namespaces, pinging each other through the flows of <see cref="FlowTable"/>.
/// </summary>
[Collection(OpenVSwitchCollection.Name)]
public sealed class DataPathTests(ITestOutputHelper output) : IAsyncLifetime, IAsyncDisposable
{
    private static readonly string[] Anywhere = ["0.0.0.0/0"];
    private readonly string _suffix = Shell.NewSuffix();
    private readonly OpenVSwitchDatabase _database = new();
    private readonly List<TestGuest> _guests = [];

    private string Bridge => "brd" + _suffix;

    public async Task InitializeAsync() => await _database.EnsureBridgeAsync(new BridgeSpec(Bridge));

    public async Task DisposeAsync()
    {
        foreach (var guest in _guests)
        {
            await guest.DeleteAsync();
        }

        await Shell.RunAsync("ovs-vsctl", "--if-exists", "del-br", Bridge);
        await _database.DisposeAsync();
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    private async Task<TestGuest> Guest(string name, string mac, string ip, int prefix = 16, string? gateway = null)
    {
        var guest = await TestGuest.AddAsync(_database, Bridge, name + _suffix, mac, ip, prefix: prefix, gateway: gateway);
        _guests.Add(guest);
        return guest;
    }

    private static PortSecurity Port(TestGuest guest, string vpc, params SecurityRule[] ingress) => new()
    {
        InterfaceId = guest.Name,
        Mac = guest.Mac,
        Ip = guest.Ip,
        VpcId = vpc,
        Ingress = ingress,
        Egress = [SecurityRule.AllTraffic(Anywhere)],
    };

    private NetworkDesiredState State(params PortSecurity[] ports) => new()
    {
        Bridge = Bridge,
        Vpcs = [new VpcIsolation { VpcId = "vpc-a", LocalVlan = 101, Vni = 5001 }, new VpcIsolation { VpcId = "vpc-b", LocalVlan = 102, Vni = 5002 }],
        Ports = ports,
    };

    [OvsFact]
    public async Task Given_two_vpcs_with_the_same_cidr_Then_only_the_same_vpc_is_reached_and_groups_are_stateful()
    {
        var a1 = await Guest("a1", "02:00:0a:00:00:01", "10.0.0.1");
        var a2 = await Guest("a2", "02:00:0a:00:00:02", "10.0.0.2");
        var b1 = await Guest("b1", "02:00:0b:00:00:03", "10.0.0.3");
        var b2 = await Guest("b2", "02:00:0b:00:00:01", "10.0.0.1");
        var icmp = SecurityRule.AnyIcmp("10.0.0.0/16");
        var result = await new IntegrationBridge(_database).ApplyAsync(State(
            Port(a1, "vpc-a"), Port(a2, "vpc-a", icmp), Port(b1, "vpc-b", icmp), Port(b2, "vpc-b", icmp)));
        Assert.Empty(result.PendingInterfaces);
        Assert.Equal("101", (await Shell.CheckAsync("ovs-vsctl", "get", "port", a1.Name, "tag")).Trim());
        Assert.Equal("102", (await Shell.CheckAsync("ovs-vsctl", "get", "port", b2.Name, "tag")).Trim());

        Assert.True(await a1.PingAsync(a2.Ip), "a1 → a2: same VPC, ICMP allowed in");
        Assert.True(await b2.PingAsync(b1.Ip), "b2 → b1: same VPC (B reuses A's CIDR, and b2 even a1's address)");
        Assert.False(await a1.PingAsync(b1.Ip), "a1 → b1: another VPC, even though b1's rules would allow a1's address");
        Assert.False(await a2.PingAsync(a1.Ip), "a2 → a1: a1 allows nothing in; its pings out worked because replies are tracked");
        Assert.False(await b1.PingAsync(a2.Ip), "b1 → 10.0.0.2: nobody has it in VPC B");

        // Anti-spoofing: the same guest sending from an address that is not its own gets nowhere.
        await Shell.CheckAsync("ip", "-n", a1.Namespace, "addr", "add", "10.0.0.9/16", "dev", a1.Name);
        var (spoofed, _) = await Shell.RunAsync("ip", "netns", "exec", a1.Namespace, "ping", "-n", "-q", "-c", "1", "-W", "1", "-I", "10.0.0.9", a2.Ip);
        Assert.NotEqual(0, spoofed);
        Assert.True(await a1.PingAsync(a2.Ip), "a1 from its own address still works");
    }

    [OvsFact]
    public async Task Given_guests_in_two_subnets_of_a_vpc_Then_they_reach_each_other_through_the_vpc_router()
    {
        var a1 = await Guest("r1", "02:00:0a:00:01:05", "10.0.1.5", 24, "10.0.1.1");
        var a2 = await Guest("r2", "02:00:0a:00:02:05", "10.0.2.5", 24, "10.0.2.1");
        var b1 = await Guest("r3", "02:00:0b:00:02:06", "10.0.2.6", 24, "10.0.2.1");
        var icmp = SecurityRule.AnyIcmp("10.0.0.0/16");
        var state = State(Port(a1, "vpc-a", icmp), Port(a2, "vpc-a", icmp), Port(b1, "vpc-b", icmp));
        state = state with
        {
            Vpcs =
            [
                state.Vpcs[0] with { Subnets = [new SubnetGateway("10.0.1.0/24", "10.0.1.1"), new SubnetGateway("10.0.2.0/24", "10.0.2.1")] },
                state.Vpcs[1] with { Subnets = [new SubnetGateway("10.0.2.0/24", "10.0.2.1")] },
            ],
        };
        await new IntegrationBridge(_database).ApplyAsync(state);
        Assert.True(await a1.PingAsync(a2.Ip, count: 2), "10.0.1.5 → 10.0.2.5 through the router of VPC A");
        Assert.True(await a2.PingAsync(a1.Ip), "and back");
        Assert.False(await b1.PingAsync(a1.Ip), "VPC B's router knows nothing of VPC A's guests");
        Assert.False(await a1.PingAsync(b1.Ip), "VPC A's router knows nothing of VPC B's guests");
    }

    [OvsFact]
    public async Task Given_a_ping_When_the_icmp_rule_is_removed_and_added_again_Then_it_stops_and_comes_back()
    {
        var a1 = await Guest("a1", "02:00:0a:00:00:01", "10.0.0.1");
        var a2 = await Guest("a2", "02:00:0a:00:00:02", "10.0.0.2");
        var bridge = new IntegrationBridge(_database);
        var tcp = SecurityRule.Tcp(22, 22, "10.0.0.0/16");
        var allowed = State(Port(a1, "vpc-a"), Port(a2, "vpc-a", SecurityRule.AnyIcmp("10.0.0.0/16"), tcp));
        var denied = State(Port(a1, "vpc-a"), Port(a2, "vpc-a", tcp));
        await bridge.ApplyAsync(allowed);
        Assert.True(await a1.PingAsync(a2.Ip, count: 3));

        var (stopApply, stopped) = await ChangeDuringPing(a1, a2.Ip, () => bridge.ApplyAsync(denied), expectReplies: false);
        var (restoreApply, restored) = await ChangeDuringPing(a1, a2.Ip, () => bridge.ApplyAsync(allowed), expectReplies: true);
        var report = string.Create(CultureInfo.InvariantCulture,
            $"rule removed: apply call {stopApply.TotalMilliseconds:F0} ms, ping stopped after {stopped.TotalMilliseconds:F0} ms; " +
            $"rule re-added: apply call {restoreApply.TotalMilliseconds:F0} ms, ping back after {restored.TotalMilliseconds:F0} ms (10 ms ping interval)");
        output.WriteLine(report);
        Benchmark.Record("rule_removed_apply_ms", stopApply.TotalMilliseconds, "ping_stopped_ms", stopped.TotalMilliseconds,
            "rule_added_apply_ms", restoreApply.TotalMilliseconds, "ping_restored_ms", restored.TotalMilliseconds);
        // How fast is bench/ovs-rule-latency.sh's question (target under 1 s); this test asks only that it happens.
        Assert.True(stopped < TimeSpan.FromSeconds(10), report);
        Assert.True(restored < TimeSpan.FromSeconds(10), report);
    }

    /// <summary>
    /// a1 may open TCP connections to b1's port 5000 (its egress rule; b1 lets them in) and has no ingress rule at all:
    /// b1's replies reach it anyway, because they belong to a connection a1 made.
    /// </summary>
    private static (PortSecurity A, PortSecurity B) OneWayTcp(TestGuest a, TestGuest b, string vpc) => (
        new PortSecurity
        {
            InterfaceId = a.Name, Mac = a.Mac, Ip = a.Ip, VpcId = vpc,
            Egress = [SecurityRule.Tcp(5000, 5000, b.Ip + "/32"), SecurityRule.AnyIcmp(b.Ip + "/32")],
        },
        new PortSecurity
        {
            InterfaceId = b.Name, Mac = b.Mac, Ip = b.Ip, VpcId = vpc,
            Ingress = [SecurityRule.Tcp(5000, 5000, a.Ip + "/32"), SecurityRule.AnyIcmp(a.Ip + "/32")],
            Egress = [SecurityRule.AllTraffic(Anywhere)],
        });

    [OvsFact]
    public async Task Given_an_egress_rule_and_no_ingress_rule_Then_the_connection_out_carries_replies_and_no_connection_comes_in()
    {
        var a1 = await Guest("t1", "02:00:0a:00:00:11", "10.0.0.11");
        var b1 = await Guest("t2", "02:00:0a:00:00:12", "10.0.0.12");
        var (a, b) = OneWayTcp(a1, b1, "vpc-a");
        await new IntegrationBridge(_database).ApplyAsync(State(a, b));

        await using (var session = await TcpSession.TryOpenAsync(a1, b1, 5000, TimeSpan.FromSeconds(5)))
        {
            Assert.NotNull(session);
            for (var i = 0; i < 3; i++)
            {
                Assert.True(await session.ExchangeAsync($"line {i}", TimeSpan.FromSeconds(3)), "data both ways on the connection a1 made (replies need no ingress rule)");
            }
        }

        // b1 may send anything (its egress allows all), yet a1 lets no connection in, not even on the port it uses itself.
        await using (var inbound = await TcpSession.TryOpenAsync(b1, a1, 5000, TimeSpan.FromSeconds(2)))
        {
            Assert.Null(inbound);
        }

        await using (var inbound = await TcpSession.TryOpenAsync(b1, a1, 22, TimeSpan.FromSeconds(2)))
        {
            Assert.Null(inbound);
        }

        // a1's rule covers port 5000 only.
        await using (var otherPort = await TcpSession.TryOpenAsync(a1, b1, 5001, TimeSpan.FromSeconds(2)))
        {
            Assert.Null(otherPort);
        }
    }

    [OvsFact]
    public async Task Given_traffic_When_a_fresh_adapter_applies_the_state_as_a_restarted_agent_would_Then_no_packet_is_lost_and_the_TCP_connection_survives()
    {
        var a1 = await Guest("a1", "02:00:0a:00:00:01", "10.0.0.1");
        var a2 = await Guest("a2", "02:00:0a:00:00:02", "10.0.0.2");
        var c1 = await Guest("c1", "02:00:0c:00:00:01", "10.0.0.1");
        var (a, b) = OneWayTcp(a1, a2, "vpc-x");
        // Isolation ids beyond 12 bits, local VLANs left to the bridge: it records them and keeps them.
        var state = new NetworkDesiredState
        {
            Bridge = Bridge,
            Vpcs = [new VpcIsolation { VpcId = "vpc-x", Vni = 70_001 }, new VpcIsolation { VpcId = "vpc-y", Vni = 70_002 }],
            Ports = [a, b, Port(c1, "vpc-y")],
        };
        var applied = await new IntegrationBridge(_database).ApplyAsync(state);
        var tags = await TagsAsync(a1, a2, c1);
        Assert.Equal(applied.LocalVlans["vpc-x"], tags[0]);
        Assert.Equal(tags[0], tags[1]);
        Assert.NotEqual(tags[0], tags[2]);
        Assert.True(await a1.PingAsync(a2.Ip, count: 2));
        await using var session = await TcpSession.TryOpenAsync(a1, a2, 5000, TimeSpan.FromSeconds(5));
        Assert.NotNull(session);
        Assert.True(await session.ExchangeAsync("before", TimeSpan.FromSeconds(3)));
        var before = await CountersAsync();

        // A fresh adapter and bridge object, as a restarted agent has, applying the state while traffic flows; meanwhile a
        // VPC with a lower isolation id arrives (tags handed out by position would all move, and with them the conntrack zones).
        var restartedState = state with { Vpcs = [new VpcIsolation { VpcId = "vpc-w", Vni = 5_000 }, .. state.Vpcs] };
        await using var restarted = new OpenVSwitchDatabase();
        var pinger = Pinger.Start(a1.Namespace, a2.Ip, TimeSpan.FromSeconds(3));
        await Task.Delay(300);
        var exchanged = 0;
        for (var i = 0; i < 5; i++)
        {
            await new IntegrationBridge(restarted).ApplyAsync(restartedState);
            exchanged += await session.ExchangeListenerFirstAsync($"during {i}", TimeSpan.FromSeconds(2)) ? 1 : 0;
        }

        var replies = await pinger.RepliesAsync();
        var after = await CountersAsync();
        var lost = replies.Count == 0 ? -1 : replies[^1].Sequence - replies[0].Sequence + 1 - replies.Count;
        output.WriteLine($"{replies.Count} replies, {lost} lost while re-applying 5 times; {exchanged}/5 TCP exchanges");
        Assert.True(replies.Count > 50, $"only {replies.Count} replies");
        Assert.Equal(0, lost);
        Assert.Equal(5, exchanged);
        Assert.True(await session.ExchangeListenerFirstAsync("after", TimeSpan.FromSeconds(3)), "the TCP connection made before the restart");
        Assert.Equal(tags, await TagsAsync(a1, a2, c1));
        // The flows were left in place, not re-added: their packet counters kept counting.
        foreach (var (flow, packets) in before)
        {
            Assert.True(after.TryGetValue(flow, out var now) && now >= packets, $"{flow}: {packets} before, {now} after");
        }

        // The records live in the switch: yet another adapter, with the VPCs in another order, finds the same tags.
        await using var again = new OpenVSwitchDatabase();
        var last = await new IntegrationBridge(again).ApplyAsync(restartedState with { Vpcs = [.. restartedState.Vpcs.Reverse()] });
        Assert.Equal(tags[0], last.LocalVlans["vpc-x"]);
        Assert.Equal(tags[2], last.LocalVlans["vpc-y"]);
        Assert.DoesNotContain(last.LocalVlans["vpc-w"], tags);
    }

    private static async Task<int[]> TagsAsync(params TestGuest[] guests)
    {
        var tags = new List<int>();
        foreach (var guest in guests)
        {
            tags.Add(int.Parse((await Shell.CheckAsync("ovs-vsctl", "get", "port", guest.Name, "tag")).Trim(), CultureInfo.InvariantCulture));
        }

        return [.. tags];
    }

    /// <summary>Flow (without counters) → n_packets.</summary>
    private async Task<Dictionary<string, long>> CountersAsync()
    {
        var dump = await Shell.CheckAsync("ovs-ofctl", "-O", "OpenFlow14", "dump-flows", Bridge);
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in dump.Split('\n').Where(l => l.Contains("n_packets=", StringComparison.Ordinal)))
        {
            var fields = line.Trim().Split(", ");
            var packets = long.Parse(fields.Single(f => f.StartsWith("n_packets=", StringComparison.Ordinal))["n_packets=".Length..], CultureInfo.InvariantCulture);
            var key = string.Join(", ", fields.Where(f => !f.StartsWith("duration=", StringComparison.Ordinal) && !f.StartsWith("n_packets=", StringComparison.Ordinal) && !f.StartsWith("n_bytes=", StringComparison.Ordinal) && !f.StartsWith("idle_age=", StringComparison.Ordinal)));
            counters[key] = packets;
        }

        return counters;
    }

    /// <summary>
    /// Runs a change while a continuous ping is going, and returns how long the change call took
    /// and when, counted from the call, the ping's replies stopped (the last reply) or came back (the first).
    /// </summary>
    internal static async Task<(TimeSpan Apply, TimeSpan Effect)> ChangeDuringPing(TestGuest from, string address, Func<Task> change, bool expectReplies)
    {
        var pinger = Pinger.Start(from.Namespace, address, TimeSpan.FromSeconds(3));
        await Task.Delay(500);
        var changedAt = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        await change();
        var apply = watch.Elapsed;
        var replies = await pinger.RepliesAsync();
        var after = replies.Where(r => r.At >= changedAt).ToList();
        if (expectReplies)
        {
            Assert.True(after.Count > 0, "the ping did not come back");
            return (apply, after[0].At - changedAt);
        }

        Assert.True(replies.Count > 0 && replies[^1].At < changedAt + TimeSpan.FromSeconds(1.5), "the ping did not stop");
        return (apply, after.Count == 0 ? TimeSpan.Zero : after[^1].At - changedAt);
    }
}
