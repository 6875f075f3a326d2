using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Libvirt;
using Platform.Tests.Common;

namespace Platform.FaultInjection.Tests;

/// <summary>
/// The API and one HostAgent as <c>./platform.sh up</c> runs them where systemd is not PID 1: each under
/// deploy/supervise.sh, which restarts it after a kill -9, on private paths and ports, over HTTPS with the platform CA.
/// The API's data directory is a tmpfs of its own with a size limit, so a full file system is this one and no other.
/// The API starts through libfaketime when <see cref="ClockFile"/> holds an offset: the wall clock it sees is then
/// stepped from its next start on (the machine's clock is never touched).
/// </summary>
public sealed class SupervisedPlatform : IAsyncDisposable
{
    /// <summary>The size of the API's data file system: room for the test image, the database and the objects.</summary>
    public const string DataFileSystemSize = "192m";

    private readonly string _work;
    private readonly Dictionary<string, Process> _supervisors = [];
    private readonly List<(DateTime From, DateTime To)> _apiDown = [];
    private readonly List<string> _instances = [];
    private bool _mounted;

    private SupervisedPlatform(string work)
    {
        _work = work;
        Port = ApiProcess.FreePort();
        S3Port = ApiProcess.FreePort();
        PoolName = $"platform-fi-{Guid.NewGuid():N}"[..24];
    }

    public int Port { get; }

    public int S3Port { get; }

    public Uri BaseAddress => new($"https://127.0.0.1:{Port}");

    public string DataDirectory => Path.Combine(_work, "api");

    public string RunDirectory => Path.Combine(_work, "run");

    public string LogDirectory => Path.Combine(_work, "log");

    /// <summary>An offset in libfaketime's format ("+4m", "-3m"); empty: the API runs on the machine's clock.</summary>
    public string ClockFile => Path.Combine(_work, "clock");

    public string AgentState => Path.Combine(_work, "agent");

    public string CaPath => Path.Combine(DataDirectory, "ca.pem");

    public string DatabasePath => Path.Combine(DataDirectory, "platform.db");

    public string PoolName { get; }

    public string ImageId { get; private set; } = "";

    public string HostId { get; private set; } = "";

    /// <summary>Signed with the management account's root key; every call bounded by a client timeout.</summary>
    public HttpClient Root { get; private set; } = null!;

    /// <summary>The spans in which the API was down on purpose (killed, or restarted onto a stepped clock), until it answered again.</summary>
    public IReadOnlyList<(DateTime From, DateTime To)> ApiDownWindows
    {
        get
        {
            lock (_apiDown)
            {
                return [.. _apiDown];
            }
        }
    }

    public static async Task<SupervisedPlatform> StartAsync(TimeSpan clientTimeout)
    {
        var platform = new SupervisedPlatform(Directory.CreateTempSubdirectory("platform-fi-").FullName);
        try
        {
            await platform.StartCoreAsync(clientTimeout);
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(TimeSpan clientTimeout)
    {
        Directory.CreateDirectory(DataDirectory);
        Directory.CreateDirectory(RunDirectory);
        Directory.CreateDirectory(LogDirectory);
        Directory.CreateDirectory(AgentState);
        await File.WriteAllTextAsync(ClockFile, "");
        Shell.Run("mount", "-t", "tmpfs", "-o", $"size={DataFileSystemSize},mode=0700", "tmpfs", DataDirectory);
        _mounted = true;

        var api = Path.Combine(AppContext.BaseDirectory, "Platform.Api.dll");
        Supervise("api", """
            # libfaketime preloaded into the API itself, so the supervisor's child is the API (the faketime command
            # would run it as its child, and a kill -9 of the supervised pid would leave the API running). Monotonic
            # clocks are shifted by the same constant, which no interval notices; with FAKETIME_DONT_FAKE_MONOTONIC=1
            # its pthread_cond_timedwait returns at once (Hangfire's waits spin).
            if [ -s "$PLATFORM_FI_CLOCK" ]; then
              export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 FAKETIME="$(cat "$PLATFORM_FI_CLOCK")"
            fi
            exec dotnet "$PLATFORM_FI_DLL" --urls "$PLATFORM_FI_URL"
            """, AppContext.BaseDirectory, new Dictionary<string, string>
        {
            ["PLATFORM_FI_CLOCK"] = ClockFile,
            ["PLATFORM_FI_DLL"] = api,
            ["PLATFORM_FI_URL"] = BaseAddress.ToString(),
            ["Platform__DataDirectory"] = DataDirectory,
            ["Storage__S3__Url"] = $"https://127.0.0.1:{S3Port}",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ",
            // A PUT cut short by a kill leaves a blob no object refers to: the orphan sweep is what reclaims it, here within the
            // convergence bound (10 s old, swept every 10 s) rather than production's hour.
            ["Storage__OrphanGracePeriod"] = "00:00:10",
            ["Storage__OrphanSweepCron"] = "*/10 * * * * *",
        });
        await WaitForApiAsync(TimeSpan.FromSeconds(90));

        using (var document = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(DataDirectory, "root-credentials.json"))))
        {
            var credentials = document.RootElement;
            var root = new TestCredentials(credentials.GetProperty("access_key_id").GetString()!, credentials.GetProperty("secret_access_key").GetString()!,
                credentials.GetProperty("account_id").GetString()!);
            Root = new HttpClient(new SdkSigningHandler(root) { InnerHandler = CreateHandler() }) { BaseAddress = BaseAddress, Timeout = clientTimeout };
        }

        var token = (await (await Root.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { })).AssertOkAsync()).GetProperty("join_token").GetString()!;
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var agent = Path.Combine(Repository.Root, "src", "HostAgent", "Platform.HostAgent", "bin", configuration, "net10.0");
        Supervise("agent", "exec dotnet Platform.HostAgent.dll", agent, new Dictionary<string, string>
        {
            ["Agent__ApiUrl"] = BaseAddress.ToString(),
            ["Agent__ApiCaCertificate"] = CaPath,
            ["Agent__JoinToken"] = token,
            ["Agent__StateDirectory"] = AgentState,
            ["Agent__LibvirtUri"] = "qemu:///system",
            ["Agent__StoragePool"] = PoolName,
            ["Agent__HostName"] = "fault-injection",
            ["Agent__DomainType"] = "qemu",
            ["Agent__Networking"] = "true",
            ["Agent__HeartbeatInterval"] = "00:00:01",
            ["Agent__StopDeadline"] = "00:00:10",
            ["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ",
        });
        await Eventually.TrueAsync(async () => (await Root.HostsAsync()).GetArrayLength() == 1, TimeSpan.FromSeconds(90),
            () => $"the agent did not enrol; its log:\n{Log("agent")}");
        HostId = (await Root.HostsAsync())[0].GetProperty("host_id").GetString()!;

        var image = TestImage.Build(TestImage.TestImageDirectory);
        ImageId = await Root.RegisterKernelImageAsync("platform-test-image", await File.ReadAllBytesAsync(image.Kernel),
            await File.ReadAllBytesAsync(image.Initrd), isPublic: true, commandLine: "console=ttyS0 quiet no_timer_check cryptomgr.notests");
    }

    /// <summary>The command under deploy/supervise.sh, as platform.sh's <c>supervised</c> starts it.</summary>
    private void Supervise(string name, string script, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList =
            {
                Path.Combine(Repository.Root, "deploy", "supervise.sh"), name, RunDirectory, Path.Combine(LogDirectory, $"{name}.log"), "--",
                "bash", "-c", script,
            },
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        _supervisors[name] = Process.Start(start)!;
    }

    /// <summary>An instance to remove from libvirt at the end, whatever happens.</summary>
    public void Remember(string instanceId) => _instances.Add(instanceId);

    /// <summary>The supervised process doing the work now (RUN/NAME.child), null while it is being restarted.</summary>
    public int? WorkerPid(string name)
    {
        var file = Path.Combine(RunDirectory, $"{name}.child");
        try
        {
            return File.Exists(file) && int.TryParse(File.ReadAllText(file).Split(' ')[0], out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public int Restarts(string name) =>
        int.TryParse(File.Exists(Path.Combine(RunDirectory, $"{name}.restarts")) ? File.ReadAllText(Path.Combine(RunDirectory, $"{name}.restarts")).Trim() : "0",
            out var count) ? count : 0;

    public string Log(string name)
    {
        var file = Path.Combine(LogDirectory, $"{name}.log");
        if (!File.Exists(file))
        {
            return "";
        }

        var lines = File.ReadAllLines(file);
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 120)));
    }

    /// <summary>kill -9 of the supervised process, as a crash; the supervisor starts it again.</summary>
    public async Task<int> KillAsync(string name)
    {
        int? pid = null;
        await Eventually.TrueAsync(() => Task.FromResult((pid = WorkerPid(name)) is not null), TimeSpan.FromSeconds(60), $"no {name} process to kill");
        Shell.Run("kill", "-KILL", pid!.Value.ToString());
        await GoneAsync(pid.Value, name);
        return pid.Value;
    }

    /// <summary>Kills the API (SIGKILL, or SIGTERM as an operator's restart) and waits until the restarted one answers.</summary>
    public async Task RestartApiAsync(bool crash)
    {
        var from = DateTime.UtcNow;
        int? pid = null;
        await Eventually.TrueAsync(() => Task.FromResult((pid = WorkerPid("api")) is not null), TimeSpan.FromSeconds(60), "no API process");
        Shell.Run("kill", crash ? "-KILL" : "-TERM", pid!.Value.ToString());
        await GoneAsync(pid.Value, "api");
        await Eventually.TrueAsync(() => Task.FromResult(WorkerPid("api") is { } now && now != pid), TimeSpan.FromSeconds(60),
            () => $"the supervisor did not restart the API; its log:\n{Log("api")}");
        await WaitForApiAsync(TimeSpan.FromSeconds(90));
        lock (_apiDown)
        {
            // A second of slack: a connection refused just before the kill's effect or just after the first answer.
            _apiDown.Add((from.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1)));
        }
    }

    /// <summary>The killed process itself is gone (not a wrapper whose child would keep serving).</summary>
    private static Task GoneAsync(int pid, string name) =>
        Eventually.TrueAsync(() => Task.FromResult(!Directory.Exists($"/proc/{pid}")), TimeSpan.FromSeconds(45), $"the {name} process {pid} outlived its kill");

    public async Task WaitForApiAsync(TimeSpan timeout)
    {
        using var client = new HttpClient(CreateHandler()) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if ((await client.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or ca.pem not written yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"the API did not become ready within {timeout.TotalSeconds} s; its log:\n{Log("api")}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>What the API believes the time is (its Date header).</summary>
    public async Task<DateTimeOffset> ApiClockAsync()
    {
        using var client = new HttpClient(CreateHandler()) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync("/healthz");
        return response.Headers.Date ?? throw new InvalidOperationException("the API sent no Date header");
    }

    /// <summary>Trusts the platform CA alone, read at each handshake (the file appears at the API's first start).</summary>
    public HttpClientHandler CreateHandler() => new()
    {
        ServerCertificateCustomValidationCallback = (_, certificate, chain, errors) =>
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(CaPath);
            return Platform.HostAgent.Agent.AgentTls.IsTrusted(certificate, chain, errors, authorities);
        },
    };

    /// <summary>A connection of its own for each look: the machine's libvirtd is restarted under the test.</summary>
    public static T WithLibvirt<T>(Func<LibvirtConnection, T> look)
    {
        using var connection = LibvirtConnection.Open("qemu:///system");
        return look(connection);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, supervisor) in _supervisors.Reverse())
        {
            if (!supervisor.HasExited)
            {
                Shell.Run("kill", "-TERM", supervisor.Id.ToString());
            }
        }

        foreach (var (_, supervisor) in _supervisors)
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(40));
            try
            {
                await supervisor.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                supervisor.Kill(entireProcessTree: true);
            }

            supervisor.Dispose();
        }

        Root?.Dispose();
        RemoveGuestsAndPool();
        if (_mounted)
        {
            Shell.Run("umount", "-l", DataDirectory);
        }

        // The logs outlive the run, for the failure's reader: the API's, the agent's and the supervisors' lines.
        var kept = Path.Combine(Path.GetTempPath(), "platform-fault-injection-logs");
        if (Directory.Exists(kept))
        {
            Directory.Delete(kept, recursive: true);
        }

        Directory.CreateDirectory(kept);
        foreach (var log in Directory.Exists(LogDirectory) ? Directory.GetFiles(LogDirectory) : [])
        {
            File.Copy(log, Path.Combine(kept, Path.GetFileName(log)));
        }

        Directory.Delete(_work, recursive: true);
    }

    /// <summary>
    /// Removes what the run left on the machine, whatever happened: the instance domains this host owns, and the pool
    /// with its volumes. Runs before the agent's state directory goes.
    /// </summary>
    private void RemoveGuestsAndPool()
    {
        try
        {
            WithLibvirt(connection =>
            {
                foreach (var id in _instances)
                {
                    try
                    {
                        using var domain = connection.FindDomain(id);
                        if (domain is not null)
                        {
                            if (domain.IsActive)
                            {
                                domain.Destroy();
                            }

                            domain.Undefine();
                        }
                    }
                    catch (LibvirtException)
                    {
                        // Gone between the lookup and the undefine.
                    }
                }

                using var pool = connection.FindStoragePool(PoolName);
                if (pool is not null)
                {
                    pool.Refresh();
                    foreach (var name in pool.ListVolumeNames())
                    {
                        using var volume = pool.FindVolume(name);
                        volume?.Delete();
                    }

                    pool.Stop();
                    pool.Undefine();
                }

                return 0;
            });
        }
        catch (LibvirtException e)
        {
            Console.WriteLine($"cleanup: {e.Message}");
        }
    }
}
