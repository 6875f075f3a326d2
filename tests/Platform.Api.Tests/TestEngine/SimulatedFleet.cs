using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Libvirt;

namespace Platform.Api.Tests.TestEngine;

/// <summary>
/// Real HostAgents in this process, each on its own simulated server (libvirt's test driver with its own
/// host XML), talking to the in-process API over HTTP exactly as a server's agent does.
/// </summary>
public sealed class SimulatedFleet(PlatformApp app, HttpClient operatorClient) : IAsyncDisposable
{
    private readonly List<SimulatedHost> _hosts = [];

    public IReadOnlyList<SimulatedHost> Hosts => _hosts;

    /// <summary>Enrols a new server with a fresh join token for the zone and starts its agent.</summary>
    /// <param name="link">Stands between the agent and the API (a slow link, say): a new handler for each agent start.</param>
    /// <param name="configure">Changes the agent's options (its switch, say) before it starts.</param>
    public async Task<SimulatedHost> AddHostAsync(string zone, int cpus, int memoryMiB, Func<DelegatingHandler>? link = null, Action<AgentOptions>? configure = null)
    {
        var token = await (await operatorClient.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { availability_zone = zone })).AssertOkAsync();
        var directory = Directory.CreateTempSubdirectory("platform-simhost-").FullName;
        var hostXml = Path.Combine(directory, "host.xml");
        File.WriteAllText(hostXml, string.Create(CultureInfo.InvariantCulture, $"""
            <node>
              <cpu><mhz>2400</mhz><model>simulated</model><active>{cpus}</active><max>{cpus}</max><nodes>1</nodes><sockets>1</sockets><cores>{cpus}</cores><threads>1</threads></cpu>
              <memory>{memoryMiB * 1024L}</memory>
            </node>
            """));
        var host = new SimulatedHost(app, directory, LibvirtConnection.Open($"test://{hostXml}"), token.GetProperty("join_token").GetString()!, link, configure);
        _hosts.Add(host);
        host.Start();
        await Eventually.TrueAsync(() => Task.FromResult(host.HostId is not null), TimeSpan.FromSeconds(90), "the agent did not enrol");
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }
}

/// <summary>One simulated server: its libvirt (kept across agent restarts, as a real server keeps its guests) and its agent.</summary>
public sealed class SimulatedHost(PlatformApp app, string stateDirectory, LibvirtConnection libvirt, string joinToken, Func<DelegatingHandler>? link = null,
    Action<AgentOptions>? configure = null)
    : IAsyncDisposable
{
    private CancellationTokenSource? _stop;
    private Task? _running;
    private HostAgentRuntime? _runtime;

    public string? HostId => _runtime?.HostId;

    public LibvirtConnection Libvirt => libvirt;

    public string StateDirectory => stateDirectory;

    public bool IsRunning => _running is { IsCompleted: false };

    /// <summary>The agent's failed rounds so far.</summary>
    public RoundFaults? Faults => _runtime?.Faults;

    public void Start()
    {
        var options = new AgentOptions
        {
            ApiUrl = "http://localhost",
            JoinToken = joinToken,
            StateDirectory = stateDirectory,
            LibvirtUri = "test:///simulated",
            HeartbeatInterval = TimeSpan.FromMilliseconds(500),
            LongPollWait = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(options);
        var http = link is null ? app.CreateClient() : app.CreateDefaultClient(link());
        http.Timeout = TimeSpan.FromSeconds(60);
        _runtime = new HostAgentRuntime(options, new AgentApiClient(http), NullLogger.Instance, TimeProvider.System, () => libvirt);
        _stop = new CancellationTokenSource();
        _running = Task.Run(() => _runtime.RunAsync(_stop.Token));
    }

    /// <summary>Stops the agent as a crash or restart would; its guests keep running.</summary>
    public async Task StopAgentAsync()
    {
        if (_stop is null || _running is null)
        {
            return;
        }

        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _stop = null;
        _running = null;
    }

    /// <summary>Instance domains on this server, by name.</summary>
    public IReadOnlyList<string> DomainNames()
    {
        var domains = libvirt.ListDomains();
        var names = domains.Select(d => d.Name).Where(n => n.StartsWith("i-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        foreach (var domain in domains)
        {
            domain.Dispose();
        }

        return names;
    }

    public string CredentialJson => File.ReadAllText(Path.Combine(stateDirectory, HostCredential.FileName));

    public async ValueTask DisposeAsync()
    {
        await StopAgentAsync();
        libvirt.Dispose();
        Directory.Delete(stateDirectory, recursive: true);
    }
}

public static class ComputeSetup
{
    /// <summary>Registers a kernel image and uploads its two parts; simulated servers never read them.</summary>
    public static async Task<string> RegisterKernelImageAsync(this HttpClient client, string name, byte[] kernel, byte[] initrd, bool isPublic = false,
        string commandLine = "console=ttyS0")
    {
        var image = await (await client.PostJsonAsync("/api/v1/ec2/images",
            new { name, format = "kernel", command_line = commandLine, @public = isPublic })).AssertOkAsync();
        var id = image.GetProperty("image_id").GetString()!;
        await (await client.PutAsync($"/api/v1/ec2/images/{id}/kernel", new ByteArrayContent(kernel))).AssertOkAsync();
        var done = await (await client.PutAsync($"/api/v1/ec2/images/{id}/initrd", new ByteArrayContent(initrd))).AssertOkAsync();
        Assert.Equal("available", done.GetProperty("state").GetString());
        return id;
    }

    public static async Task<JsonElement> LaunchAsync(this HttpClient client, object request) =>
        await (await client.PostJsonAsync("/api/v1/ec2/instances", request)).AssertOkAsync();

    public static async Task<JsonElement> InstanceAsync(this HttpClient client, string instanceId) =>
        await (await client.GetAsync($"/api/v1/ec2/instances/{instanceId}")).AssertOkAsync();

    public static async Task<string> StateAsync(this HttpClient client, string instanceId) =>
        (await client.InstanceAsync(instanceId)).GetProperty("state").GetString()!;

    public static async Task WaitForStateAsync(this HttpClient client, string instanceId, string state, TimeSpan? timeout = null) =>
        await Eventually.TrueAsync(async () => await client.StateAsync(instanceId) == state, timeout ?? TimeSpan.FromSeconds(90),
            $"{instanceId} did not become {state}");

    public static async Task<JsonElement> HostsAsync(this HttpClient operatorClient) =>
        (await (await operatorClient.GetAsync("/api/v1/ec2/hosts")).AssertOkAsync()).GetProperty("hosts");
}
