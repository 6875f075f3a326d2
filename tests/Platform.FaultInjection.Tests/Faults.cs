using System.Diagnostics;
using Platform.Api.Tests.TestEngine;
using Platform.Tests.Common;

namespace Platform.FaultInjection.Tests;

public enum FaultKind
{
    KillApi,
    KillAgent,
    RestartOvsVswitchd,
    RestartOvsdbServer,
    RestartLibvirtd,
    LockDatabase,
    FillDataFileSystem,
    StepApiClock,
}

/// <summary>One fault as it happened: when it began, how long it lasted until the faulted part answered again.</summary>
public sealed record InjectedFault(FaultKind Kind, DateTime At, TimeSpan Took, string Detail);

/// <summary>
/// Does each fault for real: signals to the supervised API and agent, restarts of this machine's daemons (stopped the way
/// their own tools stop them, started again by deploy/start-test-daemons.sh, as after a package upgrade), a second
/// process holding the API's SQLite database in an exclusive transaction, the API's data file system filled to the last
/// byte, and the API restarted onto a stepped wall clock (libfaketime).
/// </summary>
public sealed class FaultInjector(SupervisedPlatform platform, Random random)
{
    /// <summary>How long the database stays locked and the file system full.</summary>
    public static readonly TimeSpan Hold = TimeSpan.FromSeconds(5);

    public async Task<InjectedFault> InjectAsync(FaultKind kind)
    {
        var at = DateTime.UtcNow;
        var watch = Stopwatch.StartNew();
        var detail = kind switch
        {
            FaultKind.KillApi => await KillApiAsync(),
            FaultKind.KillAgent => await KillAgentAsync(),
            FaultKind.RestartOvsVswitchd => RestartDaemon("ovs-vswitchd", () => Shell.Run("ovs-appctl", "-t", "ovs-vswitchd", "exit")),
            FaultKind.RestartOvsdbServer => RestartDaemon("ovsdb-server", () => Shell.Run("ovs-appctl", "-t", "ovsdb-server", "exit")),
            FaultKind.RestartLibvirtd => RestartDaemon("libvirtd", () => Shell.Run("kill", "-TERM", File.ReadAllText("/var/run/libvirtd.pid").Trim())),
            FaultKind.LockDatabase => await LockDatabaseAsync(),
            FaultKind.FillDataFileSystem => await FillDataFileSystemAsync(),
            FaultKind.StepApiClock => await StepApiClockAsync(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        return new InjectedFault(kind, at, watch.Elapsed, detail);
    }

    private async Task<string> KillApiAsync()
    {
        await platform.RestartApiAsync(crash: true);
        return $"kill -9; the supervisor's restarts: {platform.Restarts("api")}";
    }

    private async Task<string> KillAgentAsync()
    {
        var pid = await platform.KillAsync("agent");
        await Eventually.TrueAsync(() => Task.FromResult(platform.WorkerPid("agent") is { } now && now != pid), TimeSpan.FromSeconds(60),
            "the supervisor did not restart the agent");
        return $"kill -9 of pid {pid}; the supervisor's restarts: {platform.Restarts("agent")}";
    }

    /// <summary>Stops the daemon as its own tools do, waits until it is gone, and starts it again as the machine's setup does.</summary>
    private static string RestartDaemon(string name, Action stop)
    {
        var before = Shell.RunAllowingFailure("pgrep", "-x", name).Output.Trim();
        stop();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Shell.RunAllowingFailure("pgrep", "-x", name).Code == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{name} did not stop within 30 s");
            }

            Thread.Sleep(100);
        }

        Shell.Run(Path.Combine(Repository.Root, "deploy", "start-test-daemons.sh"));
        var after = Shell.RunAllowingFailure("pgrep", "-x", name).Output.Trim();
        Assert.False(string.IsNullOrEmpty(after), $"{name} is not running after deploy/start-test-daemons.sh");
        return $"pid {before} stopped, pid {after} started";
    }

    /// <summary>Another process (sqlite3) holds the database in BEGIN EXCLUSIVE: no other connection reads or writes it.</summary>
    private async Task<string> LockDatabaseAsync()
    {
        var start = new ProcessStartInfo("sqlite3", [platform.DatabasePath])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var sqlite = Process.Start(start)!;
        try
        {
            // .timeout prints nothing (a PRAGMA would print its value): the first line out is the lock's.
            await sqlite.StandardInput.WriteLineAsync(".timeout 20000");
            await sqlite.StandardInput.WriteLineAsync("BEGIN EXCLUSIVE;");
            await sqlite.StandardInput.WriteLineAsync("SELECT 'locked';");
            await sqlite.StandardInput.FlushAsync();
            using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                var line = await sqlite.StandardOutput.ReadLineAsync(wait.Token);
                Assert.True(line == "locked", $"sqlite3 did not take the lock: {line}");
            }

            var held = Stopwatch.StartNew();
            await Task.Delay(Hold);
            await sqlite.StandardInput.WriteLineAsync("COMMIT;");
            await sqlite.StandardInput.WriteLineAsync(".quit");
            await sqlite.StandardInput.FlushAsync();
            await sqlite.WaitForExitAsync();
            return $"BEGIN EXCLUSIVE held {held.Elapsed.TotalSeconds:F1} s by sqlite3 pid {sqlite.Id}";
        }
        finally
        {
            // Never left holding the lock, whatever failed above.
            if (!sqlite.HasExited)
            {
                sqlite.Kill();
            }
        }
    }

    /// <summary>Fills the API's data file system (its own tmpfs) until a write fails with no space, holds it, frees it.</summary>
    private async Task<string> FillDataFileSystemAsync()
    {
        var filler = Path.Combine(platform.DataDirectory, "fault-injection-filler");
        long written = 0;
        var chunk = new byte[1024 * 1024];
        random.NextBytes(chunk);
        try
        {
            await using var stream = new FileStream(filler, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            try
            {
                while (true)
                {
                    await stream.WriteAsync(chunk);
                    written += chunk.Length;
                }
            }
            catch (IOException)
            {
                // ENOSPC on a whole chunk: fill the last bytes too.
                for (var size = chunk.Length / 2; size >= 512; size /= 2)
                {
                    try
                    {
                        await stream.WriteAsync(chunk.AsMemory(0, size));
                        written += size;
                    }
                    catch (IOException)
                    {
                    }
                }
            }

            var free = new DriveInfo(platform.DataDirectory).AvailableFreeSpace;
            await Task.Delay(Hold);
            return $"{written / (1024 * 1024)} MiB written, {free} bytes left, held {Hold.TotalSeconds} s";
        }
        catch (IOException e) when (written == 0)
        {
            return $"the file system was already full: {e.Message}";
        }
        finally
        {
            File.Delete(filler);
        }
    }

    /// <summary>
    /// The API restarted onto a wall clock stepped by a few minutes, within SigV4's 15-minute skew: killed and restarted by its
    /// supervisor (a SIGTERM would do too, but its graceful shutdown takes ~20 s here and the run is bounded).
    /// </summary>
    private async Task<string> StepApiClockAsync()
    {
        var minutes = random.Next(2, 7) * (random.Next(2) == 0 ? -1 : 1);
        var offset = $"{(minutes > 0 ? "+" : "")}{minutes}m";
        await File.WriteAllTextAsync(platform.ClockFile, offset);
        await platform.RestartApiAsync(crash: true);
        var seen = await platform.ApiClockAsync();
        var step = seen - DateTimeOffset.UtcNow;
        Assert.True(Math.Abs(step.TotalMinutes - minutes) < 0.5,
            $"the API's clock is {step.TotalMinutes:F1} min off the machine's, not {minutes}: libfaketime did not take effect");
        return $"libfaketime {offset}: the API's Date header is {step.TotalMinutes:+0.0;-0.0} min off the machine's clock";
    }
}
