using System.Diagnostics;
using Platform.HostAgent.LoadBalancers;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests.LoadBalancers;

/// <summary>What a load balancer node's HAProxy configuration says, and that Debian's HAProxy accepts it (<c>haproxy -c</c>).</summary>
public sealed class HaproxyConfigurationTests
{
    internal const string Web = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/00000000000000a1";
    internal const string Api = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/00000000000000b2";

    internal static DesiredTargetGroup Group(string arn, params DesiredTarget[] targets) =>
        new(arn, "HTTP", true, "HTTP", "traffic-port", "/health", 5, 2, 2, 2, "200-299", 5, targets);

    internal static DesiredLoadBalancerNode Node(IReadOnlyList<DesiredListener> listeners, IReadOnlyList<DesiredTargetGroup> groups, string type = "application") =>
        new("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/front/0123456789abcdef", "eni-0123456789abcdef0", type, "vpc-1", 7,
            "10.0.1.0/24", "10.0.1.1", "10.0.1.5", "02:00:00:00:00:01", null, listeners, groups);

    private static DesiredAction Forward(string arn) => new("forward", [new DesiredWeightedTargetGroup(arn, 1)]);

    private static DesiredLoadBalancerNode Everything() => Node(
        [
            new DesiredListener(80, "HTTP", Forward(Web),
            [
                new DesiredListenerRule(10, [new DesiredRuleCondition("path-pattern", ["/api/*", "/v?/x"])], Forward(Api)),
                new DesiredListenerRule(5, [new DesiredRuleCondition("host-header", ["*.Example.com"]), new DesiredRuleCondition("http-request-method", ["POST"])],
                    new DesiredAction("fixed-response", FixedResponse: new DesiredFixedResponse("503", "application/json", "{\"busy\": \"yes\"}"))),
                new DesiredListenerRule(20, [new DesiredRuleCondition("source-ip", ["192.168.0.0/16"]), new DesiredRuleCondition("http-header", ["*mobile*"], "User-Agent")],
                    new DesiredAction("redirect", Redirect: new DesiredRedirect("HTTPS", "443", "#{host}", "/m/#{path}", "#{query}", "HTTP_302"))),
                new DesiredListenerRule(30, [new DesiredRuleCondition("query-string", [], QueryPairs: [new DesiredQueryPair("v", "2"), new DesiredQueryPair(null, "beta*")])],
                    new DesiredAction("forward", [new DesiredWeightedTargetGroup(Web, 3), new DesiredWeightedTargetGroup(Api, 1)])),
            ]),
        ],
        [
            Group(Web, new DesiredTarget("i-0000000000000001a", "10.0.1.10", 80, false), new DesiredTarget("i-0000000000000002a", "10.0.2.10", 80, true)),
            Group(Api, new DesiredTarget("10.0.2.20", "10.0.2.20", 8080, false)),
        ]);

    [Fact]
    public void A_draining_target_keeps_its_line_with_weight_0_until_its_delay_ends_and_is_left_out_from_then_on_its_sessions_cut()
    {
        var end = new DateTime(2026, 12, 6, 16, 0, 0, DateTimeKind.Utc);
        var node = Node([new DesiredListener(80, "HTTP", Forward(Web), [])],
            [Group(Web, new DesiredTarget("i-0000000000000001a", "10.0.1.10", 80, false), new DesiredTarget("i-0000000000000002a", "10.0.2.10", 80, true, end))]);

        // Before the end (and when no time is given): no new connections, the open ones go on; no fail-open twin.
        foreach (var text in new[] { HaproxyConfiguration.Write(node, "/run/elb/x", now: end.AddMilliseconds(-1)).Text, HaproxyConfiguration.Write(node, "/run/elb/x").Text })
        {
            Assert.Contains("server i-0000000000000002a-80 10.0.2.10:80 check weight 0\n", text, StringComparison.Ordinal);
            Assert.DoesNotContain("open-i-0000000000000002a", text, StringComparison.Ordinal);
        }

        Assert.Equal(end, HaproxyConfiguration.NextDrainEnd([node], end.AddSeconds(-30)));

        // From the end on, from the same desired state: gone, and the agent cuts its sessions as it reloads; the other target stays.
        var before = HaproxyConfiguration.Write(node, "/run/elb/x", now: end.AddMilliseconds(-1));
        var after = HaproxyConfiguration.Write(node, "/run/elb/x", now: end);
        Assert.DoesNotContain("i-0000000000000002a", after.Text, StringComparison.Ordinal);
        Assert.Contains("server i-0000000000000001a-80 10.0.1.10:80 check\n", after.Text, StringComparison.Ordinal);
        Assert.Equal(["i-0000000000000002a"], HaproxyConfiguration.Removed(before.Servers, after.Servers).Select(s => s.TargetId));
        Assert.Null(HaproxyConfiguration.NextDrainEnd([node], end));
    }

    [Fact]
    public void Rules_become_priority_ordered_ACLs_and_every_target_a_checked_server_with_a_fail_open_backup()
    {
        var config = HaproxyConfiguration.Write(Everything(), "/run/elb/x");
        var text = config.Text;

        // Lower priorities claim the request first, whatever the order given.
        var claims = text.Split('\n').Where(l => l.Contains("set-var(txn.rule)", StringComparison.Ordinal)).ToList();
        Assert.Equal(["int(5)", "int(10)", "int(20)", "int(30)"], claims.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"int\(\d+\)").Value));
        Assert.Contains("acl r10c0 path -m reg \"^/api/.*\\$\" \"^/v./x\\$\"", text, StringComparison.Ordinal);
        Assert.Contains("acl r5c0 req.hdr(host),field(1,:),lower -m reg \"^.*\\\\.example\\\\.com\\$\"", text, StringComparison.Ordinal);
        Assert.Contains("acl r5c1 method -m str POST", text, StringComparison.Ordinal);
        Assert.Contains("http-request set-var(txn.rule) int(5) if !{ var(txn.rule) -m found } r5c0 r5c1", text, StringComparison.Ordinal);
        Assert.Contains("http-request return status 503 content-type \"application/json\" string \"{\\\"busy\\\": \\\"yes\\\"}\" if { var(txn.rule) -m int 5 }", text, StringComparison.Ordinal);
        Assert.Contains("http-request redirect location \"https://%[req.hdr(host),field(1,:)]:443/m/%[path,regsub(^/,)]%[url,regsub(^[^?]*,)]\" code 302 if { var(txn.rule) -m int 20 }", text, StringComparison.Ordinal);
        Assert.Contains("use_backend tg-00000000000000b2 if { var(txn.rule) -m int 10 }", text, StringComparison.Ordinal);
        Assert.Contains("use_backend tg-00000000000000a1 if { var(txn.rule) -m int 30 } { var(txn.pick) -m int lt 750000 }", text, StringComparison.Ordinal);
        Assert.Contains("use_backend tg-00000000000000b2 if { var(txn.rule) -m int 30 } { var(txn.pick) -m int lt 1000000 }", text, StringComparison.Ordinal);
        Assert.Contains("use_backend tg-00000000000000a1 if !{ var(txn.rule) -m found }", text, StringComparison.Ordinal);

        Assert.Contains("http-check expect rstatus \"^(200|201|", text, StringComparison.Ordinal);
        Assert.Contains("default-server inter 5s rise 2 fall 2", text, StringComparison.Ordinal);
        Assert.Contains("server i-0000000000000001a-80 10.0.1.10:80 check\n", text, StringComparison.Ordinal);
        Assert.Contains("server open-i-0000000000000001a-80 10.0.1.10:80 backup\n", text, StringComparison.Ordinal);
        Assert.Contains("server i-0000000000000002a-80 10.0.2.10:80 check weight 0\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("open-i-0000000000000002a", text, StringComparison.Ordinal);
        Assert.Contains("option allbackups", text, StringComparison.Ordinal);
        Assert.Equal(3, config.Servers.Count);
    }

    [Fact]
    public async Task Debian_s_HAProxy_accepts_the_configuration_of_an_application_and_of_a_network_load_balancer()
    {
        var directory = Directory.CreateTempSubdirectory("elb-config-").FullName;
        try
        {
            var tcp = Node([new DesiredListener(443, "TCP", Forward(Web), []), new DesiredListener(53, "UDP", Forward(Web), [])],
                [Group(Web, new DesiredTarget("i-0000000000000001a", "10.0.1.10", 443, false)) with { Protocol = "TCP", HealthCheckProtocol = "TCP", HealthCheckPath = null, Matcher = null }],
                type: "network");
            foreach (var node in new[] { Everything(), tcp })
            {
                var path = Path.Combine(directory, "haproxy.cfg");
                await File.WriteAllTextAsync(path, HaproxyConfiguration.Write(node, directory, "127.0.0.1").Text);
                var (code, output) = await HaproxyCheckAsync(path);
                Assert.True(code == 0, output);
            }

            Assert.DoesNotContain(":53", HaproxyConfiguration.Write(tcp, directory).Text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("UP", "L7OK", "healthy", null)]
    [InlineData("UP 1/2", "L7STS", "healthy", null)]
    [InlineData("DOWN", "L7STS", "unhealthy", "Target.ResponseCodeMismatch")]
    [InlineData("DOWN 1/2", "L4TOUT", "unhealthy", "Target.Timeout")]
    [InlineData("DOWN", "*L4CON", "unhealthy", "Target.FailedHealthChecks")]
    [InlineData("UP", "INI", "initial", "Elb.InitialHealthChecking")]
    [InlineData("DOWN", "INI", "initial", "Elb.InitialHealthChecking")]
    public void Stats_lines_read_as_ELBv2_s_target_health(string status, string check, string state, string? reason)
    {
        var csv = "# pxname,svname,qcur,status,check_status\n" +
                  $"tg-00000000000000a1,i-0000000000000001a-80,0,{status},{check}\n" +
                  "tg-00000000000000a1,open-i-0000000000000001a-80,0,no check,\n" +
                  "tg-00000000000000a1,BACKEND,0,UP,\n";
        var servers = new[] { new HaproxyServer("tg-00000000000000a1", "i-0000000000000001a-80", Web, "i-0000000000000001a", 80) };
        var report = Assert.Single(HaproxyStats.Read(csv, servers));
        Assert.Equal(new TargetHealthReport(Web, "i-0000000000000001a", 80, state, reason), report);
    }

    internal static async Task<(int Code, string Output)> HaproxyCheckAsync(string path)
    {
        var start = new ProcessStartInfo("haproxy") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-c", "-f", path })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
