using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Network.Tagging;

internal sealed class CreateNetworkTagsHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<CreateNetworkTags>
{
    public async ValueTask<Unit> Handle(CreateNetworkTags request, CancellationToken cancellationToken)
    {
        var tags = ResourceTags.Validate(request.Tags);
        var accountId = caller.Identity.AccountId;
        await NetworkTagStore.EnsureExistsAsync(db, accountId, request.ResourceId, cancellationToken);
        var existing = await db.ResourceTags.Where(t => t.ResourceId == request.ResourceId && t.AccountId == accountId).ToListAsync(cancellationToken);
        ResourceTags.EnsureWithinLimit(existing.Select(t => t.Key), tags);
        foreach (var tag in tags)
        {
            if (existing.FirstOrDefault(t => t.Key == tag.Key) is { } row)
            {
                row.Value = tag.Value ?? "";
            }
            else
            {
                NetworkTagStore.Add(db, accountId, request.ResourceId, [tag]);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

internal sealed class DeleteNetworkTagsHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DeleteNetworkTags>
{
    public async ValueTask<Unit> Handle(DeleteNetworkTags request, CancellationToken cancellationToken)
    {
        var removals = ResourceTags.Validate(request.Tags);
        var accountId = caller.Identity.AccountId;
        await NetworkTagStore.EnsureExistsAsync(db, accountId, request.ResourceId, cancellationToken);
        var existing = await db.ResourceTags.Where(t => t.ResourceId == request.ResourceId && t.AccountId == accountId).ToListAsync(cancellationToken);
        db.ResourceTags.RemoveRange(removals.Count == 0 ? existing : existing.Where(t => removals.Removes(t.Key, t.Value)));
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

internal sealed class DescribeNetworkTagsHandler(NetworkDbContext db) : IRequestHandler<DescribeNetworkTags, IReadOnlyList<ResourceTagItem>>
{
    public async ValueTask<IReadOnlyList<ResourceTagItem>> Handle(DescribeNetworkTags request, CancellationToken cancellationToken)
    {
        var asked = request.ResourceIds.Distinct(StringComparer.Ordinal).ToList();
        if (asked.FirstOrDefault(id => !NetworkTagStore.Owns(id)) is { } foreign)
        {
            throw NetworkTagStore.NotFound(foreign);
        }

        var query = db.ResourceTags.AsNoTracking().Where(t => t.AccountId == request.AccountId);
        if (asked.Count > 0)
        {
            query = query.Where(t => asked.Contains(t.ResourceId));
        }

        var rows = await query.ToListAsync(cancellationToken);
        // Asked ids must all exist; otherwise only the tags of resources that still exist are answered.
        var existing = await NetworkTagStore.ExistingAsync(db, request.AccountId, [.. asked, .. rows.Select(r => r.ResourceId)], cancellationToken);
        if (asked.FirstOrDefault(id => !existing.Contains(id)) is { } missing)
        {
            throw NetworkTagStore.NotFound(missing);
        }

        return [.. rows.Where(r => existing.Contains(r.ResourceId))
            .OrderBy(r => r.ResourceId, StringComparer.Ordinal).ThenBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => new ResourceTagItem(r.ResourceId, r.ResourceType, r.Key, r.Value))];
    }
}
