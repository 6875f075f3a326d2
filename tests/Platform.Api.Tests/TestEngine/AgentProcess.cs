using System.Collections.Concurrent;
using System.Diagnostics;

namespace Platform.Api.Tests.TestEngine;

/// <summary>The HostAgent as a server runs it: its own process (as systemd starts it), dialling the API.</summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private AgentProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The agent's log so far, for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static AgentProcess Start(IDictionary<string, string> settings)
    {
        // From the agent's own build output, with its own dependencies, as it is deployed (not the test's folder).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var output = Path.Combine(Platform.Tests.Common.Repository.Root, "src", "HostAgent", "Platform.HostAgent", "bin", configuration, "net10.0");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(output, "Platform.HostAgent.dll") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = output,
        };
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        // Tests whose API runs on plain loopback HTTP say so to the agent too, as an operator would have to.
        if (settings.TryGetValue("Agent__ApiUrl", out var url) && url.StartsWith("http://", StringComparison.Ordinal) && !settings.ContainsKey("Agent__AllowPlainHttpOnLoopback"))
        {
            start.Environment["Agent__AllowPlainHttpOnLoopback"] = "true";
        }

        return new AgentProcess(Process.Start(start)!);
    }

    /// <summary>Ends the agent abruptly, as a crash would; its guests keep running.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
            while (_output.Count > 400 && _output.TryDequeue(out _))
            {
            }
        }
    }
}
