using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Metrics;

/// <summary>One metric: its CloudWatch name and unit, and how a period's value comes from its 1-minute datapoints (null: no value).</summary>
internal sealed record InstanceMetricDefinition(string Name, string Unit, string Statistic, Func<IReadOnlyList<InstanceMetricMinute>, double?> Value);

/// <summary>
/// The metrics an instance has, named as CloudWatch names EC2's (namespace AWS/EC2), plus the guest's memory, which EC2
/// only knows through an agent in the guest and the hypervisor knows here.
/// </summary>
internal static class InstanceMetricCatalog
{
    public static readonly IReadOnlyList<InstanceMetricDefinition> All =
    [
        // CPU time used over CPU time the guest's vCPUs had, in percent: the average over the period, as CloudWatch's.
        new("CPUUtilization", "Percent", "Average", minutes =>
        {
            var capacity = minutes.Sum(m => (double)m.CpuCapacityNanoseconds);
            return capacity <= 0 ? null : Math.Clamp(100 * minutes.Sum(m => (double)m.CpuTimeNanoseconds) / capacity, 0, 100);
        }),
        Sum("NetworkIn", "Bytes", m => m.NetworkInBytes),
        Sum("NetworkOut", "Bytes", m => m.NetworkOutBytes),
        Sum("NetworkPacketsIn", "Count", m => m.NetworkPacketsIn),
        Sum("NetworkPacketsOut", "Count", m => m.NetworkPacketsOut),
        Sum("DiskReadBytes", "Bytes", m => m.DiskReadBytes),
        Sum("DiskWriteBytes", "Bytes", m => m.DiskWriteBytes),
        Sum("DiskReadOps", "Count", m => m.DiskReadOps),
        Sum("DiskWriteOps", "Count", m => m.DiskWriteOps),
        Memory("MemoryActual", "Maximum", m => m.MemoryActualKib),
        Memory("MemoryRSS", "Maximum", m => m.MemoryRssKib),
        Memory("MemoryAvailable", "Minimum", m => m.MemoryAvailableKib),
    ];

    public static readonly IReadOnlyDictionary<string, InstanceMetricDefinition> ByName = All.ToDictionary(m => m.Name, StringComparer.Ordinal);

    /// <summary>Counted over heartbeat intervals: a period without any (only a first sample) has no value rather than zero.</summary>
    private static InstanceMetricDefinition Sum(string name, string unit, Func<InstanceMetricMinute, long> counter) =>
        new(name, unit, "Sum", minutes => minutes.Any(m => m.Intervals > 0) ? minutes.Sum(m => (double)counter(m)) : null);

    /// <summary>A gauge in KiB, answered in bytes: the largest (or least) the period saw.</summary>
    private static InstanceMetricDefinition Memory(string name, string statistic, Func<InstanceMetricMinute, long?> kib) =>
        new(name, "Bytes", statistic, minutes =>
        {
            var values = minutes.Select(kib).OfType<long>().ToList();
            return values.Count == 0 ? null : 1024d * (statistic == "Minimum" ? values.Min() : values.Max());
        });
}
