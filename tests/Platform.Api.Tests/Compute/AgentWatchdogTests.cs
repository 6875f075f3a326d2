using System.Net.Sockets;
using System.Text;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Compute;

/// <summary>
/// The agent process under a watchdog as systemd runs it (NOTIFY_SOCKET and WATCHDOG_USEC set; here the test is the
/// listening end): it pings while its main loop works, also while it is still trying to enrol with an API that does
/// not answer, which used to go unpinged until the first report.
/// </summary>
[Collection(MachineCollection.Name)]
public sealed class AgentWatchdogTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("platform-watchdog-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Given_an_API_that_does_not_answer_Then_the_enrolling_agent_keeps_pinging_the_watchdog()
    {
        var socketPath = Path.Combine(_directory, "notify");
        using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        systemd.Bind(new UnixDomainSocketEndPoint(socketPath));
        await using var agent = AgentProcess.Start(new Dictionary<string, string>
        {
            // Nothing listens there.
            ["Agent__ApiUrl"] = $"http://127.0.0.1:{ApiProcess.FreePort()}",
            ["Agent__JoinToken"] = "pjt_never-answered",
            ["Agent__StateDirectory"] = Path.Combine(_directory, "agent"),
            ["Agent__LibvirtUri"] = "test:///default",
            ["NOTIFY_SOCKET"] = socketPath,
            // WatchdogSec=0.9 s: a ping every 0.3 s.
            ["WATCHDOG_USEC"] = "900000",
        });

        var pings = 0;
        var buffer = new byte[256];
        using var window = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var started = DateTime.UtcNow;
        try
        {
            while (pings < 10)
            {
                var received = await systemd.ReceiveAsync(buffer, SocketFlags.None, window.Token);
                if (Encoding.ASCII.GetString(buffer, 0, received).Split('\n').Contains("WATCHDOG=1"))
                {
                    pings++;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{pings} watchdog pings in 15 s; agent log:\n{agent.Output}");
        }

        // Ten pings take three seconds or more at that period; the agent was enrolling all along.
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(2.5));
        Assert.False(agent.HasExited, agent.Output);
        Assert.Contains("API unreachable", agent.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "agent", "credential.json")));
    }
}
