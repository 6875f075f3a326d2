namespace Platform.HostAgent.Protocol;

/// <summary>
/// A running guest's resource counters as the agent read them from libvirt, sent with every heartbeat. Counters are
/// cumulative since the guest's domain started (a reboot keeps them, a stop and start begins again from zero), so a lost
/// heartbeat loses nothing: the API takes the difference between two reports. Sizes of memory are gauges, in KiB.
/// </summary>
/// <param name="SampledAt">When the agent read them, by its clock; the API divides by the time between two samples.</param>
/// <param name="DomainId">libvirt's id of the running domain, new at each start: a change means the counters began again.</param>
/// <param name="CpuTimeNanoseconds">CPU time the guest used, all its vCPUs together (virDomainGetInfo).</param>
/// <param name="MemoryActualKib">The memory the guest has (its balloon's size).</param>
/// <param name="MemoryRssKib">The host memory the guest's process holds.</param>
/// <param name="MemoryAvailableKib">What the guest's own balloon driver reports as its memory; null without one.</param>
public sealed record InstanceUsage(
    DateTimeOffset SampledAt,
    int VirtualCpus,
    long CpuTimeNanoseconds,
    int? DomainId = null,
    long? MemoryActualKib = null,
    long? MemoryRssKib = null,
    long? MemoryAvailableKib = null,
    IReadOnlyList<DiskUsage>? Disks = null,
    IReadOnlyList<InterfaceUsage>? Interfaces = null);

/// <summary>One attached disk's I/O since the guest started, by its target device (<c>vda</c>).</summary>
public sealed record DiskUsage(string Device, long ReadBytes, long WriteBytes, long ReadRequests, long WriteRequests);

/// <summary>One NIC's traffic seen from the guest (rx: received by it) since its tap device was made, by the tap's name.</summary>
public sealed record InterfaceUsage(string Device, string? MacAddress, long RxBytes, long TxBytes, long RxPackets, long TxPackets);
