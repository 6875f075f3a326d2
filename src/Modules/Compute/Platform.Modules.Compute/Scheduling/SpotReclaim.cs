using Platform.Modules.Compute.InstanceTypes;

namespace Platform.Modules.Compute.Scheduling;

/// <summary>A spot instance the scheduler may take back: where it runs and what it holds there.</summary>
internal sealed record SpotHolding(string InstanceId, string HostId, int VirtualCpus, long MemoryMiB);

/// <summary>The server an on-demand launch takes and the spot instances interrupted there to make room for it.</summary>
internal sealed record SpotReclaimPlan(string HostId, IReadOnlyList<string> InstanceIds);

/// <summary>
/// What the scheduler does when no server has room for an on-demand launch: rather than refuse it, it takes back spot
/// capacity. On each server of the zone it frees spot instances, the largest first (ties to the lower id), until the
/// launch fits under <see cref="Scheduler"/>'s rules; the server needing the fewest interruptions wins (ties to the lower
/// server id). Pure and deterministic.
/// </summary>
internal static class SpotReclaim
{
    public static SpotReclaimPlan? Choose(InstanceType type, string? availabilityZone, IReadOnlyList<HostCandidate> hosts,
        IReadOnlyList<SpotHolding> spots, SchedulerOptions options)
    {
        SpotReclaimPlan? best = null;
        foreach (var host in hosts.OrderBy(h => h.HostId, StringComparer.Ordinal))
        {
            var onHost = spots.Where(s => s.HostId == host.HostId)
                .OrderByDescending(s => s.MemoryMiB).ThenByDescending(s => s.VirtualCpus).ThenBy(s => s.InstanceId, StringComparer.Ordinal).ToList();
            var candidate = host;
            var taken = new List<string>();
            while (Scheduler.Place(type, availabilityZone, [candidate], options) is not PlacementDecision.Placed && taken.Count < onHost.Count)
            {
                var next = onHost[taken.Count];
                taken.Add(next.InstanceId);
                candidate = candidate with
                {
                    AllocatedVirtualCpus = candidate.AllocatedVirtualCpus - next.VirtualCpus,
                    AllocatedMemoryMiB = candidate.AllocatedMemoryMiB - next.MemoryMiB,
                };
            }

            if (taken.Count > 0 && Scheduler.Place(type, availabilityZone, [candidate], options) is PlacementDecision.Placed
                && (best is null || taken.Count < best.InstanceIds.Count))
            {
                best = new SpotReclaimPlan(host.HostId, taken);
            }
        }

        return best;
    }
}
