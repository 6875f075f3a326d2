using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Platform.HostAgent.Agent;

/// <summary>
/// The daemon around <see cref="HostAgentRuntime"/>: systemd learns it is ready from the host (Type=notify), and
/// <see cref="WatchdogPulse"/> pings its watchdog while the runtime's main loop shows progress, so a hung agent is
/// restarted by systemd.
/// </summary>
internal sealed class AgentWorker(
    IOptions<AgentOptions> options, IHttpClientFactory httpClients, ISystemdNotifier notifier, ILoggerFactory loggers, TimeProvider clock,
    IHostApplicationLifetime lifetime) : BackgroundService
{
    private static readonly ServiceState Watchdog = new("WATCHDOG=1");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var http = httpClients.CreateClient(nameof(AgentApiClient));
        http.BaseAddress = new Uri(options.Value.ApiUrl);
        http.Timeout = options.Value.LongPollWait + TimeSpan.FromSeconds(30);
        var runtime = new HostAgentRuntime(options.Value, new AgentApiClient(http), loggers.CreateLogger<HostAgentRuntime>(), clock);
        using var stopPulse = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var pulse = WatchdogPulse.IntervalFromEnvironment() is { } interval
            ? new WatchdogPulse(runtime.Liveness, () => notifier.Notify(Watchdog), interval, loggers.CreateLogger<WatchdogPulse>(), clock).RunAsync(stopPulse.Token)
            : Task.CompletedTask;
        try
        {
            await runtime.RunAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A fault the agent cannot recover from (no join token, an invalid one, no libvirt): exit non-zero
            // so systemd restarts it after RestartSec and the journal says why.
            loggers.CreateLogger<AgentWorker>().LogCritical(e, "The HostAgent stopped");
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
        finally
        {
            await stopPulse.CancelAsync();
            await pulse;
        }
    }
}
