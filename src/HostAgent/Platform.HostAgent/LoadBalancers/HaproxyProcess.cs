using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Platform.HostAgent.LoadBalancers;

/// <summary>
/// One node's HAProxy, in master-worker mode, run by the agent (not Debian's haproxy service): started with its
/// configuration (inside the node's network namespace when one is given), reloaded by SIGUSR2 to the master after the new
/// configuration passed <c>haproxy -c</c> (a bad one never replaces a good one). On a reload the master starts new workers
/// and the old ones stop accepting but finish their open connections (bounded by <c>hard-stop-after</c>): established
/// connections are not dropped. Target health is read from the stats socket.
/// </summary>
internal sealed partial class HaproxyProcess : IAsyncDisposable
{
    private const int SigUsr2 = 12;
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private readonly string _directory;
    private readonly string? _namespace;
    private int? _master;

    /// <summary>
    /// A node's HAProxy in <paramref name="directory"/>: one already running there (its master's pid file names a live
    /// HAProxy, as after an agent restart) is adopted, not started again.
    /// </summary>
    public HaproxyProcess(string directory, string? networkNamespace = null)
    {
        _directory = directory;
        _namespace = networkNamespace;
        Directory.CreateDirectory(directory);
        if (File.Exists(PidFile) && int.TryParse(File.ReadAllText(PidFile).Trim(), out var pid) && IsHaproxy(pid))
        {
            _master = pid;
        }
    }

    public string ConfigurationPath => Path.Combine(_directory, "haproxy.cfg");

    public string StatsSocket => Path.Combine(_directory, "admin.sock");

    /// <summary>The master's pid, written by HAProxy itself (<c>-p</c>): how a restarted agent finds the node it left running.</summary>
    public string PidFile => Path.Combine(_directory, "haproxy.pid");

    public bool IsRunning => _master is { } pid && IsHaproxy(pid);

    public int? MasterProcessId => _master;

    /// <summary>Writes the configuration and starts HAProxy, or reloads the running one; throws when HAProxy refuses the configuration.</summary>
    /// <param name="cutOff">Servers leaving with this change whose connections end now (targets whose deregistration delay has
    /// passed): shut down in the running workers before the reload, since old workers would otherwise keep them.</param>
    public async Task ApplyAsync(string configuration, CancellationToken cancellationToken, IReadOnlyList<HaproxyServer>? cutOff = null)
    {
        var candidate = ConfigurationPath + ".new";
        await File.WriteAllTextAsync(candidate, configuration, cancellationToken);
        var (code, output) = await RunAsync(Command(["-c", "-f", candidate]), cancellationToken);
        if (code != 0)
        {
            throw new InvalidOperationException($"HAProxy refused the configuration: {output.Trim()}");
        }

        File.Move(candidate, ConfigurationPath, overwrite: true);
        if (IsRunning)
        {
            foreach (var server in cutOff ?? [])
            {
                // Its fail-open twin too: with every target down, traffic runs through the backups.
                _ = await CommandAsync($"shutdown sessions server {server.Backend}/{server.Server}", cancellationToken);
                _ = await CommandAsync($"shutdown sessions server {server.Backend}/{HaproxyConfiguration.FailOpenPrefix}{server.Server}", cancellationToken);
            }

            // The new workers read the servers' health from this file (server-state-file), so a reload keeps it.
            if (await CommandAsync("show servers state", cancellationToken) is { } state)
            {
                await File.WriteAllTextAsync(Path.Combine(_directory, "server-state"), state, cancellationToken);
            }

            if (Kill(_master!.Value, SigUsr2) != 0)
            {
                throw new InvalidOperationException($"Cannot signal HAProxy's master {_master.Value}: errno {Marshal.GetLastPInvokeError()}");
            }

            return;
        }

        // Daemonised (-D): the master is not the agent's child, so it keeps serving while the agent restarts, and its pid
        // file lets the next agent adopt it.
        File.Delete(PidFile);
        var (code2, started) = await RunAsync(Command(["-W", "-D", "-p", PidFile, "-f", ConfigurationPath]), cancellationToken);
        if (code2 != 0 || !File.Exists(PidFile) || !int.TryParse((await File.ReadAllTextAsync(PidFile, cancellationToken)).Trim(), out var master))
        {
            throw new InvalidOperationException($"HAProxy did not start ({code2}): {started.Trim()}");
        }

        _master = master;
    }

    /// <summary>The stats socket's <c>show stat</c> CSV; null while HAProxy is not (yet) answering on it.</summary>
    public Task<string?> ShowStatAsync(CancellationToken cancellationToken) => CommandAsync("show stat", cancellationToken);

    private async Task<string?> CommandAsync(string command, CancellationToken cancellationToken)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(StatsSocket), cancellationToken);
            await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), cancellationToken);
            using var stream = new NetworkStream(socket, ownsSocket: false);
            using var reader = new StreamReader(stream, Encoding.ASCII);
            return await reader.ReadToEndAsync(cancellationToken);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>Stops the node's HAProxy (its workers with it): SIGTERM, then SIGKILL after 5 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_master is { } pid && IsHaproxy(pid))
        {
            _ = Kill(pid, SigTerm);
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (IsHaproxy(pid) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            if (IsHaproxy(pid))
            {
                _ = Kill(pid, SigKill);
            }
        }

        _master = null;
    }

    /// <summary>The process is alive and is HAProxy (a pid file can outlive its process and the pid be reused).</summary>
    private static bool IsHaproxy(int pid)
    {
        try
        {
            var status = File.ReadAllText($"/proc/{pid}/stat");
            // A zombie (state Z) has exited; its parent has not reaped it yet.
            var state = status[(status.LastIndexOf(')') + 2)..].FirstOrDefault();
            return state != 'Z' && File.ReadAllText($"/proc/{pid}/comm").Trim() == "haproxy";
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

    private (string File, IReadOnlyList<string> Arguments) Command(IReadOnlyList<string> arguments) =>
        _namespace is null ? ("haproxy", arguments) : ("ip", ["netns", "exec", _namespace, "haproxy", .. arguments]);

    private static async Task<(int Code, string Output)> RunAsync((string File, IReadOnlyList<string> Arguments) command, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command.File) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{command.File} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output + await error);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
