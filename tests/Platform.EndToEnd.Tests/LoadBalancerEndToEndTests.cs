using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.OpenVSwitch.Tests;
using Xunit.Abstractions;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// An internal application load balancer with nothing simulated: the API and a HostAgent process on qemu:///system and this
/// machine's Open vSwitch (a bridge of the test's own), two guests of the test image (busybox httpd: <c>/</c> answers the
/// instance id, <c>/health</c> "ok") registered in a target group, the node's HAProxy in its namespace on the bridge. The
/// requests come from inside the VPC: guest A's user data asks the balancer's address once a second and prints what
/// answered. Everything else goes through signed API calls, as a tenant's would.
/// </summary>
public sealed partial class LoadBalancerEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Elb = "/api/v1/elb";
    private const string Vpc = "/api/v1/vpc";
    private readonly string _bridge = "bl" + Shell.NewSuffix();
    private RealCloud _cloud = null!;
    private string? _lbArn;

    public async Task InitializeAsync() =>
        _cloud = await RealCloud.StartAsync(agentSettings: new Dictionary<string, string> { ["Agent__Bridge"] = _bridge });

    public async Task DisposeAsync()
    {
        var state = Path.Combine(_cloud.AgentState, "load-balancers");
        try
        {
            if (_lbArn is not null)
            {
                // Deleted through the API: the agent stops the node and removes its namespace and port (checked by the test itself).
                await _cloud.Root.DeleteAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(_lbArn)}");
                await Eventually.TrueAsync(() => Task.FromResult(!Directory.Exists(state) || !Directory.EnumerateDirectories(state).Any()), TimeSpan.FromSeconds(30),
                    "the agent did not remove the deleted balancer's node");
            }
        }
        finally
        {
            // A failed test's leftovers: HAProxy daemons outlive the agent by design.
            foreach (var pidFile in Directory.Exists(state) ? Directory.EnumerateFiles(state, "haproxy.pid", SearchOption.AllDirectories) : [])
            {
                if (int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), out var pid) && File.Exists($"/proc/{pid}/comm")
                    && (await File.ReadAllTextAsync($"/proc/{pid}/comm")).Trim() == "haproxy")
                {
                    Process.GetProcessById(pid).Kill();
                }

                var nodeId = Path.GetFileName(Path.GetDirectoryName(pidFile)!);
                await Shell.RunAsync("ip", "netns", "del", "elb-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(_bridge + "/" + nodeId)))[..12]);
            }

            await _cloud.DisposeAsync();
            await Shell.RunAsync("ovs-vsctl", "--if-exists", "del-br", _bridge);
            await Shell.RunAsync("ip", "netns", "del", "imds-" + _bridge);
        }
    }

    private static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    [GeneratedRegex(@"PLATFORM-USER-DATA (elb-\w+) (\S*)")]
    private static partial Regex AnswerLine();

    private List<(string Kind, string Answer)> Answers(string instanceId, int from) =>
        AnswerLine().Matches(_cloud.ConsoleText(instanceId, from)).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();

    [Fact]
    public async Task Given_an_internal_ALB_with_two_guests_Then_both_answer_through_it_a_path_rule_picks_its_group_and_a_closed_port_turns_unhealthy_and_gets_no_traffic()
    {
        var clock = Stopwatch.StartNew();
        var root = _cloud.Root;
        var vpc = Text(await (await root.PostJsonAsync($"{Vpc}/vpcs", new { cidr_block = "10.80.0.0/16" })).AssertOkAsync(), "vpc_id");
        var subnet = Text(await (await root.PostJsonAsync($"{Vpc}/subnets", new { vpc_id = vpc, cidr_block = "10.80.1.0/24", availability_zone = "us-east-1a" })).AssertOkAsync(), "subnet_id");
        var group = Text(await (await root.PostJsonAsync($"{Vpc}/security-groups", new { group_name = "web", description = "web", vpc_id = vpc })).AssertOkAsync(), "group_id");
        await (await root.PostJsonAsync($"{Vpc}/security-groups/{group}/ingress-rules",
            new { rules = new[] { new { ip_protocol = "tcp", from_port = 80, to_port = 81, cidr_ip = "10.80.0.0/16" } } })).AssertOkAsync();

        var lb = await (await root.PostJsonAsync($"{Elb}/load-balancers", new { name = "e2e", scheme = "internal", subnets = new[] { subnet } })).AssertOkAsync();
        _lbArn = Text(lb, "load_balancer_arn");
        var address = Text(lb.GetProperty("availability_zones")[0].GetProperty("load_balancer_addresses")[0], "private_i_pv4_address");

        // Guest A asks the balancer once a second from inside the VPC: / (the default action) and /index.html (the rule's group).
        var ask = $"while true; do echo elb-default $(curl -s -m 3 http://{address}/); echo elb-rule $(curl -s -m 3 http://{address}/index.html); sleep 1; done\n";
        var a = await _cloud.LaunchAsync(new { instance_type = "t2.nano", image_id = _cloud.ImageId, subnet_id = subnet, security_groups = new[] { group },
            user_data = Convert.ToBase64String(Encoding.ASCII.GetBytes(ask)) });
        var b = await _cloud.LaunchAsync(new { instance_type = "t2.nano", image_id = _cloud.ImageId, subnet_id = subnet, security_groups = new[] { group } });

        // web: A and B on 80, and B on 81 where nothing listens; only-b: B. The rule sends /index.html to only-b.
        var web = Text(await (await root.PostJsonAsync($"{Elb}/target-groups", new
        {
            name = "web", protocol = "HTTP", port = 80, vpc_id = vpc, health_check_path = "/health", health_check_interval_seconds = 5,
            health_check_timeout_seconds = 2, healthy_threshold_count = 2, unhealthy_threshold_count = 2,
        })).AssertOkAsync(), "target_group_arn");
        var onlyB = Text(await (await root.PostJsonAsync($"{Elb}/target-groups", new
        {
            name = "only-b", protocol = "HTTP", port = 80, vpc_id = vpc, health_check_path = "/health", health_check_interval_seconds = 5,
            health_check_timeout_seconds = 2, healthy_threshold_count = 2,
        })).AssertOkAsync(), "target_group_arn");
        await (await root.PostJsonAsync($"{Elb}/targets/register", new { target_group_arn = web, targets = new object[] { new { id = a }, new { id = b }, new { id = b, port = 81 } } })).AssertOkAsync();
        await (await root.PostJsonAsync($"{Elb}/targets/register", new { target_group_arn = onlyB, targets = new[] { new { id = b } } })).AssertOkAsync();
        var listener = Text(await (await root.PostJsonAsync($"{Elb}/listeners", new
        {
            load_balancer_arn = _lbArn, protocol = "HTTP", port = 80, default_actions = new[] { new { type = "forward", target_group_arn = web } },
        })).AssertOkAsync(), "listener_arn");
        await (await root.PostJsonAsync($"{Elb}/rules", new
        {
            listener_arn = listener, priority = 5,
            conditions = new[] { new { field = "path-pattern", path_pattern_config = new { values = new[] { "/index.html" } } } },
            actions = new[] { new { type = "forward", target_group_arn = onlyB } },
        })).AssertOkAsync();

        // The node serves: the balancer is active, A and B healthy on 80, B's closed port unhealthy as ELBv2 words it.
        var health = new Dictionary<string, (string State, string? Reason)>();
        await Eventually.TrueAsync(async () =>
        {
            health = (await (await root.GetAsync($"{Elb}/target-health?target_group_arn={Uri.EscapeDataString(web)}")).AssertOkAsync())
                .GetProperty("target_health_descriptions").EnumerateArray().ToDictionary(
                    h => $"{Text(h.GetProperty("target"), "id")}:{h.GetProperty("target").GetProperty("port").GetInt32()}",
                    h => (Text(h.GetProperty("target_health"), "state"), h.GetProperty("target_health").TryGetProperty("reason", out var r) ? r.GetString() : null));
            return health.GetValueOrDefault($"{a}:80").State == "healthy" && health.GetValueOrDefault($"{b}:80").State == "healthy"
                && health.GetValueOrDefault($"{b}:81").State == "unhealthy";
        }, TimeSpan.FromSeconds(120), $"targets not healthy/unhealthy as expected: {string.Join(", ", health)}\nagent log:\n{_cloud.Agent.Output}");
        var healthyAt = clock.Elapsed;
        Assert.Equal("Target.FailedHealthChecks", health[$"{b}:81"].Reason);
        var state = (await (await root.GetAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(_lbArn)}")).AssertOkAsync()).GetProperty("load_balancers")[0];
        Assert.Equal("active", Text(state.GetProperty("state"), "code"));

        // From now on: / answers from A and B only (never a failure: the closed port gets nothing), /index.html from B only.
        await _cloud.ConsoleShowsAsync(a, "PLATFORM-GUEST-HTTP-READY 80", TimeSpan.FromSeconds(60));
        var from = _cloud.ConsoleText(a, 0).Length;
        await Eventually.TrueAsync(() => Task.FromResult(Answers(a, from).Count(x => x.Kind == "elb-default") >= 8), TimeSpan.FromSeconds(60),
            $"guest A did not print 8 answers through the balancer: {_cloud.ConsoleText(a, from)}");
        var answers = Answers(a, from);
        output.WriteLine($"healthy {healthyAt.TotalSeconds:F1} s after the start of the test; answers: {string.Join(", ", answers)}");
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), answers.Where(x => x.Kind == "elb-default").Select(x => x.Answer).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal([b], answers.Where(x => x.Kind == "elb-rule").Select(x => x.Answer).Distinct());
    }
}
