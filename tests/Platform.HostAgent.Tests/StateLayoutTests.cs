using System.Diagnostics;
using Platform.HostAgent.Agent;

namespace Platform.HostAgent.Tests;

/// <summary>
/// On servers QEMU runs as libvirt-qemu and opens the pool's volumes and the console files by path; the agent's state
/// directory must let it through without letting it (or anyone) read the host credential.
/// </summary>
public sealed class StateLayoutTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("platform-layout-").FullName;

    public StateLayoutTests() => File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101); // as /var/lib

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Given_a_state_directory_made_0700_by_an_earlier_agent_Then_QEMUs_user_reaches_pool_and_console_files_and_not_the_credential()
    {
        var state = Path.Combine(_root, "platform-agent");
        Directory.CreateDirectory(state, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        StateLayout.Prepare(state);
        new HostCredential("h-0123456789abcdef0", "secret-of-the-host-secret-of-the-host", "us-east-1a", "http://api").Save(state);

        Assert.Equal((UnixFileMode)0b111_001_001, File.GetUnixFileMode(state));
        Assert.Equal((UnixFileMode)0b111_001_001, File.GetUnixFileMode(StateLayout.Consoles(state)));
        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(StateLayout.Markers(state)));
        Assert.Equal((UnixFileMode)0b111_011_000, File.GetUnixFileMode(StateLayout.Channels(state)));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(Path.Combine(state, HostCredential.FileName)));

        // What libvirt does on a server: the pool directory 0711 (its default), and each volume and console file
        // handed to QEMU owned by libvirt-qemu (dynamic_ownership) while the guest runs.
        var pool = Directory.CreateDirectory(Path.Combine(state, "pool"), (UnixFileMode)0b111_001_001).FullName;
        var volume = Path.Combine(pool, "i-0123456789abcdef0-root");
        var console = Path.Combine(StateLayout.Consoles(state), "i-0123456789abcdef0.log");
        foreach (var file in new[] { volume, console })
        {
            File.WriteAllText(file, "guest bytes");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Run("chown", "libvirt-qemu:libvirt-qemu", file);
        }

        Assert.Equal(0, AsQemu("cat", volume).ExitCode);
        Assert.Equal(0, AsQemu("sh", "-c", $"echo more >> {console}").ExitCode);
        Assert.NotEqual(0, AsQemu("cat", Path.Combine(state, HostCredential.FileName)).ExitCode);
        Assert.NotEqual(0, AsQemu("ls", state).ExitCode);
        Assert.NotEqual(0, AsQemu("ls", StateLayout.Markers(state)).ExitCode);
    }

    private static (int ExitCode, string Output) AsQemu(params string[] command) =>
        Run("setpriv", ["--reuid=libvirt-qemu", "--regid=libvirt-qemu", "--clear-groups", .. command]);

    private static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
