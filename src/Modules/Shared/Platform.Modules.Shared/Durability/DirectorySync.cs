using System.Runtime.InteropServices;

namespace Platform.Modules.Shared.Durability;

/// <summary>Makes a rename durable: POSIX only promises it once the directory itself is fsynced.</summary>
public static partial class DirectorySync
{
    public static void Fsync(string directory)
    {
        var descriptor = Open(directory, 0);
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open {directory} to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (FsyncDescriptor(descriptor) < 0)
            {
                throw new IOException($"fsync of {directory} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncDescriptor(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
