using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.InstanceTypes;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Compute.Scheduling;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Instances;

/// <summary>
/// Whether a stopped instance's server has room for it to start, as EC2 checks at a start: a stopped instance keeps its place
/// on its server, but its type may have grown while it was stopped (ModifyInstanceAttribute instanceType), and the server
/// must then hold the new size beside everything else placed there. Refused as a launch is, with InsufficientInstanceCapacity
/// (the instance stays stopped; a smaller type, or room made on the server, lets it start). Whether the server answers is
/// not judged here: a start on an unreachable server waits for it, as before.
/// </summary>
internal sealed class StartCapacity(ComputeDbContext db, IOptions<SchedulerOptions> scheduler)
{
    public async Task EnsureAsync(Instance instance, CancellationToken cancellationToken)
    {
        // An interrupted spot instance gave its place away and cannot start at all: its own refusal answers.
        if (instance.State != InstanceStates.Stopped || instance.SpotActionTime is not null || InstanceTypeCatalog.Find(instance.InstanceType) is not { } type)
        {
            return;
        }

        var host = await db.Hosts.AsNoTracking().SingleAsync(h => h.Id == instance.HostId, cancellationToken);
        var placed = (await HostAllocations.LoadAsync(db, cancellationToken)).GetValueOrDefault(host.Id);
        // The allocation counts this instance at its new size already: what the others hold is the rest.
        var others = new HostCandidate(host.Id, host.AvailabilityZone, host.Cpus, host.MemoryMiB,
            placed.VirtualCpus - type.VirtualCpus, placed.MemoryMiB - type.MemoryMiB);
        if (Scheduler.Place(type, null, [others], scheduler.Value) is PlacementDecision.NoCapacity refused)
        {
            throw new ApiException(500, "InsufficientInstanceCapacity", refused.Explain());
        }
    }
}
