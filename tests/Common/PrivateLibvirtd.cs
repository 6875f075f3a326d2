using System.Diagnostics;
using System.Net.Sockets;

namespace Platform.Tests.Common;

/// <summary>
/// A libvirtd of the test's own, to stop and restart under a client without touching the machine's daemon (other
/// tests' guests run on it). It runs as nobody, with its sockets and state in a temporary directory, and loads no
/// driver module (an empty LIBVIRT_DRIVER_DIR), so it serves only libvirt's built-in simulated hypervisor, reached
/// as <c>test+unix:///default?socket=…</c>: a real daemon and a real RPC connection, no QEMU. Each start begins
/// from test:///default's fresh state, as a server's libvirtd forgets transient state when it restarts.
/// </summary>
internal sealed class PrivateLibvirtd : IDisposable
{
    private const int Nobody = 65534;
    private readonly string _directory;
    private Process? _daemon;

    public PrivateLibvirtd()
    {
        // Short: a unix socket path has room for 107 bytes.
        _directory = Path.Combine("/tmp", $"lvd-{Guid.NewGuid():N}"[..16]);
        foreach (var path in new[] { _directory, Path.Combine(_directory, "run"), Path.Combine(_directory, "home"), Path.Combine(_directory, "drivers") })
        {
            Directory.CreateDirectory(path);
            File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
            Chown(path);
        }

        File.WriteAllText(Path.Combine(_directory, "libvirtd.conf"), $"""
            unix_sock_dir = "{Path.Combine(_directory, "run")}"
            unix_sock_rw_perms = "0700"
            unix_sock_ro_perms = "0700"
            auth_unix_rw = "none"
            auth_unix_ro = "none"
            log_outputs = "3:file:{Path.Combine(_directory, "libvirtd.log")}"
            """);
        Chown(Path.Combine(_directory, "libvirtd.conf"));
    }

    public string Socket => Path.Combine(_directory, "run", "libvirt-sock");

    public string Uri => $"test+unix:///default?socket={Socket}";

    public void Start()
    {
        File.Delete(Socket);
        var start = new ProcessStartInfo("setpriv")
        {
            ArgumentList = { $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "libvirtd", "-f", Path.Combine(_directory, "libvirtd.conf"),
                "-p", Path.Combine(_directory, "run", "libvirtd.pid") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        start.Environment["HOME"] = Path.Combine(_directory, "home");
        start.Environment["XDG_RUNTIME_DIR"] = Path.Combine(_directory, "run");
        start.Environment["LIBVIRT_DRIVER_DIR"] = Path.Combine(_directory, "drivers");
        _daemon = Process.Start(start)!;
        _daemon.OutputDataReceived += (_, _) => { };
        _daemon.ErrorDataReceived += (_, _) => { };
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
        // Until it accepts a connection: the socket file exists from bind(), a moment before listen(), and a client in
        // between is refused (seen on a loaded machine).
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!Accepts(Socket))
        {
            if (_daemon.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the private libvirtd did not start: {Log}");
            }

            Thread.Sleep(50);
        }
    }

    private static bool Accepts(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Ends the daemon at once (SIGKILL), as a crash or an abrupt restart would.</summary>
    public void Kill()
    {
        if (_daemon is { HasExited: false })
        {
            _daemon.Kill();
            _daemon.WaitForExit();
        }

        _daemon?.Dispose();
        _daemon = null;
    }

    public string Log => File.Exists(Path.Combine(_directory, "libvirtd.log")) ? File.ReadAllText(Path.Combine(_directory, "libvirtd.log")) : "";

    public void Dispose()
    {
        Kill();
        Directory.Delete(_directory, recursive: true);
    }

    private static void Chown(string path)
    {
        using var chown = Process.Start("chown", [$"{Nobody}:{Nobody}", path])!;
        chown.WaitForExit();
    }
}
