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
    private readonly string _directory;
    private readonly string? _namespace;
    private Process? _master;

    public HaproxyProcess(string directory, string? networkNamespace = null)
    {
        _directory = directory;
        _namespace = networkNamespace;
        Directory.CreateDirectory(directory);
    }

    public string ConfigurationPath => Path.Combine(_directory, "haproxy.cfg");

    public string StatsSocket => Path.Combine(_directory, "admin.sock");

    public bool IsRunning => _master is { HasExited: false };

    public int? MasterProcessId => _master?.Id;

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

            if (Kill(_master!.Id, SigUsr2) != 0)
            {
                throw new InvalidOperationException($"Cannot signal HAProxy's master {_master.Id}: errno {Marshal.GetLastPInvokeError()}");
            }

            return;
        }

        var (file, arguments) = Command(["-W", "-db", "-f", ConfigurationPath]);
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _master = Process.Start(start) ?? throw new InvalidOperationException("HAProxy did not start.");
        _master.OutputDataReceived += (_, _) => { };
        _master.ErrorDataReceived += (_, _) => { };
        _master.BeginOutputReadLine();
        _master.BeginErrorReadLine();
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

    public async ValueTask DisposeAsync()
    {
        if (_master is { HasExited: false } master)
        {
            _ = Kill(master.Id, SigTerm);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await master.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                master.Kill(entireProcessTree: true);
            }
        }

        _master?.Dispose();
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
