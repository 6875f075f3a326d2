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
/// Application load balancers with nothing simulated: the API and a HostAgent process on qemu:///system and this
/// machine's Open vSwitch (a bridge of the test's own), two guests of the test image (busybox httpd: <c>/</c> answers the
/// instance id, <c>/health</c> "ok") registered in a target group, each node's HAProxy in its namespace on the bridge. An
/// internal balancer's requests come from inside the VPC: guest A's user data asks its address once a second and prints
/// what answered. An internet-facing one's come from a network namespace standing for the outside world, at the end of
/// the agent's uplink (a veth, as in <see cref="EdgeEndToEndTests"/>), to the node's public address. Everything else goes
/// through signed API calls, as a tenant's would. The same balancer then fronts an Auto Scaling group (one test, so the cloud,
/// bridge, VPC and balancer are made once): see <c>GroupBehindTheBalancerAsync</c>.
/// </summary>
public sealed partial class LoadBalancerEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Elb = "/api/v1/elb";
    private const string Vpc = "/api/v1/vpc";
    private const string PoolPrefix = "198.18.7.";
    private const string Gateway = PoolPrefix + "1";
    private readonly string _suffix = Shell.NewSuffix();
    private readonly List<string> _lbArns = [];
    private const string GroupName = "web";
    private bool _groupCreated;
    private string Bridge => "bl" + _suffix;
    private RealCloud _cloud = null!;

    /// <summary>The network namespace standing for the outside world; its end of the uplink holds the pool's gateway.</summary>
    private string Outside => "elb-out-" + _suffix;

    private string Uplink => "ul" + _suffix;

    private string OutsideEnd => "uo" + _suffix;

    public async Task InitializeAsync()
    {
        await Shell.CheckAsync("ip", "netns", "add", Outside);
        await Shell.CheckAsync("ip", "link", "add", Uplink, "type", "veth", "peer", "name", OutsideEnd, "netns", Outside);
        await Shell.CheckAsync("ip", "-n", Outside, "addr", "add", Gateway + "/24", "dev", OutsideEnd);
        await Shell.CheckAsync("ip", "-n", Outside, "link", "set", OutsideEnd, "up");
        await Shell.CheckAsync("ip", "-n", Outside, "link", "set", "lo", "up");
        // The provider's router would also send the VPC's private range our way: the switch must not let it in.
        await Shell.CheckAsync("ip", "-n", Outside, "route", "add", "10.80.0.0/16", "dev", OutsideEnd);
        // As deploy/lab-uplink.sh: a veth leaves TCP checksums to an offload nobody performs once the switch rewrites addresses.
        await Shell.CheckAsync("ip", "netns", "exec", Outside, "ethtool", "-K", OutsideEnd, "tx", "off");
        await Shell.CheckAsync("ip", "link", "set", Uplink, "up");
        _cloud = await RealCloud.StartAsync(
            apiSettings: new Dictionary<string, string>
            {
                ["Network__PublicAddresses__Cidr"] = PoolPrefix + "0/24",
                ["Network__PublicAddresses__Gateway"] = Gateway,
            },
            agentSettings: new Dictionary<string, string> { ["Agent__Bridge"] = Bridge, ["Agent__Uplink__Interface"] = Uplink });
        output.WriteLine($"cloud up: {_cloud.StartTimeline}");
    }

    public async Task DisposeAsync()
    {
        var state = _cloud is null ? "" : Path.Combine(_cloud.AgentState, "load-balancers");
        try
        {
            if (_cloud is not null && _groupCreated)
            {
                // The group goes first, so it launches nothing more; every instance it ever launched is stopped with the test's own.
                await _cloud.Root.DeleteAsync($"/api/v1/autoscaling/groups/{GroupName}?force_delete=true");
                var launched = await (await _cloud.Root.GetAsync($"/api/v1/ec2/instances?tag=aws:autoscaling:groupName={GroupName}")).AssertOkAsync();
                foreach (var instance in launched.GetProperty("instances").EnumerateArray())
                {
                    _cloud.Remember(Text(instance, "instance_id"));
                }
            }

            if (_cloud is not null && _lbArns.Count > 0)
            {
                // Deleted through the API: the agent stops the nodes and removes their namespaces and ports (checked by the test itself).
                foreach (var arn in _lbArns)
                {
                    await _cloud.Root.DeleteAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(arn)}");
                }

                await Eventually.TrueAsync(() => Task.FromResult(!Directory.Exists(state) || !Directory.EnumerateDirectories(state).Any()), TimeSpan.FromSeconds(90),
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
                await Shell.RunAsync("ip", "netns", "del", "elb-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Bridge + "/" + nodeId)))[..12]);
            }

            if (_cloud is not null)
            {
                await _cloud.DisposeAsync();
            }

            await Shell.RunAsync("ovs-vsctl", "--if-exists", "del-br", Bridge);
            await Shell.RunAsync("ip", "netns", "del", "imds-" + Bridge);
            await Shell.RunAsync("ip", "link", "del", Uplink);
            await Shell.RunAsync("ip", "netns", "del", Outside);
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

        // The subnet is public (main table: 0.0.0.0/0 to an internet gateway), so the internet-facing balancer's replies go out.
        var igw = Text(await (await root.PostJsonAsync($"{Vpc}/internet-gateways", new { })).AssertOkAsync(), "internet_gateway_id");
        await (await root.PostJsonAsync($"{Vpc}/internet-gateways/{igw}/attach", new { vpc_id = vpc })).AssertOkAsync();
        var main = Text((await (await root.GetAsync($"{Vpc}/route-tables?vpc_id={vpc}")).AssertOkAsync()).GetProperty("route_tables")[0], "route_table_id");
        await (await root.PostJsonAsync($"{Vpc}/route-tables/{main}/routes", new { destination_cidr_block = "0.0.0.0/0", gateway_id = igw })).AssertOkAsync();

        // The balancers' group lets port 80 in from anywhere, nothing else (a listener on 8080 below stays shut).
        var front = Text(await (await root.PostJsonAsync($"{Vpc}/security-groups", new { group_name = "front", description = "front", vpc_id = vpc })).AssertOkAsync(), "group_id");
        await (await root.PostJsonAsync($"{Vpc}/security-groups/{front}/ingress-rules",
            new { rules = new[] { new { ip_protocol = "tcp", from_port = 80, to_port = 80, cidr_ip = "0.0.0.0/0" } } })).AssertOkAsync();

        var lb = await (await root.PostJsonAsync($"{Elb}/load-balancers", new { name = "e2e", scheme = "internal", subnets = new[] { subnet }, security_groups = new[] { front } })).AssertOkAsync();
        _lbArns.Add(Text(lb, "load_balancer_arn"));
        var lbArn = _lbArns[0];
        var internalAddress = lb.GetProperty("availability_zones")[0].GetProperty("load_balancer_addresses")[0];
        var address = Text(internalAddress, "private_i_pv4_address");
        Assert.True(!internalAddress.TryGetProperty("ip_address", out var none) || none.ValueKind == JsonValueKind.Null, $"an internal balancer with a public address: {internalAddress}");
        var pub = await (await root.PostJsonAsync($"{Elb}/load-balancers", new { name = "e2e-public", scheme = "internet-facing", subnets = new[] { subnet }, security_groups = new[] { front } })).AssertOkAsync();
        _lbArns.Add(Text(pub, "load_balancer_arn"));
        var publicAddress = Text(pub.GetProperty("availability_zones")[0].GetProperty("load_balancer_addresses")[0], "ip_address");
        Assert.StartsWith(PoolPrefix, publicAddress, StringComparison.Ordinal);

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
            load_balancer_arn = lbArn, protocol = "HTTP", port = 80, default_actions = new[] { new { type = "forward", target_group_arn = web } },
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
        var state = (await (await root.GetAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(lbArn)}")).AssertOkAsync()).GetProperty("load_balancers")[0];
        Assert.Equal("active", Text(state.GetProperty("state"), "code"));

        // From now on: / answers from A and B only (never a failure: the closed port gets nothing), /index.html from B only.
        await _cloud.ConsoleShowsAsync(a, "PLATFORM-GUEST-HTTP-READY 80", TimeSpan.FromSeconds(120));
        var from = _cloud.ConsoleText(a, 0).Length;
        await Eventually.TrueAsync(() => Task.FromResult(Answers(a, from).Count(x => x.Kind == "elb-default") >= 8), TimeSpan.FromSeconds(120),
            $"guest A did not print 8 answers through the balancer: {_cloud.ConsoleText(a, from)}");
        var answers = Answers(a, from);
        output.WriteLine($"healthy {healthyAt.TotalSeconds:F1} s after the start of the test; answers: {string.Join(", ", answers)}");
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), answers.Where(x => x.Kind == "elb-default").Select(x => x.Answer).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal([b], answers.Where(x => x.Kind == "elb-rule").Select(x => x.Answer).Distinct());

        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PLATFORM_BENCH_OUTPUT")))
        {
            await BenchAsync(subnet, front, b, address);
        }

        // The internet-facing balancer, forwarding to a group of A and B (an application load balancer's group is its own, as
        // on ELBv2): from outside its public address answers from both.
        var outer = Text(await (await root.PostJsonAsync($"{Elb}/target-groups", new
        {
            name = "outer", protocol = "HTTP", port = 80, vpc_id = vpc, health_check_path = "/health", health_check_interval_seconds = 5,
            health_check_timeout_seconds = 2, healthy_threshold_count = 2,
        })).AssertOkAsync(), "target_group_arn");
        await (await root.PostJsonAsync($"{Elb}/targets/register", new { target_group_arn = outer, targets = new[] { new { id = a }, new { id = b } } })).AssertOkAsync();
        var publicListener = Text(await (await root.PostJsonAsync($"{Elb}/listeners", new
        {
            load_balancer_arn = _lbArns[1], protocol = "HTTP", port = 80, default_actions = new[] { new { type = "forward", target_group_arn = outer } },
        })).AssertOkAsync(), "listener_arn");
        var outside = new List<string>();
        var watch = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () =>
        {
            if (await OutsideCurlAsync($"http://{publicAddress}/", 3) is { } answer)
            {
                outside.Add(answer);
            }

            return outside.Count >= 6;
        }, TimeSpan.FromSeconds(90), () => $"fewer than 6 answers from outside through {publicAddress}: {string.Join(", ", outside)}\nagent log:\n{_cloud.Agent.Output}", TimeSpan.FromMilliseconds(100));
        output.WriteLine($"outside through {publicAddress}: first 6 answers {watch.Elapsed.TotalSeconds:F1} s after its listener; {string.Join(", ", outside)}");
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), outside.Distinct().Order(StringComparer.Ordinal));

        // The internal balancer is not reachable from outside, even by a router that sends the VPC's range down the uplink.
        Assert.Null(await OutsideCurlAsync($"http://{address}/", 3));

        // A listener on 8080 the group does not let in: dropped at the node's port; with a rule for it, it answers.
        await (await root.PostJsonAsync($"{Elb}/listeners", new
        {
            load_balancer_arn = _lbArns[1], protocol = "HTTP", port = 8080, default_actions = new[] { new { type = "forward", target_group_arn = outer } },
        })).AssertOkAsync();
        await (await root.PostJsonAsync($"{Elb}/load-balancers/security-groups", new { load_balancer_arn = _lbArns[1], security_groups = new[] { front, group } })).AssertOkAsync();
        Assert.Null(await OutsideCurlAsync($"http://{publicAddress}:8080/", 3));
        await (await root.PostJsonAsync($"{Vpc}/security-groups/{front}/ingress-rules",
            new { rules = new[] { new { ip_protocol = "tcp", from_port = 8080, to_port = 8080, cidr_ip = Gateway + "/32" } } })).AssertOkAsync();
        string? opened = null;
        await Eventually.TrueAsync(async () => (opened = await OutsideCurlAsync($"http://{publicAddress}:8080/", 3)) is not null, TimeSpan.FromSeconds(90),
            () => $"the listener on 8080 did not answer from outside once the group let it in\nagent log:\n{_cloud.Agent.Output}");
        Assert.Contains(opened, new[] { a, b });

        // A and B have done their part: their CPU goes to the group's instances.
        foreach (var id in new[] { a, b })
        {
            await (await root.PostAsync($"/api/v1/ec2/instances/{id}/terminate", null)).AssertOkAsync();
        }

        await GroupBehindTheBalancerAsync(vpc, subnet, group, publicListener, publicAddress);
    }

    /// <summary>
    /// An Auto Scaling group of the test image (min 1, max 2) in a target group the internet-facing balancer sends the host
    /// <c>asg.example</c> to, with ELB health checks and a target tracking policy on the group's average CPU: its instance
    /// answers through the balancer; CPU burned in it (the image's <c>/cgi-bin/burn</c>, asked through the balancer) makes
    /// the policy add a second, which answers through the balancer too; the first, terminated by hand, is replaced; once the
    /// load is gone the policy scales in, and the instance it takes drains (deregistered, its deregistration delay honoured)
    /// before it is terminated, without cutting a client streaming from it (the image's <c>/cgi-bin/stream</c>); an instance
    /// whose health page fails (the image's <c>/cgi-bin/sick</c>) is found unhealthy by the target group's checks and
    /// replaced. The activities say why, as AWS words them.
    /// </summary>
    private async Task GroupBehindTheBalancerAsync(string vpc, string subnet, string securityGroup, string listener, string publicAddress)
    {
        const string AutoScaling = "/api/v1/autoscaling";
        const string Host = "asg.example";
        var root = _cloud.Root;
        var clock = Stopwatch.StartNew();
        var targets = Text(await (await root.PostJsonAsync($"{Elb}/target-groups", new
        {
            name = "asg", protocol = "HTTP", port = 80, vpc_id = vpc, health_check_path = "/health", health_check_interval_seconds = 5,
            health_check_timeout_seconds = 2, healthy_threshold_count = 2, unhealthy_threshold_count = 2, deregistration_delay_seconds = DeregistrationDelay,
        })).AssertOkAsync(), "target_group_arn");
        await (await root.PostJsonAsync($"{Elb}/rules", new
        {
            listener_arn = listener, priority = 1,
            conditions = new[] { new { field = "host-header", host_header_config = new { values = new[] { Host } } } },
            actions = new[] { new { type = "forward", target_group_arn = targets } },
        })).AssertOkAsync();
        await (await root.PostJsonAsync($"{AutoScaling}/launch-templates", new
        {
            launch_template_name = "web",
            launch_template_data = new { image_id = _cloud.ImageId, instance_type = "t2.nano", security_groups = new[] { securityGroup } },
        })).AssertOkAsync();
        // A cooldown longer than the test keeps the policy from scaling in once the load stops; the warm-up is short, as the guest boots in seconds.
        await (await root.PostJsonAsync($"{AutoScaling}/groups", new
        {
            auto_scaling_group_name = GroupName, launch_template = new { launch_template_name = "web" }, min_size = 1, max_size = 2, desired_capacity = 1,
            vpc_zone_identifier = subnet, health_check_type = "ELB", health_check_grace_period = 60, default_cooldown = 600, default_instance_warmup = 15,
            target_group_arns = new[] { targets },
        })).AssertOkAsync();
        _groupCreated = true;

        async Task<List<JsonElement>> InServiceAsync(int count, string? without = null)
        {
            List<JsonElement> members = [];
            await Eventually.TrueAsync(async () =>
            {
                members = (await (await root.GetAsync($"{AutoScaling}/groups/{GroupName}")).AssertOkAsync()).GetProperty("instances").EnumerateArray().ToList();
                foreach (var member in members)
                {
                    _cloud.Remember(Text(member, "instance_id"));
                }

                return members.Count == count && members.All(m => Text(m, "lifecycle_state") == "InService" && Text(m, "instance_id") != without);
            }, TimeSpan.FromSeconds(180), () => $"the group never had {count} instances in service: {string.Join(", ", members)}\nagent log:\n{_cloud.Agent.Output}");
            return members;
        }

        // Through the balancer until every one of these has answered (the group registered them and they passed the health checks).
        async Task AnswerAsync(params string[] ids)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            await Eventually.TrueAsync(async () =>
            {
                if (await OutsideCurlAsync($"http://{publicAddress}/", 3, Host) is { } answer)
                {
                    seen.Add(answer);
                }

                return ids.All(seen.Contains);
            }, TimeSpan.FromSeconds(180), () => $"through {publicAddress} for {Host} only {string.Join(", ", seen)} answered, not all of {string.Join(", ", ids)}\nagent log:\n{_cloud.Agent.Output}",
                TimeSpan.FromMilliseconds(250));
            Assert.Subset(ids.ToHashSet(StringComparer.Ordinal), seen);
        }

        var first = Text(Assert.Single(await InServiceAsync(1)), "instance_id");
        await AnswerAsync(first);
        var answeringAt = clock.Elapsed;
        var tags = (await root.InstanceAsync(first)).GetProperty("tags").EnumerateArray().ToDictionary(t => Text(t, "key"), t => t.GetProperty("value").GetString());
        Assert.Equal(GroupName, tags["aws:autoscaling:groupName"]);

        // CPUUtilization is the CPU time the guest's QEMU got (virDomainGetInfo, as AWS's is the hypervisor's view): on this 2-core
        // machine, shared with other work, a guest burning its one vCPU may get only a few percent of a core. So the policy's target
        // sits between this guest's idle and burning CPU as measured here, from the same source, at a quarter of the way up: the
        // group's average over the policy's window passes it once the burn has been a quarter or so of that window.
        var idle = await CpuPercentAsync(first, 10);
        Assert.Equal("burning 300 s", await OutsideCurlAsync($"http://{publicAddress}/cgi-bin/burn?seconds=300", 5, Host));
        var burning = await CpuPercentAsync(first, 15);
        Assert.True(burning > 2 * idle + 1, $"the burn did not show in the guest's CPU: idle {idle:F1} %, burning {burning:F1} % of a core");
        var target = Math.Round(idle + ((burning - idle) / 4), 1);
        await (await root.PutJsonAsync($"{AutoScaling}/groups/{GroupName}/policies/cpu", new
        {
            policy_type = "TargetTrackingScaling",
            target_tracking_configuration = new { predefined_metric_specification = new { predefined_metric_type = "ASGAverageCPUUtilization" }, target_value = target },
        })).AssertOkAsync();
        var burnAt = clock.Elapsed;

        var two = await InServiceAsync(2);
        var second = Text(Assert.Single(two, m => Text(m, "instance_id") != first), "instance_id");
        var inServiceAt = clock.Elapsed;
        await AnswerAsync(first, second);
        var bothAt = clock.Elapsed;
        var activities = (await (await root.GetAsync($"{AutoScaling}/groups/{GroupName}/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray().ToList();
        Assert.Contains(activities, x => Text(x, "description") == $"Launching a new EC2 instance: {second}" && Text(x, "status_code") == "Successful"
            && Text(x, "cause").Contains("-AlarmHigh-", StringComparison.Ordinal)
            && Text(x, "cause").Contains("triggered policy cpu changing the desired capacity from 1 to 2.", StringComparison.Ordinal));

        // The burning instance terminated by hand: the group notices and launches a replacement, which answers through the balancer.
        await (await root.PostAsync($"/api/v1/ec2/instances/{first}/terminate", null)).AssertOkAsync();
        var replaced = await InServiceAsync(2, without: first);
        var third = Text(Assert.Single(replaced, m => Text(m, "instance_id") != second), "instance_id");
        await AnswerAsync(second, third);
        activities = (await (await root.GetAsync($"{AutoScaling}/groups/{GroupName}/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray().ToList();
        var termination = Assert.Single(activities, x => Text(x, "description") == $"Terminating EC2 instance: {first}");
        Assert.Contains("health check", Text(termination, "cause"), StringComparison.Ordinal);
        Assert.Contains(activities, x => Text(x, "description") == $"Launching a new EC2 instance: {third}" && Text(x, "status_code") == "Successful");
        output.WriteLine($"group: first answered {answeringAt.TotalSeconds:F0} s after its creation; policy put while burning at {burnAt.TotalSeconds:F0} s, second in service at "
            + $"{inServiceAt.TotalSeconds:F0} s, both answering at {bothAt.TotalSeconds:F0} s; replacement answering at {clock.Elapsed.TotalSeconds:F0} s; "
            + $"termination cause: {Text(termination, "cause")}; CPU idle {idle:F1} %, burning {burning:F1} %, target {target} %");

        // Scale-in once the load is gone (the burn went with the first instance). The policy's target goes up to the burning level,
        // more than twice the idle one (asserted above), so that one idle instance is enough by the policy's arithmetic on this busy
        // machine, and the cooldown that held the scale-in back goes. Terminations are suspended until clients stream from both.
        await (await root.PostJsonAsync($"{AutoScaling}/groups/{GroupName}/suspend-processes", new { scaling_processes = new[] { "Terminate" } })).AssertOkAsync();
        await (await root.PutJsonAsync($"{AutoScaling}/groups/{GroupName}", new { default_cooldown = 0 })).AssertOkAsync();
        var idleTarget = Math.Max(target, Math.Round(burning, 1));
        await (await root.PutJsonAsync($"{AutoScaling}/groups/{GroupName}/policies/cpu", new
        {
            policy_type = "TargetTrackingScaling",
            target_tracking_configuration = new { predefined_metric_specification = new { predefined_metric_type = "ASGAverageCPUUtilization" }, target_value = idleTarget },
        })).AssertOkAsync();
        var desired = -1;
        await Eventually.TrueAsync(async () =>
            (desired = (await (await root.GetAsync($"{AutoScaling}/groups/{GroupName}")).AssertOkAsync()).GetProperty("desired_capacity").GetInt32()) == 1,
            TimeSpan.FromSeconds(240), () => $"the idle group's desired capacity stayed {desired} (target {idleTarget} %)\nagent log:\n{_cloud.Agent.Output}");
        var scaleInAt = clock.Elapsed;

        // The decision is taken (its cause is the group's until the terminations it leads to): the policy goes, so that the CPU of the
        // replacement's boot below cannot scale the group out again meanwhile.
        await (await root.DeleteAsync($"{AutoScaling}/groups/{GroupName}/policies/cpu")).AssertOkAsync();

        // Clients stream through the balancer (a line a second) until each of the two instances serves one.
        var streams = new List<StreamingClient>();
        try
        {
            while (streams.Select(x => x.InstanceId).Distinct().Count() < 2 && streams.Count < 8)
            {
                var stream = StreamingClient.Start(Outside, $"http://{publicAddress}/cgi-bin/stream?seconds={StreamSeconds}", Host);
                streams.Add(stream);
                await Eventually.TrueAsync(() => Task.FromResult(stream.InstanceId is not null || stream.HasExited), TimeSpan.FromSeconds(30),
                    () => $"no first line from the stream: {stream.Text}");
            }

            Assert.Equal(new[] { second, third }.Order(StringComparer.Ordinal), streams.Select(x => x.InstanceId).OfType<string>().Distinct().Order(StringComparer.Ordinal));
            await (await root.PostJsonAsync($"{AutoScaling}/groups/{GroupName}/resume-processes", new { scaling_processes = new[] { "Terminate" } })).AssertOkAsync();

            // One of them drains: deregistered (draining in its target group), still running, its streams still going.
            string? victim = null;
            var drainingSeen = new List<string>();
            await Eventually.TrueAsync(async () =>
            {
                drainingSeen = (await (await root.GetAsync($"{Elb}/target-health?target_group_arn={Uri.EscapeDataString(targets)}")).AssertOkAsync())
                    .GetProperty("target_health_descriptions").EnumerateArray()
                    .Where(h => Text(h.GetProperty("target_health"), "state") == "draining").Select(h => Text(h.GetProperty("target"), "id")).ToList();
                victim = drainingSeen.FirstOrDefault(id => id == second || id == third);
                return victim is not null;
            }, TimeSpan.FromSeconds(90), () => $"neither {second} nor {third} drained; draining: {string.Join(", ", drainingSeen)}\nagent log:\n{_cloud.Agent.Output}",
                TimeSpan.FromMilliseconds(500));
            var drainingAt = clock.Elapsed;
            var victimStreams = streams.Where(x => x.InstanceId == victim).ToList();
            Assert.All(victimStreams, x => Assert.False(x.HasExited, $"the stream from {victim} ended before it drained: {x.Text}"));
            Assert.Equal("running", await root.StateAsync(victim!));

            // Every stream runs to its end: nothing was cut while its instance drained.
            foreach (var stream in streams)
            {
                await stream.WaitAsync(TimeSpan.FromSeconds(StreamSeconds + 60));
                Assert.True(stream.ExitCode == 0, $"a stream from {stream.InstanceId} failed (curl {stream.ExitCode}): {stream.Text}");
                string[] whole = [stream.InstanceId!, .. Enumerable.Range(1, StreamSeconds).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), "done"];
                Assert.Equal(whole, stream.Lines);
            }

            // The instance that stays gets a health page that fails: the target group's checks find it unhealthy, the group (health check
            // type ELB) replaces it. The draining one takes no new requests, so this one answers.
            var survivor = victim == second ? third : second;
            Assert.Equal($"sick {survivor}", await OutsideCurlAsync($"http://{publicAddress}/cgi-bin/sick", 5, Host));
            var fourth = Text(Assert.Single(await InServiceAsync(1, without: survivor)), "instance_id");
            Assert.NotEqual(victim, fourth);
            await AnswerAsync(fourth);
            activities = (await (await root.GetAsync($"{AutoScaling}/groups/{GroupName}/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray().ToList();

            // The scale-in's activity: AWS's cause, and the instance terminated only after the target group's deregistration delay.
            var scaleIn = Assert.Single(activities, x => Text(x, "description") == $"Terminating EC2 instance: {victim}");
            var cause = Text(scaleIn, "cause");
            Assert.Contains("-AlarmLow-", cause, StringComparison.Ordinal);
            Assert.Contains("triggered policy cpu changing the desired capacity from 2 to 1.", cause, StringComparison.Ordinal);
            Assert.Contains("shrinking the capacity from 2 to 1.", cause, StringComparison.Ordinal);
            Assert.Equal("Successful", Text(scaleIn, "status_code"));
            var drained = scaleIn.GetProperty("end_time").GetDateTime() - scaleIn.GetProperty("start_time").GetDateTime();
            Assert.True(drained >= TimeSpan.FromSeconds(DeregistrationDelay), $"{victim} was terminated {drained.TotalSeconds:F0} s after its scale-in began, within the delay");
            Assert.Contains(await root.StateAsync(victim!), new[] { "shutting-down", "terminated" });

            var sick = Assert.Single(activities, x => Text(x, "description") == $"Terminating EC2 instance: {survivor}");
            Assert.Contains("ELB system health check failure", Text(sick, "cause"), StringComparison.Ordinal);
            Assert.Contains(activities, x => Text(x, "description") == $"Launching a new EC2 instance: {fourth}" && Text(x, "status_code") == "Successful");
            _cloud.Remember(fourth);
            output.WriteLine($"scale-in: desired 1 at {scaleInAt.TotalSeconds:F0} s (target {idleTarget} %), {victim} draining at {drainingAt.TotalSeconds:F0} s, "
                + $"terminated {drained.TotalSeconds:F0} s after its activity began; {streams.Count} streams of {StreamSeconds} s whole; {survivor} made sick, "
                + $"{fourth} answering in its place at {clock.Elapsed.TotalSeconds:F0} s; its cause: {Text(sick, "cause")}");
        }
        finally
        {
            foreach (var stream in streams)
            {
                stream.Dispose();
            }
        }
    }

    /// <summary>The asg target group's deregistration delay: long enough to watch a stream go on through it.</summary>
    private const int DeregistrationDelay = 50;

    /// <summary>How long each streamed response lasts: shorter than the delay (after it ELBv2 closes what is left) and longer than a group pass.</summary>
    private const int StreamSeconds = 40;

    /// <summary>curl from the outside namespace streaming a response line by line: the first line names the instance that serves it.</summary>
    private sealed class StreamingClient : IDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly Task _reading;

        private StreamingClient(Process process)
        {
            _process = process;
            _reading = Task.Run(async () =>
            {
                while (await process.StandardOutput.ReadLineAsync() is { } line)
                {
                    lock (_lines)
                    {
                        _lines.Add(line.Trim());
                    }
                }
            });
        }

        public static StreamingClient Start(string ns, string url, string host)
        {
            var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "netns", "exec", ns, "curl", "-s", "-N", "-f", "-m", "120", "-H", "Host: " + host, url })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start)!;
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            return new StreamingClient(process);
        }

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public string? InstanceId => Lines is [var first, ..] ? first : null;

        public string Text => string.Join(" | ", Lines);

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.ExitCode;

        public async Task WaitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cancel.Token);
            await _reading;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }

    /// <summary>
    /// For bench/elb-haproxy.sh only (PLATFORM_BENCH_OUTPUT set): measures, asserts little. From inside a balancer node's namespace
    /// in the VPC: a new internal balancer, its listener forwarding to a new target group of guest B (already booted), from the create
    /// call to the first answer from B through it; then requests/s and p50/p99 of <c>/index.html</c> on B directly, and through the
    /// first balancer (its path rule sends <c>/index.html</c> to only-b: B alone), the same target, one after the other.
    /// </summary>
    private async Task BenchAsync(string subnet, string securityGroup, string b, string address)
    {
        var root = _cloud.Root;
        var state = Path.Combine(_cloud.AgentState, "load-balancers");
        var nodeId = Path.GetFileName(Directory.EnumerateDirectories(state).First());
        var ns = "elb-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Bridge + "/" + nodeId)))[..12];
        var bIp = Text(await root.InstanceAsync(b), "private_ip_address");

        // An application load balancer's target group is its own: one of B alone for the new balancer.
        var vpc = Text(await root.InstanceAsync(b), "vpc_id");
        var benchTargets = Text(await (await root.PostJsonAsync($"{Elb}/target-groups", new
        {
            name = "bench", protocol = "HTTP", port = 80, vpc_id = vpc, health_check_path = "/health", health_check_interval_seconds = 5,
            health_check_timeout_seconds = 2, healthy_threshold_count = 2,
        })).AssertOkAsync(), "target_group_arn");
        await (await root.PostJsonAsync($"{Elb}/targets/register", new { target_group_arn = benchTargets, targets = new[] { new { id = b } } })).AssertOkAsync();

        var clock = Stopwatch.StartNew();
        var created = await (await root.PostJsonAsync($"{Elb}/load-balancers", new { name = "bench", scheme = "internal", subnets = new[] { subnet }, security_groups = new[] { securityGroup } }))
            .AssertOkAsync();
        _lbArns.Add(Text(created, "load_balancer_arn"));
        var benchAddress = Text(created.GetProperty("availability_zones")[0].GetProperty("load_balancer_addresses")[0], "private_i_pv4_address");
        await (await root.PostJsonAsync($"{Elb}/listeners", new
        {
            load_balancer_arn = _lbArns[^1], protocol = "HTTP", port = 80, default_actions = new[] { new { type = "forward", target_group_arn = benchTargets } },
        })).AssertOkAsync();
        var calls = clock.Elapsed;
        string? answer = null;
        await Eventually.TrueAsync(async () =>
        {
            var (code, text) = await Shell.RunAsync("ip", "netns", "exec", ns, "curl", "-s", "-f", "-m", "2", $"http://{benchAddress}/");
            answer = code == 0 ? text.Trim() : null;
            return answer == b;
        }, TimeSpan.FromSeconds(180), () => $"the bench balancer at {benchAddress} never answered from {b}: {answer}\nagent log:\n{_cloud.Agent.Output}",
            TimeSpan.FromMilliseconds(100));
        var firstAnswer = clock.Elapsed;

        async Task<JsonElement> LoadAsync(string host)
        {
            var script = Path.Combine(Platform.Tests.Common.Repository.Root, "bench", "http-load.py");
            var (code, text) = await Shell.RunAsync("ip", "netns", "exec", ns, "python3", script, host, "80", "/index.html",
                Environment.GetEnvironmentVariable("BENCH_SECONDS") ?? "10", Environment.GetEnvironmentVariable("BENCH_CONCURRENCY") ?? "16");
            Assert.True(code == 0, $"bench/http-load.py against {host} exited {code}: {text}");
            return JsonDocument.Parse(text.Trim().Split('\n')[^1]).RootElement.Clone();
        }

        var direct = await LoadAsync(bIp);
        var through = await LoadAsync(address);
        output.WriteLine($"bench: create to first answer {firstAnswer.TotalMilliseconds:F0} ms (calls {calls.TotalMilliseconds:F0} ms); direct {direct}; through {through}");
        Benchmark.Record("create_to_first_answer_ms", firstAnswer.TotalMilliseconds, "create_calls_ms", calls.TotalMilliseconds,
            "direct", direct, "through", through, "load_average", File.ReadAllText("/proc/loadavg").Split(' ')[0]);
    }

    /// <summary>The share of a core the guest's QEMU got over the next seconds: virDomainGetInfo's CPU time, the platform's CPUUtilization's source.</summary>
    private async Task<double> CpuPercentAsync(string instanceId, int seconds)
    {
        using var domain = _cloud.Libvirt.FindDomain(instanceId) ?? throw new InvalidOperationException($"no domain {instanceId}");
        var before = domain.GetInfo().CpuTime;
        var watch = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        return 100 * ((domain.GetInfo().CpuTime - before) / watch.Elapsed);
    }

    /// <summary>curl from the outside namespace: the body, or null when it failed (refused, timed out, unreachable).</summary>
    private async Task<string?> OutsideCurlAsync(string url, int seconds, string? host = null)
    {
        string[] args = ["netns", "exec", Outside, "curl", "-s", "-f", "-m", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), url];
        var (code, text) = await Shell.RunAsync("ip", host is null ? args : [.. args, "-H", "Host: " + host]);
        return code == 0 ? text.Trim() : null;
    }
}
