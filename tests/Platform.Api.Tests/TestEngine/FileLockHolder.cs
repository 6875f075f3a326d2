using System.Diagnostics;

namespace Platform.Api.Tests.TestEngine;

/// <summary>
/// Another process holding an exclusive flock(2) on a file, as another API replica holds a job lock: one Python process
/// (util-linux's flock(1) would hand the lock to a child that outlives it), killed with SIGKILL as a crashed API is.
/// </summary>
public sealed class FileLockHolder : IDisposable
{
    private const string Script = "import fcntl, sys, time\nf = open(sys.argv[1], 'a')\nfcntl.flock(f, fcntl.LOCK_EX)\nopen(sys.argv[2], 'w').close()\ntime.sleep(600)\n";
    private readonly Process _process;

    private FileLockHolder(Process process) => _process = process;

    public static async Task<FileLockHolder> StartAsync(string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var ready = file + ".held-" + Guid.NewGuid().ToString("N");
        var process = Process.Start(new ProcessStartInfo("python3", ["-c", Script, file, ready]) { UseShellExecute = false })!;
        var holder = new FileLockHolder(process);
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(File.Exists(ready) || process.HasExited), TimeSpan.FromSeconds(90),
                "the other process did not take the lock");
            Assert.False(process.HasExited, $"the lock holder exited with {(process.HasExited ? process.ExitCode : 0)}");
            File.Delete(ready);
            return holder;
        }
        catch
        {
            holder.Dispose();
            throw;
        }
    }

    /// <summary>SIGKILL, and waits until the process is gone (its locks with it).</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
