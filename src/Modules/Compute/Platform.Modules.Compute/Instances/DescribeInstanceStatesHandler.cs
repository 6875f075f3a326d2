using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Instances;

/// <summary>Tenants' instances' states and run times from Compute's own state (for Billing's reconciliation of lost stops).</summary>
internal sealed class DescribeInstanceStatesHandler(ComputeDbContext db) : IRequestHandler<DescribeInstanceStates, IReadOnlyList<InstanceStateNow>>
{
    public async ValueTask<IReadOnlyList<InstanceStateNow>> Handle(DescribeInstanceStates request, CancellationToken cancellationToken)
    {
        var found = new List<InstanceStateNow>();
        foreach (var chunk in request.InstanceIds.Distinct(StringComparer.Ordinal).Chunk(500))
        {
            found.AddRange(await db.Instances.AsNoTracking()
                .Where(i => i.ManagedBy == null && chunk.Contains(i.Id))
                .Select(i => new InstanceStateNow(i.AccountId, i.Id, i.State,
                    i.LaunchedAt == null ? null : DateTime.SpecifyKind(i.LaunchedAt.Value, DateTimeKind.Utc),
                    i.RunningEndedAt == null ? null : DateTime.SpecifyKind(i.RunningEndedAt.Value, DateTimeKind.Utc)))
                .ToListAsync(cancellationToken));
        }

        return found;
    }
}
