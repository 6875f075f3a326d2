using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Metrics;

/// <summary>
/// Turns the usage in a heartbeat into 1-minute datapoints: each instance's counters minus those of its previous sample
/// (kept in <c>instance_usage_samples</c>), added to the minute the heartbeat arrived in. Counters that went down, or a
/// new domain id, mean the guest started again: its counters then count from zero. Runs inside the report's own
/// transaction, so a retried report counts once.
/// </summary>
internal sealed class UsageRecorder(ComputeDbContext db)
{
    /// <param name="instances">The reporting server's instances (a server speaks for its own only).</param>
    public async Task RecordAsync(IReadOnlyList<Instance> instances, IReadOnlyList<InstanceReport> reports, DateTime now, CancellationToken cancellationToken)
    {
        var owned = instances.ToDictionary(i => i.Id, StringComparer.Ordinal);
        var usages = reports.Where(r => r.Usage is not null && owned.ContainsKey(r.InstanceId)).ToDictionary(r => r.InstanceId, r => r.Usage!, StringComparer.Ordinal);
        if (usages.Count == 0)
        {
            return;
        }

        var ids = usages.Keys.ToList();
        var minute = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
        var samples = await db.InstanceUsageSamples.Where(s => ids.Contains(s.InstanceId)).ToDictionaryAsync(s => s.InstanceId, StringComparer.Ordinal, cancellationToken);
        var minutes = await db.InstanceMetrics.Where(m => ids.Contains(m.InstanceId) && m.PeriodStart == minute)
            .ToDictionaryAsync(m => m.InstanceId, StringComparer.Ordinal, cancellationToken);

        foreach (var (id, usage) in usages)
        {
            var previous = samples.TryGetValue(id, out var sample) ? JsonSerializer.Deserialize<InstanceUsage>(sample.Sample, AgentApi.Json) : null;
            if (previous is not null && usage.SampledAt <= previous.SampledAt)
            {
                // A report older than the one already counted (a retry that lost a race): nothing new in it.
                continue;
            }

            if (!minutes.TryGetValue(id, out var datapoint))
            {
                datapoint = new InstanceMetricMinute { InstanceId = id, PeriodStart = minute, AccountId = owned[id].AccountId };
                db.InstanceMetrics.Add(datapoint);
                minutes[id] = datapoint;
            }

            Gauges(datapoint, usage);
            if (previous is not null)
            {
                Add(datapoint, previous, usage);
            }

            if (sample is null)
            {
                db.InstanceUsageSamples.Add(new InstanceUsageSample { InstanceId = id, Sample = JsonSerializer.Serialize(usage, AgentApi.Json), ReceivedAt = now });
            }
            else
            {
                sample.Sample = JsonSerializer.Serialize(usage, AgentApi.Json);
                sample.ReceivedAt = now;
            }
        }
    }

    private static void Gauges(InstanceMetricMinute datapoint, InstanceUsage usage)
    {
        datapoint.MemoryActualKib = Max(datapoint.MemoryActualKib, usage.MemoryActualKib);
        datapoint.MemoryRssKib = Max(datapoint.MemoryRssKib, usage.MemoryRssKib);
        datapoint.MemoryAvailableKib = usage.MemoryAvailableKib is not { } available ? datapoint.MemoryAvailableKib
            : datapoint.MemoryAvailableKib is { } least ? Math.Min(least, available) : available;
    }

    private static void Add(InstanceMetricMinute datapoint, InstanceUsage previous, InstanceUsage usage)
    {
        var restarted = usage.DomainId != previous.DomainId || usage.CpuTimeNanoseconds < previous.CpuTimeNanoseconds;
        datapoint.Intervals++;
        if (!restarted)
        {
            // After a restart the guest ran for only part of the interval, and nobody knows which part: no CPU figure for it.
            datapoint.CpuTimeNanoseconds += usage.CpuTimeNanoseconds - previous.CpuTimeNanoseconds;
            datapoint.CpuCapacityNanoseconds += (long)((usage.SampledAt - previous.SampledAt).Ticks * 100 * (double)Math.Max(1, usage.VirtualCpus));
        }

        var disks = restarted ? [] : (previous.Disks ?? []).ToDictionary(d => d.Device, StringComparer.Ordinal);
        foreach (var disk in usage.Disks ?? [])
        {
            var before = disks.GetValueOrDefault(disk.Device);
            datapoint.DiskReadBytes += Delta(disk.ReadBytes, before?.ReadBytes);
            datapoint.DiskWriteBytes += Delta(disk.WriteBytes, before?.WriteBytes);
            datapoint.DiskReadOps += Delta(disk.ReadRequests, before?.ReadRequests);
            datapoint.DiskWriteOps += Delta(disk.WriteRequests, before?.WriteRequests);
        }

        var nics = restarted ? [] : (previous.Interfaces ?? []).ToDictionary(n => n.Device, StringComparer.Ordinal);
        foreach (var nic in usage.Interfaces ?? [])
        {
            var before = nics.GetValueOrDefault(nic.Device);
            datapoint.NetworkInBytes += Delta(nic.RxBytes, before?.RxBytes);
            datapoint.NetworkOutBytes += Delta(nic.TxBytes, before?.TxBytes);
            datapoint.NetworkPacketsIn += Delta(nic.RxPackets, before?.RxPackets);
            datapoint.NetworkPacketsOut += Delta(nic.TxPackets, before?.TxPackets);
        }
    }

    /// <summary>A counter's growth; a device new since the last sample, or one whose counter began again (a NIC re-plugged), counts from zero.</summary>
    private static long Delta(long now, long? before) => before is { } then && now >= then ? now - then : Math.Max(0, now);

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
