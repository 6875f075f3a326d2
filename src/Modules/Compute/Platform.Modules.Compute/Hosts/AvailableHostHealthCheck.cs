using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Hosts;

/// <summary>
/// Ready when at least one server can take a launch: reachable and not disabled. A cloud whose only servers are
/// degraded still places on them (Scheduler), so that answers ready with the reason, as health's Degraded.
/// </summary>
internal sealed class AvailableHostHealthCheck(ComputeDbContext db, HostLiveness liveness) : IHealthCheck
{
    public const string Name = "available-host";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var reachableSince = liveness.ReachableSince;
        var hosts = await db.Hosts.AsNoTracking()
            .Select(h => new { h.Id, h.Disabled, h.DegradedReason, Reachable = h.LastHeartbeatAt >= reachableSince })
            .ToListAsync(cancellationToken);
        var usable = hosts.Where(h => h.Reachable && !h.Disabled).ToList();
        var available = usable.Count(h => h.DegradedReason is null);
        if (available > 0)
        {
            return HealthCheckResult.Healthy($"{available} of {hosts.Count} server(s) available");
        }

        if (usable.FirstOrDefault() is { } degraded)
        {
            return HealthCheckResult.Degraded($"no server available; {usable.Count} degraded ({degraded.Id}: {degraded.DegradedReason})");
        }

        return HealthCheckResult.Unhealthy(hosts.Count == 0
            ? "no server enrolled"
            : $"no server available: {hosts.Count(h => !h.Reachable)} unreachable (missed their heartbeats), {hosts.Count(h => h.Reachable && h.Disabled)} disabled");
    }
}
