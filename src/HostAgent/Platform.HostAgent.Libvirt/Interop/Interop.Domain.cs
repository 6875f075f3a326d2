using System.Runtime.InteropServices;

namespace Platform.HostAgent.Libvirt.Interop;

internal static unsafe partial class NativeMethods
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct VirDomainInfo
    {
        public byte State;
        public nuint MaxMemKiB;
        public nuint MemoryKiB;
        public ushort VirtualCpus;
        public ulong CpuTimeNanoseconds;
    }

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainLookupByName", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint DomainLookupByName(ConnectionHandle connection, string name);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainDefineXML", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint DomainDefineXml(ConnectionHandle connection, string xml);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainCreate")]
    internal static partial int DomainCreate(DomainHandle domain);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainShutdown")]
    internal static partial int DomainShutdown(DomainHandle domain);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainDestroy")]
    internal static partial int DomainDestroy(DomainHandle domain);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainReset")]
    internal static partial int DomainReset(DomainHandle domain, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainReboot")]
    internal static partial int DomainReboot(DomainHandle domain, uint flags);

    /// <summary>flags: VIR_DOMAIN_BLOCK_RESIZE_BYTES (1) makes <paramref name="size"/> bytes rather than KiB.</summary>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainBlockResize", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DomainBlockResize(DomainHandle domain, string disk, ulong size, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainUndefine")]
    internal static partial int DomainUndefine(DomainHandle domain);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainFree")]
    internal static partial int DomainFree(nint domain);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetName")]
    internal static partial byte* DomainGetName(DomainHandle domain);

    /// <summary>For event callbacks, which get a raw virDomainPtr they do not own.</summary>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetName")]
    internal static partial byte* DomainGetNameRaw(nint domain);

    /// <returns>The running domain's id, or (unsigned int)-1 for a domain that is shut off.</returns>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetID")]
    internal static partial uint DomainGetId(DomainHandle domain);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetUUIDString")]
    internal static partial int DomainGetUuidString(DomainHandle domain, byte* buffer);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetInfo")]
    internal static partial int DomainGetInfo(DomainHandle domain, out VirDomainInfo info);

    /// <summary>The state and why the domain is in it (virDomain*Reason of that state); flags must be 0.</summary>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetState")]
    internal static partial int DomainGetState(DomainHandle domain, out int state, out int reason, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetXMLDesc")]
    internal static partial byte* DomainGetXmlDesc(DomainHandle domain, uint flags);

    /// <summary>flags: VIR_DOMAIN_AFFECT_LIVE (1) | VIR_DOMAIN_AFFECT_CONFIG (2).</summary>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainAttachDeviceFlags", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DomainAttachDeviceFlags(DomainHandle domain, string xml, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainDetachDeviceFlags", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DomainDetachDeviceFlags(DomainHandle domain, string xml, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainIsActive")]
    internal static partial int DomainIsActive(DomainHandle domain);

    /// <summary>VIR_DOMAIN_METADATA_ELEMENT: an element under the caller's own XML namespace.</summary>
    internal const int MetadataElement = 2;

    /// <returns>The element, without its namespace, for the caller to free; NULL (error VIR_ERR_NO_DOMAIN_METADATA) when there is none.</returns>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetMetadata", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial byte* DomainGetMetadata(DomainHandle domain, int type, string uri, uint flags);

    /// <summary>Replaces the element of namespace <paramref name="uri"/> (written with prefix <paramref name="key"/>); NULL metadata removes it.</summary>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainSetMetadata", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DomainSetMetadata(DomainHandle domain, int type, string? metadata, string key, string uri, uint flags);
}
