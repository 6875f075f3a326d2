using System.Runtime.InteropServices;

namespace Platform.HostAgent.Libvirt.Interop;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStreamNew")]
    internal static partial nint StreamNew(ConnectionHandle connection, uint flags);

    /// <returns>Bytes sent, or -1 on error (blocking streams never return -2).</returns>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStreamSend")]
    internal static partial int StreamSend(StreamHandle stream, byte* data, nuint length);

    /// <returns>Bytes received, 0 at the end, -1 on error.</returns>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStreamRecv")]
    internal static partial int StreamRecv(StreamHandle stream, byte* data, nuint length);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStreamFinish")]
    internal static partial int StreamFinish(StreamHandle stream);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStreamAbort")]
    internal static partial int StreamAbort(StreamHandle stream);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStreamFree")]
    internal static partial int StreamFree(nint stream);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStorageVolUpload")]
    internal static partial int StorageVolUpload(StorageVolumeHandle volume, StreamHandle stream, ulong offset, ulong length, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStorageVolDownload")]
    internal static partial int StorageVolDownload(StorageVolumeHandle volume, StreamHandle stream, ulong offset, ulong length, uint flags);
}
