using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Instances;

/// <summary>Tenants' instances running since a time or before, from Compute's own state (for Billing's reconciliation).</summary>
internal sealed class DescribeRunningInstancesHandler(ComputeDbContext db) : IRequestHandler<DescribeRunningInstances, IReadOnlyList<RunningInstance>>
{
    public async ValueTask<IReadOnlyList<RunningInstance>> Handle(DescribeRunningInstances request, CancellationToken cancellationToken) =>
        await db.Instances.AsNoTracking()
            .Where(i => i.ManagedBy == null && i.State == InstanceStates.Running && i.LaunchedAt != null && i.LaunchedAt <= request.RunningSince)
            .OrderBy(i => i.Id)
            .Select(i => new RunningInstance(i.AccountId, i.Id, i.InstanceType, i.AvailabilityZone, DateTime.SpecifyKind(i.LaunchedAt!.Value, DateTimeKind.Utc),
                i.InstanceLifecycle))
            .ToListAsync(cancellationToken);
}
