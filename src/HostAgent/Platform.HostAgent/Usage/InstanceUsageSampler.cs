using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Usage;

/// <summary>
/// Reads each running instance's counters from libvirt for the heartbeat: CPU time (virDomainGetInfo), memory
/// (virDomainMemoryStats), every disk (virDomainBlockStats by target) and every NIC (virDomainInterfaceStats by tap).
/// The API turns the differences between heartbeats into metrics.
/// </summary>
public sealed class InstanceUsageSampler(LibvirtConnection libvirt, TimeProvider clock)
{
    public HostReport Attach(HostReport report) => report with { Instances = [.. report.Instances.Select(Sample)] };

    private InstanceReport Sample(InstanceReport instance)
    {
        if (instance.Power != ObservedPower.Running)
        {
            return instance;
        }

        try
        {
            using var domain = libvirt.FindDomain(instance.InstanceId);
            if (domain is null || domain.Id is not { } domainId)
            {
                return instance;
            }

            var stats = domain.GetStatistics();
            return instance with { Usage = From(stats, domainId, clock.GetUtcNow()) };
        }
        catch (LibvirtException)
        {
            // Gone or stopped between observing and sampling: the next heartbeat tells.
            return instance;
        }
    }

    public static InstanceUsage From(DomainStatistics stats, int domainId, DateTimeOffset sampledAt) => new(
        sampledAt,
        stats.Info.VirtualCpus,
        stats.Info.CpuTime.Ticks * 100,
        domainId,
        (long?)stats.Memory.ActualKiB,
        (long?)stats.Memory.RssKiB,
        (long?)stats.Memory.AvailableKiB,
        [.. stats.Disks.Select(d => new DiskUsage(d.Target, d.Stats.ReadBytes ?? 0, d.Stats.WriteBytes ?? 0, d.Stats.ReadRequests ?? 0, d.Stats.WriteRequests ?? 0))],
        [.. stats.Interfaces.Select(n => new InterfaceUsage(n.Device, n.MacAddress, n.Stats.RxBytes ?? 0, n.Stats.TxBytes ?? 0, n.Stats.RxPackets ?? 0,
            n.Stats.TxPackets ?? 0))]);
}
