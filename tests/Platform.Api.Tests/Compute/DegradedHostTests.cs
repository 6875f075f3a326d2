using System.Diagnostics;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Compute;

/// <summary>
/// A server whose switch is not there yet (Open vSwitch slow to start, or restarting, as `ovs-ctl restart` does):
/// its agent stays up, keeps its heartbeats, says why it is behind, and catches up once the switch answers.
/// The fault is real: the agent's switch socket does not exist until the test links it to the machine's
/// running Open vSwitch, on a bridge of the test's own.
/// </summary>
[Collection(MachineCollection.Name)]
public sealed class DegradedHostTests : IAsyncLifetime, IDisposable
{
    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Compute:HeartbeatTimeout"] = "00:00:03",
    });

    private readonly string _switchDirectory = Directory.CreateTempSubdirectory("platform-degraded-").FullName;
    private readonly string _bridge = $"br-dg{Random.Shared.Next(100000, 999999)}";
    private HttpClient _operator = null!;
    private SimulatedFleet _fleet = null!;

    public async Task InitializeAsync()
    {
        _operator = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _operator);
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
        Run("ovs-vsctl", "--if-exists", "del-br", _bridge);
        // The agent's metadata service namespace for the test's bridge (it outlives the agent, as on a server).
        Run("ip", "netns", "del", "imds-" + _bridge);
        Directory.Delete(_switchDirectory, recursive: true);
    }

    public void Dispose() => _operator.Dispose();

    [Fact]
    public async Task Given_a_switch_that_is_not_up_yet_Then_the_agent_stays_up_reports_degraded_and_recovers_when_it_answers()
    {
        Assert.True(File.Exists(SystemSwitchSocket), "Open vSwitch is not running (deploy/start-test-daemons.sh starts it)");
        var socket = Path.Combine(_switchDirectory, "db.sock");
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096, configure: options =>
        {
            options.Networking = true;
            options.OvsdbSocket = socket;
            options.Bridge = _bridge;
        });

        // The rounds fail (no switch), the agent goes on and its heartbeats say why.
        var reason = "";
        await Eventually.TrueAsync(async () =>
        {
            var h = (await _operator.HostsAsync())[0];
            reason = h.TryGetProperty("status_reason", out var r) ? r.GetString() ?? "" : "";
            return h.GetProperty("status").GetString() == "degraded";
        }, TimeSpan.FromSeconds(90), "the server never showed degraded");
        Assert.Contains(socket, reason, StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(4)); // past the heartbeat timeout: still reachable, not unreachable
        Assert.True(host.IsRunning, "the agent exited on a switch that was not up");
        Assert.Equal("degraded", (await _operator.HostsAsync())[0].GetProperty("status").GetString());
        Assert.True(host.Faults!.Total >= 2, $"the rounds were not retried ({host.Faults.Total} failed)");

        // The switch comes up: the next tries go through and the server is available again.
        File.CreateSymbolicLink(socket, SystemSwitchSocket);
        await Eventually.TrueAsync(async () => (await _operator.HostsAsync())[0].GetProperty("status").GetString() == "available",
            TimeSpan.FromSeconds(90), "the server did not recover once the switch answered");
        Assert.True(host.IsRunning);
        Assert.False((await _operator.HostsAsync())[0].TryGetProperty("status_reason", out _));
        Assert.Equal(0, Run("ovs-vsctl", "br-exists", _bridge));
    }

    private const string SystemSwitchSocket = "/var/run/openvswitch/db.sock";

    private static int Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
