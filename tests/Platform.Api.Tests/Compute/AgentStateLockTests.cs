using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Compute;

/// <summary>
/// One agent per state directory. An agent left running when its supervisor was killed with kill -9, then a second one
/// started by `./platform.sh up`, used to converge the same domains, ports and pool side by side.
/// </summary>
public sealed class AgentStateLockTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("platform-agent-lock-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Given_an_agent_on_a_state_directory_When_a_second_starts_on_it_Then_the_second_is_refused_until_the_first_is_gone()
    {
        var settings = new Dictionary<string, string>
        {
            // Nothing listens there: the agent keeps trying to enrol, which is enough to hold its state directory.
            ["Agent__ApiUrl"] = $"http://127.0.0.1:{ApiProcess.FreePort()}",
            ["Agent__JoinToken"] = "pjt_never-answered",
            ["Agent__StateDirectory"] = Path.Combine(_directory, "agent"),
            ["Agent__LibvirtUri"] = "test:///default",
        };
        await using var first = AgentProcess.Start(settings);
        await Eventually.TrueAsync(() => Task.FromResult(first.Output.Contains("API unreachable", StringComparison.Ordinal)), TimeSpan.FromSeconds(90),
            () => $"the first agent did not start its loop:\n{first.Output}");

        await using var second = AgentProcess.Start(settings);
        await Eventually.TrueAsync(() => Task.FromResult(second.HasExited), TimeSpan.FromSeconds(90), () => $"the second agent runs:\n{second.Output}");
        Assert.Equal(3, second.ExitCode);
        Assert.Contains("Another agent runs on the state directory", second.Output, StringComparison.Ordinal);
        Assert.False(first.HasExited, first.Output);

        // Killed as a crash would: its lock goes with it, and the next agent starts.
        await first.KillAsync();
        await using var third = AgentProcess.Start(settings);
        await Eventually.TrueAsync(() => Task.FromResult(third.Output.Contains("API unreachable", StringComparison.Ordinal) || third.HasExited),
            TimeSpan.FromSeconds(90), () => $"the third agent did not start its loop:\n{third.Output}");
        Assert.False(third.HasExited, third.Output);
    }
}
