namespace Platform.Modules.Shared.Hosting;

/// <summary>Files only their owner may read (keys, credentials), written durably and whole.</summary>
public static class PrivateFile
{
    /// <summary>Writes to a temporary file with mode 0600, fsyncs, then renames into place.</summary>
    /// <returns>False when <paramref name="path"/> existed already and <paramref name="overwrite"/> is false.</returns>
    public static bool Write(string path, ReadOnlySpan<byte> content, bool overwrite)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        try
        {
            File.Move(temporary, path, overwrite);
            return true;
        }
        catch (IOException) when (!overwrite && File.Exists(path))
        {
            File.Delete(temporary);
            return false;
        }
    }
}
