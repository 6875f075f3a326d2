using System.Text;
using Platform.Modules.Compute.InstanceTypes;

namespace Platform.Modules.Compute.Scheduling;

internal enum HostStatus
{
    Available,
    Unreachable,
    Disabled,
}

/// <summary>A server as the scheduler sees it: where it is, what it has, what is already promised on it.</summary>
internal sealed record HostCandidate(
    string HostId,
    string AvailabilityZone,
    int Cpus,
    long MemoryMiB,
    int AllocatedVirtualCpus,
    long AllocatedMemoryMiB,
    HostStatus Status = HostStatus.Available,
    string? Degraded = null);

internal enum PlacementStrategy
{
    /// <summary>The host with the most room left: instances spread, a lost host takes few with it.</summary>
    Spread,

    /// <summary>The host with the least room that still fits: hosts fill up, whole hosts stay free.</summary>
    Pack,
}

internal sealed class SchedulerOptions
{
    public const string SectionName = "Compute:Scheduler";

    /// <summary>Virtual CPUs per physical CPU (OpenStack's default is 16; TCG test hosts want less).</summary>
    public double CpuOvercommitRatio { get; set; } = 4.0;

    public double MemoryOvercommitRatio { get; set; } = 1.0;

    /// <summary>Memory kept for the host itself (the agent, libvirt, QEMU's overhead).</summary>
    public long ReservedHostMemoryMiB { get; set; } = 512;

    public PlacementStrategy Strategy { get; set; } = PlacementStrategy.Spread;
}

/// <summary>Why one host cannot take the instance.</summary>
internal sealed record HostRejection(string HostId, string Reason);

internal abstract record PlacementDecision
{
    private PlacementDecision()
    {
    }

    internal sealed record Placed(string HostId) : PlacementDecision;

    /// <summary>No host fits; every host's reason is kept, so the refusal can be explained.</summary>
    internal sealed record NoCapacity(InstanceType Type, string? AvailabilityZone, IReadOnlyList<HostRejection> Rejections) : PlacementDecision
    {
        /// <summary>One line per reason with how many hosts gave it and a few of their names.</summary>
        public string Explain()
        {
            var text = new StringBuilder($"No host can take a {Type.Name} ({Type.VirtualCpus} vCPUs, {Type.MemoryMiB} MiB)");
            text.Append(AvailabilityZone is null ? "." : $" in {AvailabilityZone}.");
            if (Rejections.Count == 0)
            {
                return text.Append(" There are no hosts.").ToString();
            }

            foreach (var group in Rejections.GroupBy(r => ReasonKind(r.Reason)).OrderByDescending(g => g.Count()))
            {
                var examples = group.Take(3).Select(r => $"{r.HostId}: {r.Reason}");
                text.Append($" {group.Count()} host(s) {group.Key} ({string.Join("; ", examples)}{(group.Count() > 3 ? "; ..." : "")}).");
            }

            return text.ToString();
        }

        private static string ReasonKind(string reason) => reason[..reason.IndexOf(':', StringComparison.Ordinal)];
    }
}

/// <summary>
/// Chooses a host for an instance: filters by zone, state and free capacity under the overcommit
/// ratios, then scores by the strategy. Pure and deterministic (ties go to the lower host id).
/// </summary>
internal static class Scheduler
{
    public static PlacementDecision Place(InstanceType type, string? availabilityZone, IReadOnlyList<HostCandidate> hosts, SchedulerOptions options)
    {
        HostCandidate? best = null;
        var bestScore = double.NaN;
        List<HostRejection>? rejections = null;
        foreach (var host in hosts)
        {
            var reason = Rejects(host, type, availabilityZone, options);
            if (reason is not null)
            {
                (rejections ??= []).Add(new HostRejection(host.HostId, reason));
                continue;
            }

            // A degraded server (its agent cannot apply its state just now) is taken only when no healthy one fits.
            var score = Score(host, type, options) - (host.Degraded is null ? 0 : DegradedPenalty);
            if (best is null || score > bestScore || (score == bestScore && string.CompareOrdinal(host.HostId, best.HostId) < 0))
            {
                (best, bestScore) = (host, score);
            }
        }

        return best is null
            ? new PlacementDecision.NoCapacity(type, availabilityZone, rejections ?? [])
            : new PlacementDecision.Placed(best.HostId);
    }

    /// <summary>Larger than any difference of scores (each lies within [-1, 1]).</summary>
    private const double DegradedPenalty = 4;

    private static string? Rejects(HostCandidate host, InstanceType type, string? availabilityZone, SchedulerOptions options)
    {
        var reason = RejectsFor(host, type, availabilityZone, options);
        return reason is not null && host.Degraded is not null ? $"{reason} (degraded: {host.Degraded})" : reason;
    }

    private static string? RejectsFor(HostCandidate host, InstanceType type, string? availabilityZone, SchedulerOptions options)
    {
        if (availabilityZone is not null && host.AvailabilityZone != availabilityZone)
        {
            return $"in another zone: {host.AvailabilityZone}";
        }

        if (host.Status != HostStatus.Available)
        {
            return host.Status == HostStatus.Unreachable ? "unreachable: missed its heartbeats" : "disabled: by an operator";
        }

        var freeCpus = VirtualCpuCapacity(host, options) - host.AllocatedVirtualCpus;
        if (freeCpus < type.VirtualCpus)
        {
            return $"short of vCPUs: {Math.Max(0, freeCpus)} free, {type.VirtualCpus} needed";
        }

        var freeMemory = MemoryCapacity(host, options) - host.AllocatedMemoryMiB;
        return freeMemory < type.MemoryMiB ? $"short of memory: {Math.Max(0, freeMemory)} MiB free, {type.MemoryMiB} MiB needed" : null;
    }

    /// <summary>The share of the host left free after placing, memory weighted over CPU as it runs out first.</summary>
    private static double Score(HostCandidate host, InstanceType type, SchedulerOptions options)
    {
        var memory = (double)(MemoryCapacity(host, options) - host.AllocatedMemoryMiB - type.MemoryMiB) / MemoryCapacity(host, options);
        var cpu = (double)(VirtualCpuCapacity(host, options) - host.AllocatedVirtualCpus - type.VirtualCpus) / VirtualCpuCapacity(host, options);
        var free = (0.7 * memory) + (0.3 * cpu);
        return options.Strategy == PlacementStrategy.Spread ? free : -free;
    }

    private static long VirtualCpuCapacity(HostCandidate host, SchedulerOptions options) => (long)Math.Floor(host.Cpus * options.CpuOvercommitRatio);

    private static long MemoryCapacity(HostCandidate host, SchedulerOptions options) =>
        (long)Math.Floor((host.MemoryMiB - options.ReservedHostMemoryMiB) * options.MemoryOvercommitRatio);
}
