using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Platform.HostAgent.LoadBalancers;

/// <summary>
/// One paired node's keepalived (Debian's binary, the system service stays off), run by the agent in the node's network
/// namespace beside its HAProxy: started in a session of its own (<c>setsid</c>), so it outlives the agent like HAProxy does
/// and a restarted agent adopts it from its pid file; a changed configuration is checked with <c>keepalived -t</c> and
/// loaded by SIGHUP. Its VRRP state is what its notify script last wrote (<see cref="StateFile"/>), believed only while its
/// VRRP process lives: a keepalived killed as MASTER leaves the file saying MASTER, and must not keep the address here.
/// </summary>
internal sealed partial class KeepalivedProcess : IAsyncDisposable
{
    private const int SigHup = 1;
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private readonly string _directory;
    private readonly string? _namespace;

    public KeepalivedProcess(string directory, string? networkNamespace = null)
    {
        _directory = directory;
        _namespace = networkNamespace;
        Directory.CreateDirectory(directory);
    }

    public string ConfigurationPath => Path.Combine(_directory, "keepalived.conf");

    public string PidFile => Path.Combine(_directory, "keepalived.pid");

    /// <summary>The VRRP child's pid (keepalived's <c>-r</c>): the process that holds the role.</summary>
    public string VrrpPidFile => Path.Combine(_directory, "keepalived-vrrp.pid");

    /// <summary>The VRRP state keepalived's notify script last wrote: MASTER, BACKUP, FAULT or STOP.</summary>
    public string StateFile => Path.Combine(_directory, "vrrp-state");

    public string LogFile => Path.Combine(_directory, "keepalived.log");

    public bool IsRunning => ReadPid(PidFile) is { } pid && IsKeepalived(pid);

    public int? ProcessId => ReadPid(PidFile) is { } pid && IsKeepalived(pid) ? pid : null;

    /// <summary>The node holds the role now: its VRRP process lives and last said MASTER.</summary>
    public bool IsMaster => State == "MASTER";

    /// <summary>The VRRP state, or null while no live VRRP process has announced one.</summary>
    public string? State => StateIn(_directory);

    /// <summary>Whether the keepalived of the node directory <paramref name="directory"/> is MASTER (read from its files alone).</summary>
    public static bool IsMasterIn(string directory) => StateIn(directory) == "MASTER";

    private static string? StateIn(string directory)
    {
        if (ReadPid(Path.Combine(directory, "keepalived-vrrp.pid")) is not { } pid || !IsKeepalived(pid))
        {
            return null;
        }

        try
        {
            return File.ReadAllText(Path.Combine(directory, "vrrp-state")).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Writes the configuration and its scripts and starts keepalived, or reloads the running one when the text changed.</summary>
    /// <returns>Whether keepalived was started or reloaded (false: it runs with this configuration already).</returns>
    public async Task<bool> ApplyAsync(string configuration, string haproxyPidFile, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, "notify.sh"), KeepalivedConfiguration.NotifyScript(StateFile), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_directory, "check-haproxy.sh"), KeepalivedConfiguration.CheckScript(haproxyPidFile), cancellationToken);
        var running = IsRunning;
        if (running && File.Exists(ConfigurationPath) && await File.ReadAllTextAsync(ConfigurationPath, cancellationToken) == configuration)
        {
            return false;
        }

        var candidate = ConfigurationPath + ".new";
        await File.WriteAllTextAsync(candidate, configuration, cancellationToken);
        // In the namespace: keepalived checks that the configuration's interface exists.
        var (code, output) = _namespace is null ? await RunAsync("keepalived", ["-t", "-f", candidate], cancellationToken)
            : await RunAsync("ip", ["netns", "exec", _namespace, "keepalived", "-t", "-f", candidate], cancellationToken);
        if (code != 0)
        {
            throw new InvalidOperationException($"keepalived refused the configuration: {output.Trim()}");
        }

        File.Move(candidate, ConfigurationPath, overwrite: true);
        if (running)
        {
            _ = Kill(ProcessId!.Value, SigHup);
            return true;
        }

        // A state left by a keepalived that died (killed as MASTER, say) is not this one's.
        File.Delete(StateFile);
        File.Delete(PidFile);
        File.Delete(VrrpPidFile);
        var keepalived = $"keepalived -n -l -D -f {Quote(ConfigurationPath)} -p {Quote(PidFile)} -r {Quote(VrrpPidFile)} --vrrp";
        var inNamespace = _namespace is null ? keepalived : $"ip netns exec {Quote(_namespace)} {keepalived}";
        // Its own session, not the agent's child: it keeps the role while the agent restarts, as HAProxy keeps serving.
        var (started, startOutput) = await RunAsync("/bin/sh", ["-c", $"exec setsid -f {inNamespace} >> {Quote(LogFile)} 2>&1 < /dev/null"], cancellationToken);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!IsRunning && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cancellationToken);
        }

        if (started != 0 || !IsRunning)
        {
            var log = File.Exists(LogFile) ? await File.ReadAllTextAsync(LogFile, cancellationToken) : "";
            throw new InvalidOperationException($"keepalived did not start ({started}): {startOutput.Trim()} {log[Math.Max(0, log.Length - 2000)..].Trim()}");
        }

        return true;
    }

    /// <summary>Stops keepalived (SIGTERM: it gives the address up; SIGKILL after 5 s) and forgets its state.</summary>
    public async ValueTask DisposeAsync()
    {
        if (ProcessId is { } pid)
        {
            _ = Kill(pid, SigTerm);
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (IsKeepalived(pid) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            if (IsKeepalived(pid))
            {
                _ = Kill(pid, SigKill);
            }
        }

        if (ReadPid(VrrpPidFile) is { } vrrp && IsKeepalived(vrrp))
        {
            _ = Kill(vrrp, SigKill);
        }

        File.Delete(StateFile);
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static int? ReadPid(string file)
    {
        try
        {
            return int.TryParse(File.ReadAllText(file).Trim(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The process is alive and is keepalived (a pid file can outlive its process and the pid be reused).</summary>
    private static bool IsKeepalived(int pid)
    {
        try
        {
            var status = File.ReadAllText($"/proc/{pid}/stat");
            var state = status[(status.LastIndexOf(')') + 2)..].FirstOrDefault();
            return state != 'Z' && File.ReadAllText($"/proc/{pid}/comm").Trim() == "keepalived";
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output + await error);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
