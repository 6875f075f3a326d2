using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Instances;

/// <summary>One account's instances' tags from Compute's own state (for Billing's cost and usage reports).</summary>
internal sealed class DescribeInstanceTagsHandler(ComputeDbContext db) : IRequestHandler<DescribeInstanceTags, IReadOnlyList<InstanceTagSet>>
{
    public async ValueTask<IReadOnlyList<InstanceTagSet>> Handle(DescribeInstanceTags request, CancellationToken cancellationToken)
    {
        var found = new List<InstanceTagSet>();
        foreach (var chunk in request.InstanceIds.Distinct(StringComparer.Ordinal).Chunk(500))
        {
            var instances = await db.Instances.AsNoTracking()
                .Where(i => i.AccountId == request.AccountId && i.ManagedBy == null && chunk.Contains(i.Id))
                .Select(i => new { i.Id, Tags = i.Tags.Select(t => new { t.Key, t.Value }).ToList() })
                .ToListAsync(cancellationToken);
            found.AddRange(instances.Select(i => new InstanceTagSet(i.Id, i.Tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal))));
        }

        return found;
    }
}
