using System.Diagnostics;
using System.Globalization;
using Platform.HostAgent.LoadBalancers;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.OpenVSwitch.Tests;
using Platform.HostAgent.Protocol;
using Xunit.Abstractions;

namespace Platform.HostAgent.Tests.LoadBalancers;

/// <summary>
/// A zone's pair of load balancer nodes as the agents run them, on this machine's real Open vSwitch: two namespaces with a
/// port each on one bridge (standing for the two servers' node namespaces, whose ports meet through the VPC), each with a
/// real HAProxy and a real keepalived speaking unicast VRRP to the other. One becomes MASTER and holds the public address;
/// killed hard (SIGKILL, as a dying server gives no notice), the other takes the address; a node whose HAProxy dies gives it
/// up. The failover time is printed, not asserted (bench/elb-failover.sh measures it).
/// </summary>
[Collection(OpenVSwitchCollection.Name)]
public sealed class KeepalivedPairTests(ITestOutputHelper output) : IAsyncLifetime, IAsyncDisposable
{
    private const string PublicIp = "198.51.100.90";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _suffix = Shell.NewSuffix();
    private readonly OpenVSwitchDatabase _database = new();
    private readonly List<TestGuest> _namespaces = [];
    private readonly List<IAsyncDisposable> _processes = [];
    private readonly string _state = Directory.CreateTempSubdirectory("elb-pair-").FullName;

    private string Bridge => "brk" + _suffix;

    public async Task InitializeAsync() => await _database.EnsureBridgeAsync(new BridgeSpec(Bridge));

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        foreach (var ns in _namespaces)
        {
            await ns.DeleteAsync();
        }

        await Shell.RunAsync("ovs-vsctl", "--if-exists", "del-br", Bridge);
        await _database.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    [OvsFact]
    public async Task Given_a_pair_of_nodes_When_the_master_is_killed_or_its_haproxy_dies_Then_the_other_takes_the_public_address()
    {
        var a = await NodeAsync("a", "10.77.0.5", "02:00:0a:4d:00:05", "10.77.0.6", priority: 110);
        await Eventually(() => a.Keepalived.IsMaster, "the first node alone becomes MASTER");
        var b = await NodeAsync("b", "10.77.0.6", "02:00:0a:4d:00:06", "10.77.0.5", priority: 100);
        await Eventually(() => b.Keepalived.State == "BACKUP", "the second node, seeing the MASTER's advertisements, stays BACKUP");
        Assert.True(a.Keepalived.IsMaster, "a MASTER keeps the role when a peer of any priority appears (no preemption)");
        Assert.True(await HoldsAsync(a), "the MASTER holds the public address");
        Assert.False(await HoldsAsync(b), "the BACKUP does not");

        // The MASTER's server dies: its keepalived ends without a word (SIGKILL to both of its processes).
        var watch = Stopwatch.StartNew();
        KillKeepalived(a.Keepalived);
        await Eventually(() => b.Keepalived.IsMaster, "the BACKUP takes over when the advertisements stop");
        var failover = watch.Elapsed;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MASTER killed: the peer was MASTER {failover.TotalMilliseconds:F0} ms later"));
        Benchmark.Record("vrrp_master_killed_ms", failover.TotalMilliseconds);
        Assert.True(await HoldsAsync(b), "the new MASTER holds the public address");
        Assert.False(a.Keepalived.IsMaster, "a dead keepalived's last word (MASTER in its state file) is not believed");
        Assert.Equal("MASTER", (await File.ReadAllTextAsync(a.Keepalived.StateFile)).Trim());

        // The agent starts it again: it comes back BACKUP and leaves the role where it is.
        Assert.True(await a.Keepalived.ApplyAsync(a.Configuration, a.Haproxy.PidFile, CancellationToken.None));
        await Eventually(() => a.Keepalived.State == "BACKUP", "the restarted node joins as BACKUP");
        Assert.True(b.Keepalived.IsMaster);
        Assert.False(await a.Keepalived.ApplyAsync(a.Configuration, a.Haproxy.PidFile, CancellationToken.None), "the same configuration changes nothing");

        // The MASTER's HAProxy dies: its check fails, it goes to FAULT and the other takes the address back.
        watch.Restart();
        Assert.Equal(0, (await Shell.RunAsync("kill", "-9", b.Haproxy.MasterProcessId!.Value.ToString(CultureInfo.InvariantCulture))).ExitCode);
        await Eventually(() => a.Keepalived.IsMaster, "the peer of a node whose HAProxy died becomes MASTER");
        var haproxyFailover = watch.Elapsed;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MASTER's HAProxy killed: the peer was MASTER {haproxyFailover.TotalMilliseconds:F0} ms later"));
        Benchmark.Record("vrrp_haproxy_killed_ms", haproxyFailover.TotalMilliseconds);
        await Eventually(() => b.Keepalived.State == "FAULT", "the node without HAProxy is in FAULT");
        Assert.True(await HoldsAsync(a));
        Assert.False(await HoldsAsync(b), "a node in FAULT gives the address up");
    }

    private async Task<PairNode> NodeAsync(string name, string ip, string mac, string peerIp, int priority)
    {
        var guest = await TestGuest.AddAsync(_database, Bridge, $"k{name}{_suffix}", mac, ip, prefix: 24);
        _namespaces.Add(guest);
        var directory = Path.Combine(_state, name);
        var haproxy = new HaproxyProcess(directory, guest.Namespace);
        _processes.Add(haproxy);
        await haproxy.ApplyAsync($"""
            global
                stats socket {Path.Combine(directory, "admin.sock")} mode 600 level admin
            defaults
                mode http
                timeout connect 2s
                timeout client 5s
                timeout server 5s
            frontend web
                bind {ip}:80
                http-request return status 200 content-type text/plain string "node {name}"
            """ + "\n", CancellationToken.None);
        var keepalived = new KeepalivedProcess(directory, guest.Namespace);
        _processes.Add(keepalived);
        var node = new DesiredLoadBalancerNode("arn:lb", "eni-" + name, "application", "vpc-k", 77, "10.77.0.0/24", "10.77.0.1", ip, mac, PublicIp, [], [],
            Peer: new DesiredNodePeer(peerIp, 77, priority));
        var configuration = KeepalivedConfiguration.Write(node, node.Peer!, guest.Name, directory);
        Assert.True(await keepalived.ApplyAsync(configuration, haproxy.PidFile, CancellationToken.None));
        return new PairNode(guest, ip, haproxy, keepalived, configuration);
    }

    private static void KillKeepalived(KeepalivedProcess keepalived)
    {
        foreach (var file in new[] { keepalived.VrrpPidFile, keepalived.PidFile })
        {
            Process.GetProcessById(int.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture)).Kill();
        }
    }

    private static async Task<bool> HoldsAsync(PairNode node) =>
        (await Shell.CheckAsync("ip", "-n", node.Guest.Namespace, "-4", "addr", "show", "dev", "lo")).Contains(PublicIp + "/32", StringComparison.Ordinal);

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "not within a minute: " + what);
            await Task.Delay(50);
        }
    }

    private sealed record PairNode(TestGuest Guest, string Ip, HaproxyProcess Haproxy, KeepalivedProcess Keepalived, string Configuration);
}
