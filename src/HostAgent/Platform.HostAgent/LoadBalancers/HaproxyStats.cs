using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.LoadBalancers;

/// <summary>
/// Reads target health from HAProxy's <c>show stat</c> CSV, as ELBv2 words it: a server not yet checked (<c>INI</c>) is
/// <c>initial</c>; <c>UP</c> (also while going down, <c>UP 1/2</c>, or draining) is <c>healthy</c>; <c>DOWN</c> is
/// <c>unhealthy</c> with the reason its last check gives (a wrong status code, a timeout, or a failed connection).
/// The fail-open <c>backup</c> lines are not targets.
/// </summary>
internal static class HaproxyStats
{
    public static IReadOnlyList<TargetHealthReport> Read(string csv, IReadOnlyList<HaproxyServer> servers)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || !lines[0].StartsWith('#'))
        {
            return [];
        }

        var header = lines[0].TrimStart('#', ' ').Split(',');
        int Column(string name) => Array.IndexOf(header, name);
        var (proxy, server, status, checkStatus) = (Column("pxname"), Column("svname"), Column("status"), Column("check_status"));
        var rows = lines.Skip(1).Select(l => l.Split(',')).Where(f => f.Length > Math.Max(Math.Max(proxy, server), Math.Max(status, checkStatus)))
            .ToDictionary(f => (f[proxy], f[server]), f => (Status: f[status], Check: f[checkStatus]));
        var result = new List<TargetHealthReport>();
        foreach (var s in servers)
        {
            if (!rows.TryGetValue((s.Backend, s.Server), out var row))
            {
                continue;
            }

            var (state, reason) = Health(row.Status, row.Check);
            result.Add(new TargetHealthReport(s.TargetGroupArn, s.TargetId, s.Port, state, reason));
        }

        return result;
    }

    internal static (string State, string? Reason) Health(string status, string check)
    {
        var checkCode = check.TrimStart('*');
        if (status.StartsWith("DOWN", StringComparison.Ordinal) || status == "MAINT")
        {
            return checkCode == "INI" || checkCode.Length == 0 ? ("initial", "Elb.InitialHealthChecking") : ("unhealthy", Reason(checkCode));
        }

        if (checkCode == "INI")
        {
            return ("initial", "Elb.InitialHealthChecking");
        }

        return ("healthy", null);
    }

    private static string Reason(string check) => check switch
    {
        "L7STS" => "Target.ResponseCodeMismatch",
        "L4TOUT" or "L7TOUT" or "L6TOUT" => "Target.Timeout",
        _ => "Target.FailedHealthChecks",
    };
}
