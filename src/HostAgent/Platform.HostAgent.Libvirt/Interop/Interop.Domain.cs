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

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainUndefine")]
    internal static partial int DomainUndefine(DomainHandle domain);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainFree")]
    internal static partial int DomainFree(nint domain);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetName")]
    internal static partial byte* DomainGetName(DomainHandle domain);

    /// <summary>For event callbacks, which get a raw virDomainPtr they do not own.</summary>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetName")]
    internal static partial byte* DomainGetNameRaw(nint domain);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetUUIDString")]
    internal static partial int DomainGetUuidString(DomainHandle domain, byte* buffer);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetInfo")]
    internal static partial int DomainGetInfo(DomainHandle domain, out VirDomainInfo info);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetXMLDesc")]
    internal static partial byte* DomainGetXmlDesc(DomainHandle domain, uint flags);

    /// <summary>flags: VIR_DOMAIN_AFFECT_LIVE (1) | VIR_DOMAIN_AFFECT_CONFIG (2).</summary>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainAttachDeviceFlags", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DomainAttachDeviceFlags(DomainHandle domain, string xml, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainDetachDeviceFlags", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DomainDetachDeviceFlags(DomainHandle domain, string xml, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainIsActive")]
    internal static partial int DomainIsActive(DomainHandle domain);
}
