using System.Runtime.InteropServices;

namespace Platform.HostAgent.Libvirt.Interop;

internal static partial class NativeMethods
{
    /// <summary>virDomainSnapshotCreateFlags: only the disks, no libvirt metadata kept, all disks or none.</summary>
    internal const uint SnapshotCreateDiskOnly = 16;
    internal const uint SnapshotCreateNoMetadata = 4;
    internal const uint SnapshotCreateAtomic = 128;

    /// <returns>A virDomainSnapshotPtr, or 0 on failure.</returns>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainSnapshotCreateXML", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint DomainSnapshotCreateXml(DomainHandle domain, string xml, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainSnapshotFree")]
    internal static partial int DomainSnapshotFree(nint snapshot);
}
