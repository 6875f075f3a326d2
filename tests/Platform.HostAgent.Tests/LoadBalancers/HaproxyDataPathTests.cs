using System.Net;
using System.Net.Sockets;
using System.Text;
using Platform.HostAgent.LoadBalancers;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests.LoadBalancers;

/// <summary>
/// A load balancer node's HAProxy, as the agent runs it (master-worker, its own process, Debian's binary), in front of
/// small HTTP servers on loopback standing in for targets: it answers from both targets, a path rule sends to its own
/// group, a target whose health check fails turns unhealthy (read back from the stats socket as ELBv2's reason) and gets no
/// traffic, every target unhealthy fails open, a reload does not cut a response under way, and a target leaving after its
/// deregistration delay has its response under way cut.
/// </summary>
public sealed class HaproxyDataPathTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task A_node_balances_follows_rules_and_health_fails_open_and_reloads_without_cutting_a_response()
    {
        await using var a = TargetServer.Start("A");
        await using var b = TargetServer.Start("B");
        await using var c = TargetServer.Start("C");
        var directory = Directory.CreateTempSubdirectory("elb-node-").FullName;
        var port = FreePort();
        var web = HaproxyConfigurationTests.Group(HaproxyConfigurationTests.Web,
            new DesiredTarget("i-000000000000000aa", "127.0.0.1", a.Port, false), new DesiredTarget("i-000000000000000bb", "127.0.0.1", b.Port, false));
        var api = HaproxyConfigurationTests.Group(HaproxyConfigurationTests.Api, new DesiredTarget("127.0.0.1", "127.0.0.1", c.Port, false));
        var rule = new DesiredListenerRule(10, [new DesiredRuleCondition("path-pattern", ["/api/*"])],
            new DesiredAction("forward", [new DesiredWeightedTargetGroup(HaproxyConfigurationTests.Api, 1)]));
        DesiredLoadBalancerNode Node(params DesiredListenerRule[] rules) => HaproxyConfigurationTests.Node(
            [new DesiredListener(port, "HTTP", new DesiredAction("forward", [new DesiredWeightedTargetGroup(HaproxyConfigurationTests.Web, 1)]), rules)], [web, api]);

        var node = new HaproxyProcess(directory);
        try
        {
            var config = HaproxyConfiguration.Write(Node(rule), directory, "127.0.0.1");
            await node.ApplyAsync(config.Text, CancellationToken.None);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };

            await HealthAsync(node, config, h => h.All(t => t.State == "healthy"), "every target healthy");
            Assert.Equal(["A", "B"], (await AnswersAsync(http, "/", 10)).Order());
            Assert.Equal(["C"], await AnswersAsync(http, "/api/users", 4));

            // A's health check answers 500: unhealthy (a code mismatch), and it gets no traffic.
            a.Healthy = false;
            var health = await HealthAsync(node, config, h => h.Any(t => t.TargetId == "i-000000000000000aa" && t.State == "unhealthy"), "A unhealthy");
            Assert.Equal("Target.ResponseCodeMismatch", health.Single(t => t.TargetId == "i-000000000000000aa").Reason);
            Assert.Equal(["B"], await AnswersAsync(http, "/", 6));

            // Every target of the group unhealthy: traffic goes to all of them (fail open), not a 503.
            b.Healthy = false;
            await HealthAsync(node, config, h => h.Where(t => t.TargetGroupArn == HaproxyConfigurationTests.Web).All(t => t.State == "unhealthy"), "A and B unhealthy");
            Assert.Equal(["A", "B"], (await AnswersAsync(http, "/", 10)).Order());

            // A response under way when the configuration changes (the rule goes) is not cut; new requests see the change.
            var slow = http.GetStringAsync("/api/slow");
            await c.SlowStarted.Task.WaitAsync(Deadline);
            var masterBefore = node.MasterProcessId;
            await node.ApplyAsync(HaproxyConfiguration.Write(Node(), directory, "127.0.0.1").Text, CancellationToken.None);
            Assert.Equal(masterBefore, node.MasterProcessId);
            Assert.Equal("C" + new string('.', TargetServer.SlowChunks), await slow.WaitAsync(Deadline));
            await Eventually(async () => (await AnswersAsync(http, "/api/users", 4)).SetEquals(["A", "B"]), "the reloaded configuration without the rule");

            // A's deregistration delay has passed: A leaves the configuration and its response under way is cut; B's is not.
            var slowOnes = new[] { http.GetStringAsync("/slow"), http.GetStringAsync("/slow") };
            await Task.WhenAll(a.SlowStarted.Task, b.SlowStarted.Task).WaitAsync(Deadline);
            var withoutA = HaproxyConfiguration.Write(Node() with { TargetGroups = [web with { Targets = [web.Targets[1]] }, api] }, directory, "127.0.0.1");
            await node.ApplyAsync(withoutA.Text, CancellationToken.None, HaproxyConfiguration.Removed(config.Servers, withoutA.Servers));
            var outcomes = await Task.WhenAll(slowOnes.Select(async t =>
            {
                try
                {
                    return await t.WaitAsync(Deadline);
                }
                catch (HttpRequestException)
                {
                    return "cut";
                }
            }));
            Assert.Equal(["B" + new string('.', TargetServer.SlowChunks), "cut"], outcomes.Order(StringComparer.Ordinal));
            Assert.Equal(["B"], await AnswersAsync(http, "/", 4));
            config = withoutA;

            // A configuration HAProxy refuses is not applied: the node keeps serving the last good one.
            await Assert.ThrowsAsync<InvalidOperationException>(() => node.ApplyAsync("frontend broken\n    bind :notaport\n", CancellationToken.None));
            Assert.Equal(["B"], await AnswersAsync(http, "/", 4));
        }
        finally
        {
            await node.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// The node as servers run it: HAProxy inside a network namespace of its own (<c>ip netns exec</c>), reached through a veth
    /// pair, forwarding to targets outside it, its stats socket read from outside.
    /// </summary>
    [Fact]
    public async Task A_node_in_its_own_network_namespace_serves_and_reports_from_there()
    {
        var suffix = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
        var ns = "elb-test-" + suffix;
        var (outside, inside) = ("elbo" + suffix, "elbi" + suffix);
        var third = 200 + (System.Security.Cryptography.RandomNumberGenerator.GetInt32(50));
        var (hostIp, nodeIp) = ($"10.251.{third}.1", $"10.251.{third}.2");
        var directory = Directory.CreateTempSubdirectory("elb-ns-").FullName;
        await IpAsync("netns", "add", ns);
        try
        {
            await IpAsync("link", "add", outside, "type", "veth", "peer", "name", inside);
            await IpAsync("link", "set", inside, "netns", ns);
            await IpAsync("addr", "add", hostIp + "/30", "dev", outside);
            await IpAsync("link", "set", outside, "up");
            await IpAsync("-n", ns, "addr", "add", nodeIp + "/30", "dev", inside);
            await IpAsync("-n", ns, "link", "set", inside, "up");
            await IpAsync("-n", ns, "link", "set", "lo", "up");

            await using var a = TargetServer.Start("A", IPAddress.Parse(hostIp));
            await using var b = TargetServer.Start("B", IPAddress.Parse(hostIp));
            var web = HaproxyConfigurationTests.Group(HaproxyConfigurationTests.Web,
                new DesiredTarget("i-000000000000000aa", hostIp, a.Port, false), new DesiredTarget("i-000000000000000bb", hostIp, b.Port, false));
            var node = HaproxyConfigurationTests.Node(
                [new DesiredListener(80, "HTTP", new DesiredAction("forward", [new DesiredWeightedTargetGroup(HaproxyConfigurationTests.Web, 1)]), [])], [web]);
            var config = HaproxyConfiguration.Write(node, directory, nodeIp);
            await using var process = new HaproxyProcess(directory, ns);
            await process.ApplyAsync(config.Text, CancellationToken.None);
            using var http = new HttpClient { BaseAddress = new Uri($"http://{nodeIp}:80"), Timeout = TimeSpan.FromSeconds(10) };
            await Eventually(async () =>
            {
                try
                {
                    return (await AnswersAsync(http, "/", 6)).SetEquals(["A", "B"]);
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, "answers from both targets through the namespace");
            await HealthAsync(process, config, h => h.All(t => t.State == "healthy"), "both targets healthy, read from outside the namespace");
        }
        finally
        {
            _ = await RunAsync("ip", "link", "del", outside);
            _ = await RunAsync("ip", "netns", "del", ns);
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task IpAsync(params string[] arguments)
    {
        var (code, output) = await RunAsync("ip", arguments);
        Assert.True(code == 0, $"ip {string.Join(' ', arguments)}: {output}");
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    private static async Task<HashSet<string>> AnswersAsync(HttpClient http, string path, int count)
    {
        var answers = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            answers.Add(await http.GetStringAsync(path));
        }

        return answers;
    }

    private static async Task<IReadOnlyList<TargetHealthReport>> HealthAsync(HaproxyProcess node, HaproxyConfigurationText config,
        Func<IReadOnlyList<TargetHealthReport>, bool> wanted, string what)
    {
        IReadOnlyList<TargetHealthReport> health = [];
        await Eventually(async () =>
        {
            var csv = await node.ShowStatAsync(CancellationToken.None);
            health = csv is null ? [] : HaproxyStats.Read(csv, config.Servers);
            return health.Count == config.Servers.Count && wanted(health);
        }, what);
        return health;
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"Not within {Deadline.TotalSeconds} s: {what}");
            await Task.Delay(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A target: answers its name; <c>/health</c> answers 200 or 500 as <see cref="Healthy"/> says; <c>…/slow</c> sends its name,
    /// then a dot every 200 ms (a response under way for a couple of seconds).
    /// </summary>
    private sealed class TargetServer : IAsyncDisposable
    {
        public const int SlowChunks = 10;
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly string _name;

        private TargetServer(string name, IPAddress address)
        {
            _name = name;
            _listener = new TcpListener(address, 0);
            _listener.Start();
            _loop = Task.Run(AcceptAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public volatile bool Healthy = true;

        public TaskCompletionSource SlowStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static TargetServer Start(string name, IPAddress? address = null) => new(name, address ?? IPAddress.Loopback);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(() => AnswerAsync(client));
            }
        }

        private async Task AnswerAsync(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    var request = new StringBuilder();
                    var buffer = new byte[4096];
                    while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        var read = await stream.ReadAsync(buffer, _stop.Token);
                        if (read == 0)
                        {
                            return;
                        }

                        request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }

                    var path = request.ToString().Split(' ')[1];
                    if (path == "/health")
                    {
                        await WriteAsync(stream, Healthy ? "200 OK" : "500 Internal Server Error", "ok");
                    }
                    else if (path.EndsWith("/slow", StringComparison.Ordinal))
                    {
                        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {_name.Length + SlowChunks}\r\nConnection: close\r\n\r\n{_name}"), _stop.Token);
                        SlowStarted.TrySetResult();
                        for (var i = 0; i < SlowChunks; i++)
                        {
                            await Task.Delay(200, _stop.Token);
                            await stream.WriteAsync(Encoding.ASCII.GetBytes("."), _stop.Token);
                        }
                    }
                    else
                    {
                        await WriteAsync(stream, "200 OK", _name);
                    }
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
                {
                }
            }
        }

        private async Task WriteAsync(NetworkStream stream, string status, string body) =>
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), _stop.Token);
    }
}
