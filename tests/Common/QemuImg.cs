using System.Diagnostics;

namespace Platform.Tests.Common;

/// <summary>qcow2 files made by the real qemu-img, as a tenant would make them: standalone, or pointing at other files.</summary>
internal static class QemuImg
{
    public static string Standalone(string path, string size = "64M")
    {
        Run("create", "-q", "-f", "qcow2", path, size);
        return path;
    }

    /// <summary>An overlay whose backing file is <paramref name="backingFile"/> (a host file, say), read as raw.</summary>
    public static string WithBackingFile(string path, string backingFile)
    {
        Run("create", "-q", "-f", "qcow2", "-b", backingFile, "-F", "raw", "-u", path, "64M");
        return path;
    }

    /// <summary>An image whose data clusters live in <paramref name="dataFile"/> (qcow2's external data file).</summary>
    public static string WithDataFile(string path, string dataFile, bool raw = false)
    {
        Run("create", "-q", "-f", "qcow2", "-o", $"data_file={dataFile}{(raw ? ",data_file_raw=on" : "")}", path, "64M");
        return path;
    }

    public static string Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("qemu-img") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"qemu-img {string.Join(' ', arguments)} failed: {errors}");
        }

        return output;
    }
}
