using Microsoft.Extensions.Logging.Abstractions;
using Platform.HostAgent.Agent;

namespace Platform.HostAgent.Tests;

/// <summary>The watchdog follows the main loop's progress, not a timer: pings stop while the loop is stuck and resume with it.</summary>
public sealed class AgentLivenessTests
{
    [Fact]
    public void Given_beats_Then_the_loop_is_alive_until_the_stall_timeout_passes_without_one()
    {
        var clock = new ManualClock();
        var liveness = new AgentLiveness(clock, TimeSpan.FromSeconds(45));
        Assert.True(liveness.IsAlive);

        clock.Advance(TimeSpan.FromSeconds(44));
        Assert.True(liveness.IsAlive);
        liveness.Beat("reconciling");
        clock.Advance(TimeSpan.FromSeconds(44));
        Assert.True(liveness.IsAlive);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(liveness.IsAlive);
        Assert.Equal("reconciling", liveness.Activity);
        Assert.Equal(TimeSpan.FromSeconds(46), liveness.SinceLastBeat);
    }

    [Fact]
    public async Task Given_a_stuck_loop_Then_the_watchdog_is_not_pinged_and_pings_resume_when_it_moves_again()
    {
        var clock = new ManualClock();
        var liveness = new AgentLiveness(clock, TimeSpan.FromSeconds(45));
        var pings = 0;
        using var stop = new CancellationTokenSource();
        // The pulse ticks on real time (every 10 ms here); whether the loop is alive is read from the manual clock.
        var pulse = new WatchdogPulse(liveness, () => Interlocked.Increment(ref pings), TimeSpan.FromMilliseconds(10), NullLogger.Instance, TimeProvider.System)
            .RunAsync(stop.Token);

        await WaitForAsync(() => Volatile.Read(ref pings) >= 3);
        clock.Advance(TimeSpan.FromSeconds(60));
        await Task.Delay(50);
        var whenStuck = Volatile.Read(ref pings);
        await Task.Delay(200);
        Assert.Equal(whenStuck, Volatile.Read(ref pings));

        liveness.Beat("reconciling");
        await WaitForAsync(() => Volatile.Read(ref pings) > whenStuck + 2);
        await stop.CancelAsync();
        await pulse;
    }

    [Fact]
    public void The_ping_period_is_a_third_of_what_systemd_sets_and_none_without_a_watchdog()
    {
        var saved = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        try
        {
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", "60000000");
            Assert.Equal(TimeSpan.FromSeconds(20), WatchdogPulse.IntervalFromEnvironment());
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", null);
            Assert.Null(WatchdogPulse.IntervalFromEnvironment());
        }
        finally
        {
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", saved);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 10 s");
            await Task.Delay(10);
        }
    }
}
