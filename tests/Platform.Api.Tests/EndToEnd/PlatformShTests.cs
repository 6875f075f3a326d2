using System.Diagnostics;
using System.Text.RegularExpressions;
using Platform.Api.Tests.TestEngine;
using Platform.Tests.Common;

namespace Platform.Api.Tests.EndToEnd;

/// <summary>
/// The README's first command as a newcomer runs it, on paths and ports of the test's own so it never meets the
/// machine's own platform: <c>./platform.sh up</c> returns once the server is available, <c>status</c> shows each
/// process, a <c>kill -9</c> of the API and of the agent is followed by a restart the supervisor counts and logs
/// (as systemd's <c>Restart=always</c> would), and <c>down</c> leaves nothing running. Where systemd is not PID 1
/// (build machines) deploy/supervise.sh supervises; the test forces it with <c>PLATFORM_SUPERVISOR=bash</c> so it
/// never installs units. The agent drives libvirt's simulated host (<c>test:///default</c>) and a bridge of its own on
/// the machine's Open vSwitch.
/// </summary>
[Collection(MachineCollection.Name)]
public sealed class PlatformShTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("platform-sh-").FullName;
    private readonly string _bridge = $"br-psh{Random.Shared.Next(10000, 99999)}";
    private readonly Dictionary<string, string> _environment;

    public PlatformShTests()
    {
        _environment = new Dictionary<string, string>
        {
            ["PLATFORM_DATA"] = Path.Combine(_work, "data"),
            // Set as well: `platform.sh test` exports the machine's own, and the tests inherit it.
            ["PLATFORM_CA"] = Path.Combine(_work, "data", "ca.pem"),
            ["PLATFORM_LOG"] = Path.Combine(_work, "log"),
            ["PLATFORM_RUN"] = Path.Combine(_work, "run"),
            ["PLATFORM_AGENT_STATE"] = Path.Combine(_work, "agent"),
            ["PLATFORM_BUILD"] = Path.Combine(_work, "build"),
            ["PLATFORM_URL"] = $"https://127.0.0.1:{ApiProcess.FreePort()}",
            ["PLATFORM_SUPERVISOR"] = "bash",
            ["PLATFORM_DOMAIN_TYPE"] = "test",
            ["Storage__S3__Url"] = $"https://127.0.0.1:{ApiProcess.FreePort()}",
            ["Agent__LibvirtUri"] = "test:///default",
            ["Agent__Bridge"] = _bridge,
            ["Agent__StoragePool"] = $"psh{Random.Shared.Next(10000, 99999)}",
            ["Agent__StoragePoolPath"] = Path.Combine(_work, "pool"),
        };
    }

    private string Run => _environment["PLATFORM_RUN"];

    private string Log => _environment["PLATFORM_LOG"];

    public void Dispose()
    {
        PlatformSh("down", TimeSpan.FromMinutes(2));
        Exec("ovs-vsctl", "--if-exists", "del-br", _bridge);
        // The agent's metadata service namespace for the test's bridge (it outlives the agent, as on a server).
        Exec("ip", "netns", "del", "imds-" + _bridge);
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Up_supervises_the_API_and_the_agent_status_shows_their_restarts_and_down_stops_them()
    {
        var up = PlatformSh("up", TimeSpan.FromMinutes(8));
        Assert.True(up.Code == 0, $"platform.sh up failed ({up.Code}):\n{up.Output}");
        Assert.True(Regex.IsMatch(up.Output, @"HostAgent running \(pid \d+\), host h-[0-9a-f]+ available"), up.Output);
        Assert.Contains("Test image: ami-", up.Output);
        Assert.Contains("Platform API ready", up.Output);

        var status = PlatformSh("status", TimeSpan.FromSeconds(60));
        Assert.True(Regex.IsMatch(status.Output, @"api +running \(pid \d+ since \S+, restarts 0\)"), status.Output);
        Assert.True(Regex.IsMatch(status.Output, @"agent +running \(pid \d+ since \S+, restarts 0\)"), status.Output);
        Assert.True(Regex.IsMatch(status.Output, @"server h-[0-9a-f]+ available"), status.Output);
        Assert.Contains("readyz ready", status.Output, StringComparison.Ordinal);

        // A crash of each: the supervisor starts a new process, counts it and says why in the log.
        var api = ChildPid("api");
        var agent = ChildPid("agent");
        Process.GetProcessById(api).Kill();
        Process.GetProcessById(agent).Kill();
        await Eventually.TrueAsync(() => Task.FromResult(Restarts("api") == 1 && Restarts("agent") == 1 && HasChild("api") && HasChild("agent")),
            TimeSpan.FromSeconds(90), "the supervisors did not restart the killed API and agent");
        Assert.NotEqual(api, ChildPid("api"));
        Assert.NotEqual(agent, ChildPid("agent"));
        Assert.Contains("supervise[api]: api killed by signal 9", File.ReadAllText(Path.Combine(Log, "api.log")));
        Assert.Contains("supervise[agent]: agent killed by signal 9", File.ReadAllText(Path.Combine(Log, "agent.log")));

        // The new pair finds each other: the restarted agent's heartbeats reach the restarted API.
        var again = "";
        await Eventually.TrueAsync(() =>
        {
            again = PlatformSh("status", TimeSpan.FromSeconds(60)).Output;
            return Task.FromResult(again.Contains(" available") && again.Contains("restarts 1; last:"));
        }, TimeSpan.FromSeconds(90), "the restarted pair did not show the server available");
        Assert.True(Regex.IsMatch(again, @"api +running \(pid \d+ since \S+, restarts 1; last: \S+ killed by signal 9 after \d+ s\)"), again);
        Assert.True(Regex.IsMatch(again, @"agent +running \(pid \d+ since \S+, restarts 1; last: \S+ killed by signal 9 after \d+ s\)"), again);

        var children = new[] { ChildPid("api"), ChildPid("agent") };
        var supervisors = new[] { int.Parse(File.ReadAllText(Path.Combine(Run, "api.pid"))), int.Parse(File.ReadAllText(Path.Combine(Run, "agent.pid"))) };
        var down = PlatformSh("down", TimeSpan.FromMinutes(2));
        Assert.True(down.Code == 0, down.Output);
        foreach (var pid in children.Concat(supervisors))
        {
            Assert.False(Alive(pid), $"process {pid} still runs after down");
        }

        var stopped = PlatformSh("status", TimeSpan.FromSeconds(60)).Output;
        Assert.True(Regex.IsMatch(stopped, @"api +stopped"), stopped);
        Assert.True(Regex.IsMatch(stopped, @"agent +stopped"), stopped);
        Assert.Contains("the API does not answer", stopped);
    }

    private int ChildPid(string name) => int.Parse(File.ReadAllText(Path.Combine(Run, $"{name}.child")).Split(' ')[0]);

    private bool HasChild(string name)
    {
        try
        {
            return Alive(ChildPid(name));
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return false; // Between two processes, or the file half written.
        }
    }

    private int Restarts(string name)
    {
        var path = Path.Combine(Run, $"{name}.restarts");
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out var count) ? count : -1;
    }

    private static bool Alive(int pid)
    {
        // A zombie (exited, not yet reaped) counts as gone.
        var stat = $"/proc/{pid}/stat";
        return File.Exists(stat) && File.ReadAllText(stat).Split(") ").ElementAtOrDefault(1)?.StartsWith('Z') == false;
    }

    private (int Code, string Output) PlatformSh(string command, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Path.Combine(Repository.Root, "platform.sh"), command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repository.Root,
        };
        foreach (var (name, value) in _environment)
        {
            start.Environment[name] = value;
        }

        return Exec(start, timeout);
    }

    private static (int Code, string Output) Exec(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Exec(start, TimeSpan.FromSeconds(30));
    }

    private static (int Code, string Output) Exec(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var timedOut = !process.WaitForExit(timeout);
        if (timedOut)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        // Read to the end, but not past a few seconds more: a daemon the script started may hold the pipes open.
        string Text(Task<string> read) => read.Wait(TimeSpan.FromSeconds(10)) ? read.Result : "(output still open)";
        var output = Text(stdout) + Text(stderr);
        return timedOut ? (-1, $"timed out after {timeout}:\n{output}") : (process.ExitCode, output);
    }
}
