using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.Api.Jobs;

/// <summary>
/// Ready while some Hangfire server (this replica's or another's) has beaten its heart in the job storage lately:
/// without one, outbox notifications, housekeeping and sweeps wait. Hangfire beats every 30 s.
/// </summary>
internal sealed class JobServerHealthCheck(JobStorage storage, TimeProvider clock) : IHealthCheck
{
    public const string Name = "job-server";

    private static readonly TimeSpan Fresh = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StorageWait = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IList<Hangfire.Storage.Monitoring.ServerDto> servers;
        try
        {
            // Hangfire's monitoring API blocks; a locked storage must not hold the probe.
            servers = await Task.Run(() => storage.GetMonitoringApi().Servers(), cancellationToken).WaitAsync(StorageWait, cancellationToken);
        }
        catch (TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"the job storage did not answer within {StorageWait.TotalSeconds:0} s");
        }

        var since = clock.GetUtcNow().UtcDateTime - Fresh;
        var alive = servers.Where(s => s.Heartbeat >= since).ToList();
        return alive.Count > 0
            ? HealthCheckResult.Healthy($"{alive.Count} job server(s) alive ({string.Join(", ", alive.Select(s => s.Name))})")
            : HealthCheckResult.Unhealthy(servers.Count == 0
                ? "no job server has started (Jobs:ServerEnabled is false on every replica?)"
                : $"no job server's heartbeat within {Fresh.TotalMinutes:0} min ({servers.Count} silent)");
    }
}
