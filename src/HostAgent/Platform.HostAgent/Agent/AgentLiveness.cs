using Microsoft.Extensions.Logging;

namespace Platform.HostAgent.Agent;

/// <summary>
/// Proof that the agent's main loop is making progress: it beats at every step (each enrolment try, each libvirt
/// connection try, each phase of a reconcile round, each wait between rounds, and as snapshot bytes move). The
/// systemd watchdog is pinged only while the last beat is recent, so a loop stuck in a call that never returns stops
/// the pings and systemd restarts the agent; a download, which runs beside the loop, cannot hold it up.
/// </summary>
public sealed class AgentLiveness(TimeProvider clock, TimeSpan stallTimeout)
{
    private long _lastBeatTicks = clock.GetUtcNow().UtcTicks;
    private volatile string _activity = "starting";

    /// <summary>How long the loop may go without a beat before it counts as stuck.</summary>
    public TimeSpan StallTimeout { get; } = stallTimeout;

    /// <summary>What the loop was doing at its last beat.</summary>
    public string Activity => _activity;

    public TimeSpan SinceLastBeat => clock.GetUtcNow() - new DateTimeOffset(Interlocked.Read(ref _lastBeatTicks), TimeSpan.Zero);

    public bool IsAlive => SinceLastBeat <= StallTimeout;

    public void Beat(string activity)
    {
        _activity = activity;
        Interlocked.Exchange(ref _lastBeatTicks, clock.GetUtcNow().UtcTicks);
    }
}

/// <summary>
/// Pings the systemd watchdog from its own loop, every <c>WATCHDOG_USEC</c>/3 (what systemd sets with WatchdogSec),
/// but only while <see cref="AgentLiveness"/> shows the main loop alive.
/// </summary>
public sealed partial class WatchdogPulse(AgentLiveness liveness, Action ping, TimeSpan interval, ILogger logger, TimeProvider clock)
{
    /// <summary>The ping period for a WatchdogSec, from the environment systemd gives the service; null: no watchdog asked for.</summary>
    public static TimeSpan? IntervalFromEnvironment() =>
        long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var microseconds) && microseconds > 0
            ? TimeSpan.FromMicroseconds(microseconds / 3.0)
            : null;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var stalled = false;
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            if (liveness.IsAlive)
            {
                ping();
                if (stalled)
                {
                    LogResumed(logger, liveness.Activity);
                    stalled = false;
                }
            }
            else if (!stalled)
            {
                // No ping: systemd restarts the agent once WatchdogSec passes without one.
                LogStalled(logger, liveness.SinceLastBeat, liveness.Activity);
                stalled = true;
            }
        }
        while (await NextAsync(timer, cancellationToken));
    }

    private static async Task<bool> NextAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The agent's main loop has made no progress for {Elapsed} (last: {Activity}); the watchdog is no longer pinged")]
    private static partial void LogStalled(ILogger logger, TimeSpan elapsed, string activity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The agent's main loop moves again ({Activity}); pinging the watchdog")]
    private static partial void LogResumed(ILogger logger, string activity);
}
