using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.LoadBalancers;

/// <summary>Where a server line of the configuration comes from: its target group and target (to read health back).</summary>
internal sealed record HaproxyServer(string Backend, string Server, string TargetGroupArn, string TargetId, int Port);

/// <summary>A node's HAProxy configuration and the map from its server lines back to ELBv2's targets.</summary>
internal sealed record HaproxyConfigurationText(string Text, IReadOnlyList<HaproxyServer> Servers);

/// <summary>
/// Writes one load balancer node's HAProxy configuration (HAProxy 2.6, Debian 12's), following ELBv2's semantics:
/// <list type="bullet">
/// <item>Rules by priority: each rule's conditions set <c>txn.rule</c> only when no rule of a lower priority matched
/// first, so a matching lower priority wins whatever its action (HAProxy itself runs <c>http-request</c> actions before
/// <c>use_backend</c>); the default action applies when none matched.</item>
/// <item>Wildcards <c>*</c>/<c>?</c> become anchored regular expressions; host, header and query compare without case,
/// path and method with it.</item>
/// <item>Weighted forwards pick by one random number per request against cumulative thresholds.</item>
/// <item>Health checks by HAProxy with the group's settings; every target is also a <c>backup</c> server without checks, and
/// <c>option allbackups</c> sends traffic to all of them when every checked one is down: ELBv2's fail open.</item>
/// <item>Targets' health survives a reload: the agent saves the servers' state before it (<c>server-state-file</c>), so a
/// configuration change neither resets an unhealthy target to up nor a healthy one to its first checks.</item>
/// <item>Draining targets keep their line with weight 0: no new connections, open ones continue until the target leaves the
/// configuration at the end of its delay (<see cref="DesiredTarget.DrainedAt"/>, written out from then on), when the agent
/// shuts its sessions down.</item>
/// </list>
/// UDP listeners are not carried (HAProxy 2.6 has no UDP proxying).
/// </summary>
internal static class HaproxyConfiguration
{
    private const int PickRange = 1_000_000;

    /// <summary>
    /// ELBv2's longest deregistration delay: old workers of a reload finish their connections for at most this long, so a
    /// reload for an unrelated change cuts nothing sooner. Connections to a target whose own delay has passed are cut by the
    /// agent when the target leaves the configuration (<see cref="HaproxyProcess.ApplyAsync"/>'s cut-off servers).
    /// </summary>
    public const int HardStopAfterSeconds = 3600;

    /// <summary>The name prefix of a target's unchecked backup line (fail open).</summary>
    public const string FailOpenPrefix = "open-";

    /// <param name="stateDirectory">Where the node's stats socket lives.</param>
    /// <param name="bindAddress">The address listeners bind (the node's own in its namespace; tests use loopback).</param>
    /// <param name="now">The time the configuration is for: draining targets whose delay ended by then are left out. Null: none is.</param>
    public static HaproxyConfigurationText Write(DesiredLoadBalancerNode node, string stateDirectory, string? bindAddress = null, DateTime? now = null)
    {
        var servers = new List<HaproxyServer>();
        var text = new StringBuilder();
        var http = node.Type == "application";
        text.Append(CultureInfo.InvariantCulture, $"""
            # {node.LoadBalancerArn} node {node.NodeId}: written by the HostAgent, replaced whole on every change.
            global
                master-worker
                stats socket {Path.Combine(stateDirectory, "admin.sock")} mode 600 level admin expose-fd listeners
                hard-stop-after {HardStopAfterSeconds}s
                maxconn 4096
                server-state-file {Path.Combine(stateDirectory, "server-state")}

            defaults
                load-server-state-from-file global
                timeout connect 5s
                timeout client 60s
                timeout server 60s
                timeout http-request 10s
                timeout queue 5s

            """);

        foreach (var listener in node.Listeners.Where(l => l.Protocol != "UDP").OrderBy(l => l.Port))
        {
            WriteFrontend(text, listener, http, bindAddress);
        }

        foreach (var group in node.TargetGroups.OrderBy(g => g.TargetGroupArn, StringComparer.Ordinal))
        {
            WriteBackend(text, group, http, servers, now);
        }

        return new HaproxyConfigurationText(text.ToString(), servers);
    }

    /// <summary>Servers of the old configuration that the new one no longer has: their open connections are to be cut.</summary>
    public static IReadOnlyList<HaproxyServer> Removed(IReadOnlyList<HaproxyServer> before, IReadOnlyList<HaproxyServer> after) =>
        before.Where(b => !after.Any(a => a.Backend == b.Backend && a.Server == b.Server)).ToList();

    /// <summary>A target group's backend name: its ARN's id (16 hex digits, unique).</summary>
    public static string BackendName(string targetGroupArn) => "tg-" + targetGroupArn[(targetGroupArn.LastIndexOf('/') + 1)..];

    private static void WriteFrontend(StringBuilder text, DesiredListener listener, bool http, string? bindAddress)
    {
        var port = listener.Port.ToString(CultureInfo.InvariantCulture);
        text.Append(CultureInfo.InvariantCulture, $"\nfrontend listener-{port}\n    mode {(http ? "http" : "tcp")}\n    bind {bindAddress ?? ""}:{port}\n");
        if (http)
        {
            text.Append("    option forwardfor\n");
        }

        var rules = listener.Rules.OrderBy(r => r.Priority).ToList();
        var needsPick = rules.Select(r => r.Action).Append(listener.DefaultAction).Any(a => a.TargetGroups is { Count: > 1 });
        if (needsPick)
        {
            text.Append(CultureInfo.InvariantCulture, $"    {(http ? "http-request" : "tcp-request content")} set-var(txn.pick) rand({PickRange})\n");
        }

        foreach (var rule in rules)
        {
            var name = "r" + rule.Priority.ToString(CultureInfo.InvariantCulture);
            var acls = new List<string>();
            for (var i = 0; i < rule.Conditions.Count; i++)
            {
                var acl = $"{name}c{i.ToString(CultureInfo.InvariantCulture)}";
                text.Append(CultureInfo.InvariantCulture, $"    acl {acl} {Condition(rule.Conditions[i])}\n");
                acls.Add(acl);
            }

            text.Append(CultureInfo.InvariantCulture,
                $"    http-request set-var(txn.rule) int({rule.Priority.ToString(CultureInfo.InvariantCulture)}) if !{{ var(txn.rule) -m found }} {string.Join(' ', acls)}\n");
        }

        foreach (var rule in rules)
        {
            WriteAction(text, rule.Action, $"{{ var(txn.rule) -m int {rule.Priority.ToString(CultureInfo.InvariantCulture)} }}", http);
        }

        WriteAction(text, listener.DefaultAction, rules.Count > 0 ? "!{ var(txn.rule) -m found }" : null, http);
    }

    private static void WriteAction(StringBuilder text, DesiredAction action, string? condition, bool http)
    {
        var when = condition is null ? "" : " if " + condition;
        switch (action.Type)
        {
            case "fixed-response" when action.FixedResponse is { } fixedResponse:
                var body = fixedResponse.MessageBody is { Length: > 0 } message
                    ? $" content-type {Quote(fixedResponse.ContentType ?? "text/plain")} string {Quote(message)}"
                    : "";
                text.Append(CultureInfo.InvariantCulture, $"    http-request return status {fixedResponse.StatusCode}{body}{when}\n");
                break;
            case "redirect" when action.Redirect is { } redirect:
                var code = redirect.StatusCode == "HTTP_302" ? "302" : "301";
                text.Append(CultureInfo.InvariantCulture, $"    http-request redirect location {Quote(RedirectLocation(redirect))} code {code}{when}\n");
                break;
            default:
                var groups = action.TargetGroups ?? [];
                var total = groups.Sum(g => g.Weight);
                if (groups.Count == 1 || total == 0)
                {
                    text.Append(CultureInfo.InvariantCulture, $"    use_backend {BackendName(groups[0].TargetGroupArn)}{when}\n");
                    break;
                }

                long cumulative = 0;
                foreach (var group in groups.Where(g => g.Weight > 0))
                {
                    cumulative += group.Weight;
                    var below = (cumulative * PickRange / total).ToString(CultureInfo.InvariantCulture);
                    var pick = $"{{ var(txn.pick) -m int lt {below} }}";
                    text.Append(CultureInfo.InvariantCulture, $"    use_backend {BackendName(group.TargetGroupArn)} if {(condition is null ? "" : condition + " ")}{pick}\n");
                }

                break;
        }

        _ = http;
    }

    /// <summary>ELBv2's redirect as an HAProxy log-format: <c>#{…}</c> keep the request's parts; an empty query adds no <c>?</c>.</summary>
    internal static string RedirectLocation(DesiredRedirect redirect)
    {
        static string Tokens(string value) => value
            .Replace("#{protocol}", "http", StringComparison.Ordinal)
            .Replace("#{host}", "%[req.hdr(host),field(1,:)]", StringComparison.Ordinal)
            .Replace("#{port}", "%[dst_port]", StringComparison.Ordinal)
            .Replace("#{path}", "%[path,regsub(^/,)]", StringComparison.Ordinal)
            .Replace("#{query}", "%[query]", StringComparison.Ordinal);
        var protocol = redirect.Protocol == "#{protocol}" ? "http" : redirect.Protocol.ToLowerInvariant();
        var port = redirect.Port == "#{port}" ? "%[dst_port]" : redirect.Port;
        var query = redirect.Query == "#{query}" ? "%[url,regsub(^[^?]*,)]" : redirect.Query.Length == 0 ? "" : "?" + Tokens(redirect.Query);
        return $"{protocol}://{Tokens(redirect.Host)}:{port}{Tokens(redirect.Path)}{query}";
    }

    internal static string Condition(DesiredRuleCondition condition) => condition.Field switch
    {
        "host-header" => "req.hdr(host),field(1,:),lower -m reg " + Patterns(condition.Values, ignoreCase: true),
        "path-pattern" => "path -m reg " + Patterns(condition.Values, ignoreCase: false),
        "http-request-method" => "method -m str " + string.Join(' ', condition.Values),
        "source-ip" => "src " + string.Join(' ', condition.Values),
        "http-header" => $"req.hdr({condition.HttpHeaderName}),lower -m reg " + Patterns(condition.Values, ignoreCase: true),
        "query-string" => "query,lower -m reg " + string.Join(' ', (condition.QueryPairs ?? []).Select(p =>
            Quote($"(^|&){(p.Key is null ? "[^&=]*" : Glob(p.Key.ToLowerInvariant()))}={Glob(p.Value.ToLowerInvariant())}(&|$)"))),
        _ => throw new ArgumentException($"Unknown condition field '{condition.Field}'.", nameof(condition)),
    };

    private static string Patterns(IEnumerable<string> values, bool ignoreCase) =>
        string.Join(' ', values.Select(v => Quote("^" + Glob(ignoreCase ? v.ToLowerInvariant() : v) + "$")));

    /// <summary>ELBv2's <c>*</c> and <c>?</c> as a regular expression; everything else literal.</summary>
    internal static string Glob(string pattern) =>
        string.Concat(pattern.Select(c => c switch { '*' => ".*", '?' => ".", _ => Regex.Escape(c.ToString()) }));

    /// <summary>
    /// A double-quoted argument: backslashes, quotes and dollars escaped, as HAProxy's parser reads them (inside double quotes
    /// <c>$</c> would start an environment variable: a regular expression's <c>$"</c> anchor is a parse error unescaped).
    /// </summary>
    internal static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("$", "\\$", StringComparison.Ordinal) + "\"";

    /// <summary>The earliest end of a draining target's delay after <paramref name="now"/> among these nodes: when their configuration next changes by itself.</summary>
    public static DateTime? NextDrainEnd(IEnumerable<DesiredLoadBalancerNode> nodes, DateTime now) =>
        nodes.SelectMany(n => n.TargetGroups).SelectMany(g => g.Targets)
            .Select(t => t.DrainedAt?.ToUniversalTime()).Where(end => end > now.ToUniversalTime()).Min();

    private static bool Drained(DesiredTarget target, DateTime? now) => target.DrainedAt is { } end && now is { } at && end.ToUniversalTime() <= at.ToUniversalTime();

    private static void WriteBackend(StringBuilder text, DesiredTargetGroup group, bool http, List<HaproxyServer> servers, DateTime? now)
    {
        var name = BackendName(group.TargetGroupArn);
        text.Append(CultureInfo.InvariantCulture, $"\nbackend {name}\n    # {group.TargetGroupArn}\n    mode {(http ? "http" : "tcp")}\n    balance roundrobin\n    option allbackups\n");
        if (group.HealthCheckEnabled && group.HealthCheckProtocol == "HTTP")
        {
            text.Append(CultureInfo.InvariantCulture, $"    option httpchk\n    http-check send meth GET uri {Quote(group.HealthCheckPath ?? "/")} ver HTTP/1.1 hdr Host elb-health-check\n");
            text.Append(CultureInfo.InvariantCulture, $"    http-check expect rstatus {Quote(MatcherRegex(group.Matcher ?? "200"))}\n");
        }

        text.Append(CultureInfo.InvariantCulture,
            $"    timeout check {group.HealthCheckTimeoutSeconds.ToString(CultureInfo.InvariantCulture)}s\n    default-server inter {group.HealthCheckIntervalSeconds.ToString(CultureInfo.InvariantCulture)}s rise {group.HealthyThresholdCount.ToString(CultureInfo.InvariantCulture)} fall {group.UnhealthyThresholdCount.ToString(CultureInfo.InvariantCulture)}\n");
        var checkPort = group.HealthCheckPort == "traffic-port" ? "" : " port " + group.HealthCheckPort;
        foreach (var target in group.Targets.Where(t => !Drained(t, now)).OrderBy(t => t.TargetId, StringComparer.Ordinal).ThenBy(t => t.Port))
        {
            var server = $"{target.TargetId}-{target.Port.ToString(CultureInfo.InvariantCulture)}";
            var address = $"{target.IpAddress}:{target.Port.ToString(CultureInfo.InvariantCulture)}";
            var check = group.HealthCheckEnabled ? " check" + checkPort : "";
            var weight = target.Draining ? " weight 0" : "";
            text.Append(CultureInfo.InvariantCulture, $"    server {server} {address}{check}{weight}\n");
            if (!target.Draining)
            {
                text.Append(CultureInfo.InvariantCulture, $"    server {FailOpenPrefix}{server} {address} backup\n");
            }

            servers.Add(new HaproxyServer(name, server, group.TargetGroupArn, target.TargetId, target.Port));
        }
    }

    /// <summary>ELBv2's matcher (<c>200</c>, <c>200,202</c>, <c>200-299</c>) as an anchored alternative of the codes.</summary>
    internal static string MatcherRegex(string matcher)
    {
        var codes = new List<int>();
        foreach (var part in matcher.Split(','))
        {
            var bounds = part.Split('-');
            var from = int.Parse(bounds[0], CultureInfo.InvariantCulture);
            var to = int.Parse(bounds[^1], CultureInfo.InvariantCulture);
            for (var code = from; code <= to; code++)
            {
                codes.Add(code);
            }
        }

        return "^(" + string.Join('|', codes.Distinct().Select(c => c.ToString(CultureInfo.InvariantCulture))) + ")$";
    }
}
