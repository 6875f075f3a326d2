using System.Xml.Linq;

namespace Platform.HostAgent.Libvirt;

/// <summary>libvirt's virDomainMemoryStatTags.</summary>
internal enum MemoryStatTag
{
    SwapIn = 0,
    SwapOut = 1,
    MajorFault = 2,
    MinorFault = 3,
    Unused = 4,
    Available = 5,
    ActualBalloon = 6,
    Rss = 7,
    Usable = 8,
    LastUpdate = 9,
    DiskCaches = 10,
}

/// <summary>
/// A guest's memory (virDomainMemoryStats), sizes in KiB. The hypervisor knows the balloon's size (<see cref="ActualKiB"/>) and
/// the host memory the guest's process holds (<see cref="RssKiB"/>); the rest comes from the guest's balloon driver, when it runs one.
/// </summary>
/// <param name="ActualKiB">The memory the guest has now (its balloon's current size).</param>
/// <param name="RssKiB">Host memory the guest's process holds (resident set).</param>
/// <param name="AvailableKiB">Memory the guest's kernel sees in all.</param>
/// <param name="UnusedKiB">Memory the guest leaves unused.</param>
/// <param name="UsableKiB">Memory the guest could use without swapping.</param>
public sealed record MemoryStats(
    ulong? ActualKiB,
    ulong? RssKiB,
    ulong? AvailableKiB,
    ulong? UnusedKiB,
    ulong? UsableKiB,
    ulong? DiskCachesKiB,
    ulong? SwapInKiB,
    ulong? SwapOutKiB,
    ulong? MajorFaults,
    ulong? MinorFaults);

/// <summary>One disk's I/O since the domain started (virDomainBlockStats); what libvirt cannot tell is null.</summary>
public sealed record BlockStats(long? ReadRequests, long? ReadBytes, long? WriteRequests, long? WriteBytes, long? Errors);

/// <summary>One NIC's traffic (virDomainInterfaceStats), from the guest's side: rx is what the guest received.</summary>
public sealed record InterfaceStats(
    long? RxBytes,
    long? RxPackets,
    long? RxErrors,
    long? RxDrops,
    long? TxBytes,
    long? TxPackets,
    long? TxErrors,
    long? TxDrops);

public sealed record DiskStatistics(string Target, BlockStats Stats);

/// <param name="Device">The NIC's device on the host (its tap).</param>
public sealed record InterfaceStatistics(string Device, string? MacAddress, InterfaceStats Stats);

/// <summary>A running domain's counters at one moment: CPU time (in <see cref="DomainInfo"/>), memory, each disk and each NIC.</summary>
public sealed record DomainStatistics(DomainInfo Info, MemoryStats Memory, IReadOnlyList<DiskStatistics> Disks, IReadOnlyList<InterfaceStatistics> Interfaces);

/// <summary>A NIC of a domain's definition: its host device (null until libvirt made one) and MAC address.</summary>
public sealed record DomainInterface(string? Device, string? MacAddress);

/// <summary>The disks and NICs a domain's XML names, read as data (the counterpart of <see cref="DomainDefinition"/>).</summary>
public sealed record DomainDevices(IReadOnlyList<string> DiskTargets, IReadOnlyList<DomainInterface> Interfaces)
{
    public static DomainDevices FromXml(string domainXml)
    {
        var devices = XDocument.Parse(domainXml).Root?.Element("devices");
        if (devices is null)
        {
            return new DomainDevices([], []);
        }

        var disks = devices.Elements("disk")
            .Where(d => (string?)d.Attribute("device") is null or "disk" or "cdrom" or "lun")
            .Where(d => d.Element("source") is not null)
            .Select(d => (string?)d.Element("target")?.Attribute("dev"))
            .OfType<string>()
            .ToList();
        var nics = devices.Elements("interface")
            .Select(n => new DomainInterface((string?)n.Element("target")?.Attribute("dev"), (string?)n.Element("mac")?.Attribute("address")))
            .ToList();
        return new DomainDevices(disks, nics);
    }
}
