using System.Runtime.InteropServices;

namespace Platform.HostAgent.Libvirt.Interop;

internal static unsafe partial class NativeMethods
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct VirStorageVolInfo
    {
        public int Type;
        public ulong Capacity;
        public ulong Allocation;
    }

    /// <summary>virStoragePoolInfo: state, then capacity, allocation and available bytes.</summary>
    internal struct VirStoragePoolInfo
    {
        public int State;
        public ulong Capacity;
        public ulong Allocation;
        public ulong Available;
    }

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStoragePoolGetInfo")]
    internal static partial int StoragePoolGetInfo(StoragePoolHandle pool, out VirStoragePoolInfo info);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStoragePoolLookupByName", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint StoragePoolLookupByName(ConnectionHandle connection, string name);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStoragePoolDefineXML", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint StoragePoolDefineXml(ConnectionHandle connection, string xml, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStoragePoolBuild")]
    internal static partial int StoragePoolBuild(StoragePoolHandle pool, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStoragePoolCreate")]
    internal static partial int StoragePoolCreate(StoragePoolHandle pool, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStoragePoolDestroy")]
    internal static partial int StoragePoolDestroy(StoragePoolHandle pool);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStoragePoolUndefine")]
    internal static partial int StoragePoolUndefine(StoragePoolHandle pool);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStoragePoolIsActive")]
    internal static partial int StoragePoolIsActive(StoragePoolHandle pool);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStoragePoolGetXMLDesc")]
    internal static partial byte* StoragePoolGetXmlDesc(StoragePoolHandle pool, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStorageVolGetXMLDesc")]
    internal static partial byte* StorageVolGetXmlDesc(StorageVolumeHandle volume, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStoragePoolFree")]
    internal static partial int StoragePoolFree(nint pool);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStoragePoolRefresh")]
    internal static partial int StoragePoolRefresh(StoragePoolHandle pool, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStorageVolCreateXML", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint StorageVolCreateXml(StoragePoolHandle pool, string xml, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStorageVolCreateXMLFrom", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint StorageVolCreateXmlFrom(StoragePoolHandle pool, string xml, StorageVolumeHandle source, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStorageVolLookupByName", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint StorageVolLookupByName(StoragePoolHandle pool, string name);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStorageVolDelete")]
    internal static partial int StorageVolDelete(StorageVolumeHandle volume, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStorageVolFree")]
    internal static partial int StorageVolFree(nint volume);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStorageVolGetPath")]
    internal static partial byte* StorageVolGetPath(StorageVolumeHandle volume);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStoragePoolNumOfVolumes")]
    internal static partial int StoragePoolNumOfVolumes(StoragePoolHandle pool);

    /// <returns>How many names were written to <paramref name="names"/> (each to be freed by the caller), or -1.</returns>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStoragePoolListVolumes")]
    internal static partial int StoragePoolListVolumes(StoragePoolHandle pool, byte** names, int maxNames);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStorageVolGetInfo")]
    internal static partial int StorageVolGetInfo(StorageVolumeHandle volume, out VirStorageVolInfo info);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virStorageVolResize")]
    internal static partial int StorageVolResize(StorageVolumeHandle volume, ulong capacity, uint flags);
}
