using System.Runtime.InteropServices;

namespace Platform.HostAgent.Libvirt.Interop;

internal static unsafe partial class NativeMethods
{
    /// <summary>virDomainMemoryStatStruct: a tag (virDomainMemoryStatTags) and its value, in KiB for sizes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct VirDomainMemoryStat
    {
        public int Tag;
        public ulong Value;
    }

    /// <summary>virDomainBlockStatsStruct; a field libvirt cannot tell is -1.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct VirDomainBlockStats
    {
        public long ReadRequests;
        public long ReadBytes;
        public long WriteRequests;
        public long WriteBytes;
        public long Errors;
    }

    /// <summary>virDomainInterfaceStatsStruct, from the guest's side of the NIC; a field libvirt cannot tell is -1.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct VirDomainInterfaceStats
    {
        public long RxBytes;
        public long RxPackets;
        public long RxErrors;
        public long RxDrops;
        public long TxBytes;
        public long TxPackets;
        public long TxErrors;
        public long TxDrops;
    }

    /// <summary>VIR_DOMAIN_MEMORY_STAT_NR: how many tags libvirt 9 knows; a larger buffer is fine, libvirt fills what it has.</summary>
    internal const int MemoryStatCount = 16;

    /// <returns>How many entries libvirt filled, or -1.</returns>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainMemoryStats")]
    internal static partial int DomainMemoryStats(DomainHandle domain, VirDomainMemoryStat* stats, uint count, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainBlockStats", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DomainBlockStats(DomainHandle domain, string disk, out VirDomainBlockStats stats, nuint size);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainInterfaceStats", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DomainInterfaceStats(DomainHandle domain, string device, out VirDomainInterfaceStats stats, nuint size);
}
