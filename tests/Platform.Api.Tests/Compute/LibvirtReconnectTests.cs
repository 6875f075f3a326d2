using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Libvirt;
using Platform.Tests.Common;

namespace Platform.Api.Tests.Compute;

/// <summary>
/// The agent's libvirtd restarts under it: a real agent and a real daemon (a private libvirtd serving the simulated
/// hypervisor over its socket, so the machine's own daemon and the guests on it are not touched).
/// </summary>
public sealed class LibvirtReconnectTests : IAsyncLifetime, IDisposable
{
    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        // Heartbeats here come every 10 minutes (and are not missed for 30): within the waits below, only a new connection and
        // its domain events can explain the agent's reactions.
        ["Compute:HeartbeatTimeout"] = "00:30:00",
    });

    /// <summary>
    /// How long each step may take on a starved machine (the clean-clone run of 2026-12-05 missed a 10 s wait with other test
    /// classes beside it). Still far below the heartbeat interval, so a heartbeat can never be what passes a wait.
    /// </summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly PrivateLibvirtd _daemon = new();
    private readonly string _state = Directory.CreateTempSubdirectory("platform-reconnect-").FullName;
    private HttpClient _operator = null!;

    public Task InitializeAsync()
    {
        _operator = _app.SignedClient(_app.RootCredentials);
        _daemon.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public void Dispose()
    {
        _operator.Dispose();
        _daemon.Dispose();
        Directory.Delete(_state, recursive: true);
    }

    [Fact]
    public async Task Given_libvirtd_restarting_under_the_agent_Then_it_connects_again_converges_the_new_daemon_and_gets_its_domain_events()
    {
        var token = (await (await _operator.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { })).AssertOkAsync()).GetProperty("join_token").GetString();
        var http = _app.CreateClient();
        http.Timeout = TimeSpan.FromSeconds(60);
        var runtime = new HostAgentRuntime(new AgentOptions
        {
            ApiUrl = "http://localhost",
            JoinToken = token,
            StateDirectory = _state,
            LibvirtUri = _daemon.Uri,
            HeartbeatInterval = TimeSpan.FromMinutes(10),
            LongPollWait = TimeSpan.FromSeconds(10),
        }, new AgentApiClient(http), NullLogger.Instance, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var agent = Task.Run(() => runtime.RunAsync(stop.Token));
        try
        {
            var image = await _operator.RegisterKernelImageAsync("reconnect-image", [1, 2, 3], [4, 5, 6]);
            // The agent enrols and reports in its own time: launch once the server can take the instance.
            await Eventually.TrueAsync(async () => await _operator.HostsAsync() is { ValueKind: JsonValueKind.Array } hosts
                && hosts.GetArrayLength() == 1 && hosts[0].GetProperty("status").GetString() == "available", Patience,
                "the agent's server did not become available");
            var id = (await _operator.LaunchAsync(new { instance_type = "t3.nano", image_id = image })).GetProperty("instance_id").GetString()!;
            await _operator.WaitForStateAsync(id, "running");
            Assert.Equal(1, runtime.Connections);

            // The daemon dies and comes back empty, as libvirtd does with transient state.
            _daemon.Kill();
            _daemon.Start();
            await Eventually.TrueAsync(() => Task.FromResult(runtime.Connections == 2), Patience,
                $"the agent did not connect again; daemon log:\n{_daemon.Log}");
            using var libvirt = LibvirtConnection.Open(_daemon.Uri);
            await Eventually.TrueAsync(() => Task.FromResult(IsRunning(libvirt, id)), Patience,
                "the agent did not bring its instance back on the restarted daemon");

            // Events come from the new connection: a guest powered off behind the agent's back is started again at once,
            // long before the next heartbeat.
            using (var domain = libvirt.FindDomain(id)!)
            {
                domain.Destroy();
            }

            await Eventually.TrueAsync(() => Task.FromResult(IsRunning(libvirt, id)), Patience,
                "no domain event reached the agent after it connected again");
            Assert.Equal(2, runtime.Connections);
            // The API hears of the restart after the agent made it (the stopped report may arrive first).
            await Eventually.TrueAsync(async () => await _operator.StateAsync(id) == "running", Patience, "the API never saw the instance running again");
            Assert.False(agent.IsCompleted);
        }
        finally
        {
            await stop.CancelAsync();
            await agent.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static bool IsRunning(LibvirtConnection libvirt, string id)
    {
        using var domain = libvirt.FindDomain(id);
        return domain is { IsActive: true };
    }
}
