using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Libvirt;

namespace Platform.Api.Tests.Ec2Query;

/// <summary>
/// The API as its own process over HTTPS (the platform CA) with one simulated server: a real HostAgent in this process on
/// libvirt's test driver, dialling the API's port as a server's agent does, so instances really go pending → running →
/// stopped → terminated without a QEMU guest. A public kernel image is registered through the native API.
/// </summary>
public sealed class Ec2Cloud : IAsyncDisposable
{
    public const string Zone = "us-east-1a";

    private readonly string _work;
    private CancellationTokenSource? _stop;
    private Task? _agent;
    private LibvirtConnection? _libvirt;

    private Ec2Cloud(string work, ApiProcess api, HttpClient native)
    {
        _work = work;
        Api = api;
        Native = native;
    }

    public ApiProcess Api { get; }

    /// <summary>Signed as the management account's root, on the native API.</summary>
    public HttpClient Native { get; }

    public string ImageId { get; private set; } = "";

    public string Work => _work;

    /// <param name="environment">Further settings of the API, as environment variables (<c>Network__PublicAddresses__Cidr</c>, ...).</param>
    public static async Task<Ec2Cloud> StartAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        var work = Directory.CreateTempSubdirectory("platform-ec2query-").FullName;
        var api = await ApiProcess.StartAsync(Path.Combine(work, "data"), environment, tls: true);
        var native = new HttpClient(new SdkSigningHandler(api.RootCredentials()) { InnerHandler = api.CreateHandler() }) { BaseAddress = api.BaseAddress };
        var cloud = new Ec2Cloud(work, api, native);
        cloud.ImageId = await native.RegisterKernelImageAsync("ec2-tour-image", [1, 2, 3], [4, 5, 6], isPublic: true);
        await cloud.StartAgentAsync();
        return cloud;
    }

    private async Task StartAgentAsync()
    {
        var token = (await (await Native.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { availability_zone = Zone })).AssertOkAsync())
            .GetProperty("join_token").GetString()!;
        var hostXml = Path.Combine(_work, "host.xml");
        await File.WriteAllTextAsync(hostXml, string.Create(CultureInfo.InvariantCulture, $"""
            <node>
              <cpu><mhz>2400</mhz><model>simulated</model><active>16</active><max>16</max><nodes>1</nodes><sockets>1</sockets><cores>16</cores><threads>1</threads></cpu>
              <memory>{32L * 1024 * 1024}</memory>
            </node>
            """));
        _libvirt = LibvirtConnection.Open($"test://{hostXml}");
        var options = new AgentOptions
        {
            ApiUrl = Api.BaseAddress.ToString(),
            JoinToken = token,
            StateDirectory = Path.Combine(_work, "agent"),
            LibvirtUri = "test:///simulated",
            HeartbeatInterval = TimeSpan.FromMilliseconds(500),
            LongPollWait = TimeSpan.FromSeconds(10),
        };
        var http = new HttpClient(Api.CreateHandler()) { BaseAddress = Api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var libvirt = _libvirt;
        var runtime = new HostAgentRuntime(options, new AgentApiClient(http), NullLogger.Instance, TimeProvider.System, () => libvirt);
        _stop = new CancellationTokenSource();
        _agent = Task.Run(() => runtime.RunAsync(_stop.Token));
        await Eventually.TrueAsync(async () =>
        {
            var hosts = await Native.HostsAsync();
            return hosts.EnumerateArray().Any(h => h.GetProperty("status").GetString() == "available");
        }, TimeSpan.FromSeconds(90), "the simulated server did not become available");
    }

    /// <summary>The guest powers itself off (an orderly shutdown of the simulated domain, as `poweroff` inside a guest does).</summary>
    public void PowerOffGuest(string instanceId)
    {
        using var domain = _libvirt!.FindDomain(instanceId) ?? throw new InvalidOperationException($"no domain for {instanceId}");
        domain.Shutdown();
    }

    /// <summary>Runs an aws CLI against the API's port with the given key and no configuration of the machine's own.</summary>
    public async Task<(int Exit, string Output, string Error)> CliAsync(string cli, TestCredentials credentials, IEnumerable<string> arguments)
    {
        Assert.True(File.Exists(cli), $"{cli} is missing");
        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _work };
        foreach (var argument in (string[])["--endpoint-url", Api.BaseAddress.ToString().TrimEnd('/'), "--ca-bundle", Api.CaCertificatePath!, "--output", "json",
                     .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = credentials.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = credentials.SecretAccessKey;
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_CONFIG_FILE"] = Path.Combine(_work, "no-config");
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_work, "no-credentials");
        start.Environment["AWS_PAGER"] = "";
        start.Environment["AWS_MAX_ATTEMPTS"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    public async Task<JsonElement> JsonAsync(string cli, TestCredentials credentials, params string[] arguments)
    {
        var (exit, output, error) = await CliAsync(cli, credentials, arguments);
        Assert.True(exit == 0, $"aws {string.Join(' ', arguments)} exited {exit}: {error}");
        return string.IsNullOrWhiteSpace(output) ? default : JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>The CLI fails as it does against AWS: "An error occurred (Code) when calling the Operation operation: …".</summary>
    public async Task<string> FailsAsync(string cli, TestCredentials credentials, string code, string operation, params string[] arguments)
    {
        var (exit, _, error) = await CliAsync(cli, credentials, arguments);
        Assert.True(exit != 0, $"aws {string.Join(' ', arguments)} succeeded");
        Assert.Contains($"An error occurred ({code}) when calling the {operation} operation", error, StringComparison.Ordinal);
        return error;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop is not null && _agent is not null)
        {
            await _stop.CancelAsync();
            try
            {
                await _agent;
            }
            catch (OperationCanceledException)
            {
            }

            _stop.Dispose();
        }

        _libvirt?.Dispose();
        Native.Dispose();
        await Api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }
}
