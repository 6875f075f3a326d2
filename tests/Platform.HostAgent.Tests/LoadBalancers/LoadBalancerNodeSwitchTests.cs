using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.HostAgent.Agent;
using Platform.HostAgent.LoadBalancers;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.OpenVSwitch.Tests;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests.LoadBalancers;

/// <summary>
/// A load balancer node as the agent runs it on the machine's real Open vSwitch: its namespace with a port of the bridge in
/// the VPC, HAProxy there, targets and a client that are test guests (internal ports in namespaces, as the switch tests
/// use) in other subnets of the VPC, so requests and health checks go through the VPC router's flows. Busybox httpd in the
/// targets' namespaces answers with the target's name, as the test image does with its instance id.
/// </summary>
[Collection(OpenVSwitchCollection.Name)]
public sealed class LoadBalancerNodeSwitchTests : IAsyncLifetime, IAsyncDisposable
{
    private const string Vpc = "vpc-0000000000000000b";
    private const int Isolation = 4343;
    private const string NodeId = "eni-00000000000000e1b";
    private const string Web = HaproxyConfigurationTests.Web;
    private const string Api = HaproxyConfigurationTests.Api;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(40);

    private readonly string _suffix = Shell.NewSuffix();
    private readonly OpenVSwitchDatabase _database = new();
    private readonly List<TestGuest> _guests = [];
    private readonly Dictionary<string, Process> _servers = [];
    private readonly string _state = Directory.CreateTempSubdirectory("elb-nodes-").FullName;

    private string Bridge => "brl" + _suffix;

    public async Task InitializeAsync() => await _database.EnsureBridgeAsync(new BridgeSpec(Bridge));

    public async Task DisposeAsync()
    {
        // Whatever a failed test left: the nodes (HAProxy, namespace, port), the httpds, the guests, the bridge.
        await Reconciler().ApplyAsync([], CancellationToken.None);
        foreach (var server in _servers.Values)
        {
            StopHttpd(server);
        }

        foreach (var guest in _guests)
        {
            await guest.DeleteAsync();
        }

        await Shell.RunAsync("ovs-vsctl", "--if-exists", "del-br", Bridge);
        await _database.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    private LoadBalancerNodeReconciler Reconciler() => new(_database, Bridge, Path.Combine(_state, "load-balancers"), NullLogger.Instance);

    private static DesiredInterface Nic(string eni, string ip) =>
        new(eni, Mac(ip), ip, 24, ip[..ip.LastIndexOf('.')] + ".1", Vpc, Isolation,
            [new DesiredFirewallRule("-1", null, null, "0.0.0.0/0")], [new DesiredFirewallRule("-1", null, null, "0.0.0.0/0")]);

    private static string Mac(string ip) => "02:00:" + string.Join(':', ip.Split('.').Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    private static DesiredTargetGroup Group(string arn, params DesiredTarget[] targets) =>
        new(arn, "HTTP", true, "HTTP", "traffic-port", "/health", 2, 1, 2, 2, "200-299", 5, targets);

    /// <summary>Listeners on 80 (with a rule) and 8080; the balancer's security group lets the VPC in on 80 only.</summary>
    private static DesiredLoadBalancerNode Node(DesiredTargetGroup web, DesiredTargetGroup api) => new(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/front/00000000000000e1", NodeId, "application", Vpc, Isolation,
        "10.9.3.0/24", "10.9.3.1", "10.9.3.10", "02:00:0a:09:03:0a", null,
        [
            new DesiredListener(80, "HTTP", new DesiredAction("forward", [new DesiredWeightedTargetGroup(Web, 1)]),
                [new DesiredListenerRule(10, [new DesiredRuleCondition("path-pattern", ["/api/*"])], new DesiredAction("forward", [new DesiredWeightedTargetGroup(Api, 1)]))]),
            new DesiredListener(8080, "HTTP", new DesiredAction("forward", [new DesiredWeightedTargetGroup(Web, 1)]), []),
        ],
        [web, api],
        Ingress: [new DesiredFirewallRule("tcp", 80, 80, "10.9.0.0/16")],
        Egress: [new DesiredFirewallRule("-1", null, null, "0.0.0.0/0")]);

    private static HostDesiredState Desired(IReadOnlyList<DesiredInterface> nics, params DesiredLoadBalancerNode[] nodes) => new("h-1", 1,
        [.. nics.Select((nic, i) => new DesiredInstance($"i-0000000000000000{i + 1}", 1, 256, DesiredPower.Running, new GuestImage("ami-00000000000000001", ImageFormat.Kernel), "", 0, [nic]))],
        [new VpcNetwork(Vpc, Isolation, [], [],
        [
            new DesiredSubnet("subnet-targets", "10.9.1.0/24", "10.9.1.1", []),
            new DesiredSubnet("subnet-clients", "10.9.2.0/24", "10.9.2.1", []),
            new DesiredSubnet("subnet-nodes", "10.9.3.0/24", "10.9.3.1", []),
        ], "10.9.0.0/16")],
        LoadBalancerNodes: nodes);

    private async Task<TestGuest> GuestAsync(string name, DesiredInterface nic)
    {
        var guest = await TestGuest.AddAsync(_database, Bridge, name + _suffix, nic.MacAddress, nic.PrivateIpAddress, prefix: 24, gateway: nic.Gateway,
            interfaceId: GuestInterfaceId.For(nic.InterfaceId));
        _guests.Add(guest);
        return guest;
    }

    /// <summary>busybox httpd in the guest's namespace: <c>/</c> answers the name, <c>/health</c> OK, <c>/api/x</c> the name with "api-".</summary>
    private Process Httpd(TestGuest guest, string name)
    {
        var root = Directory.CreateDirectory(Path.Combine(_state, "www-" + name)).FullName;
        File.WriteAllText(Path.Combine(root, "index.html"), name);
        File.WriteAllText(Path.Combine(root, "health"), "OK");
        Directory.CreateDirectory(Path.Combine(root, "api"));
        File.WriteAllText(Path.Combine(root, "api", "x"), "api-" + name);
        var start = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "netns", "exec", guest.Namespace, "busybox", "httpd", "-f", "-p", "80", "-h", root })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        _servers[name] = process;
        return process;
    }

    private static void StopHttpd(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    private static async Task<string?> CurlAsync(TestGuest client, string url)
    {
        var (code, output) = await Shell.RunAsync("ip", "netns", "exec", client.Namespace, "curl", "-s", "-f", "-m", "5", url);
        return code == 0 ? output.Trim() : null;
    }

    private static async Task<HashSet<string>> AnswersAsync(TestGuest client, string url, int requests)
    {
        var answers = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < requests; i++)
        {
            if (await CurlAsync(client, url) is { } answer)
            {
                answers.Add(answer);
            }
        }

        return answers;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Not within {Deadline.TotalSeconds} s: {what}");
            }

            await Task.Delay(250);
        }
    }

    private static int PidOf(string directory) => int.Parse(File.ReadAllText(Path.Combine(directory, NodeId, "haproxy.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    [OvsFact]
    public async Task A_node_in_the_VPC_balances_follows_its_rule_lets_in_only_what_its_group_allows_reports_health_survives_an_agent_restart_and_goes_away_when_no_longer_desired()
    {
        var a = Nic("eni-000000000000000a1", "10.9.1.5");
        var b = Nic("eni-000000000000000b1", "10.9.1.6");
        var c = Nic("eni-000000000000000c1", "10.9.2.5");
        var targetA = await GuestAsync("ta", a);
        var targetB = await GuestAsync("tb", b);
        var client = await GuestAsync("tc", c);
        var httpdA = Httpd(targetA, "A");
        Httpd(targetB, "B");
        var node = Node(Group(Web, new DesiredTarget("i-000000000000000a1", a.PrivateIpAddress, 80, false), new DesiredTarget("i-000000000000000b1", b.PrivateIpAddress, 80, false)),
            Group(Api, new DesiredTarget("i-000000000000000b1", b.PrivateIpAddress, 80, false)));
        var desired = Desired([a, b, c], node);
        var network = new GuestNetwork(new IntegrationBridge(_database), Bridge, "127.0.0.1");

        // A round as the agent's: the switch, the nodes, the switch again (the node's port has its VLAN and flows then).
        var reconciler = Reconciler();
        await network.ApplyAsync(desired, CancellationToken.None);
        Assert.Empty(await reconciler.ApplyAsync(desired.LoadBalancerNodes!, CancellationToken.None));
        Assert.Empty((await network.ApplyAsync(desired, CancellationToken.None)).PendingInterfaces);
        var ns = reconciler.NamespaceFor(NodeId);
        Assert.Contains("10.9.3.10/24", await Shell.CheckAsync("ip", "-n", ns, "-4", "addr", "show", reconciler.PortFor(NodeId)));
        Assert.Contains("default via 10.9.3.1", await Shell.CheckAsync("ip", "-n", ns, "route"));

        // From a client in another subnet: both targets answer through the node, and the rule sends /api/ to its group.
        await EventuallyAsync(async () =>
        {
            var report = (await reconciler.ObserveAsync(CancellationToken.None)).Single();
            return report.Serving && report.Targets.Count == 3 && report.Targets.All(t => t.State == "healthy");
        }, "every target healthy");
        Assert.Equal(["A", "B"], (await AnswersAsync(client, "http://10.9.3.10/", 10)).Order());
        Assert.Equal(["api-B"], await AnswersAsync(client, "http://10.9.3.10/api/x", 4));

        // The security group's rules are the port's, as a guest's are: the listener on 8080 is not let in until a rule allows it.
        Assert.Null(await CurlAsync(client, "http://10.9.3.10:8080/"));
        var opened = desired with { LoadBalancerNodes = [node with { Ingress = [.. node.Ingress!, new DesiredFirewallRule("tcp", 8080, 8080, "10.9.2.0/24")] }] };
        await network.ApplyAsync(opened, CancellationToken.None);
        Assert.NotNull(await CurlAsync(client, "http://10.9.3.10:8080/"));
        await network.ApplyAsync(desired, CancellationToken.None);

        // A's httpd stops: A turns unhealthy (its checks fail) and gets no traffic.
        StopHttpd(httpdA);
        await EventuallyAsync(async () => (await reconciler.ObserveAsync(CancellationToken.None)).Single().Targets
            .Any(t => t.TargetGroupArn == Web && t.TargetId == "i-000000000000000a1" && t.State == "unhealthy"), "A unhealthy");
        var health = (await reconciler.ObserveAsync(CancellationToken.None)).Single().Targets.Single(t => t.TargetGroupArn == Web && t.TargetId == "i-000000000000000a1");
        Assert.Equal("Target.FailedHealthChecks", health.Reason);
        Assert.Equal(["B"], await AnswersAsync(client, "http://10.9.3.10/", 6));

        // The agent restarts: the next one adopts the running HAProxy (same master) and reports from it; nothing is started twice.
        var directory = Path.Combine(_state, "load-balancers");
        var master = PidOf(directory);
        var restarted = Reconciler();
        Assert.Empty(await restarted.ApplyAsync(desired.LoadBalancerNodes!, CancellationToken.None));
        Assert.Equal(master, PidOf(directory));
        var haproxies = await Shell.RunAsync("pgrep", "-f", Path.Combine(directory, NodeId, "haproxy.cfg"));
        Assert.Equal(2, haproxies.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // the master and its one worker
        Assert.True((await restarted.ObserveAsync(CancellationToken.None)).Single().Serving);
        Assert.Equal(["B"], await AnswersAsync(client, "http://10.9.3.10/", 4));

        // A change reloads the same master: the rule goes, /api/x is the default group's (B, A being down).
        var withoutRule = node with { Listeners = [node.Listeners[0] with { Rules = [] }] };
        Assert.Empty(await restarted.ApplyAsync([withoutRule], CancellationToken.None));
        Assert.Equal(master, PidOf(directory));

        // No longer desired: HAProxy stopped, namespace, port and directory gone.
        Assert.Empty(await restarted.ApplyAsync([], CancellationToken.None));
        Assert.False(File.Exists(Path.Combine("/var/run/netns", ns)));
        Assert.DoesNotContain(await _database.ListPortsAsync(Bridge), p => p.Name == restarted.PortFor(NodeId));
        Assert.False(Directory.Exists(Path.Combine(directory, NodeId)));
        Assert.False(Directory.Exists($"/proc/{master}") && File.ReadAllText($"/proc/{master}/comm").Trim() == "haproxy"
            && !File.ReadAllText($"/proc/{master}/stat").Contains(") Z ", StringComparison.Ordinal));
    }
}
