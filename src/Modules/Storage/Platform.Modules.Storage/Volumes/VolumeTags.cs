using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Tagging;
using Platform.Modules.Storage.Contracts;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Volumes;

/// <summary>
/// The tags of the account's volumes and snapshots, in one table keyed by resource id. A deleted volume keeps its row
/// (state <c>deleted</c>) and a deleted snapshot loses its tags with it; a tag whose resource is gone is never answered.
/// </summary>
internal static class VolumeTagStore
{
    public static bool Owns(string resourceId) => ResourceTags.ResourceTypeOf(resourceId) is "volume" or "snapshot";

    /// <summary>Tags given when a volume or snapshot is made (a TagSpecification), saved with it.</summary>
    public static void Add(StorageDbContext db, string accountId, string resourceId, IReadOnlyList<ResourceTag>? tags)
    {
        foreach (var tag in tags ?? [])
        {
            db.VolumeTags.Add(new VolumeTagRow
            {
                ResourceId = resourceId, AccountId = accountId, ResourceType = ResourceTags.ResourceTypeOf(resourceId)!, Key = tag.Key, Value = tag.Value ?? "",
            });
        }
    }

    public static async Task<Dictionary<string, List<ResourceTag>>> OfAsync(StorageDbContext db, string accountId, IReadOnlyCollection<string> resourceIds,
        CancellationToken cancellationToken)
    {
        var ids = resourceIds.Distinct(StringComparer.Ordinal).ToList();
        var rows = await db.VolumeTags.AsNoTracking().Where(t => t.AccountId == accountId && ids.Contains(t.ResourceId)).ToListAsync(cancellationToken);
        return rows.GroupBy(t => t.ResourceId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new ResourceTag(t.Key, t.Value)).ToList(), StringComparer.Ordinal);
    }

    public static IReadOnlyList<ResourceTag> For(this Dictionary<string, List<ResourceTag>> tags, string resourceId) =>
        tags.TryGetValue(resourceId, out var found) ? found : [];

    /// <summary>Which of the ids are the account's existing volumes (not deleted, not a managed instance's) and snapshots.</summary>
    public static async Task<HashSet<string>> ExistingAsync(StorageDbContext db, string accountId, IReadOnlyCollection<string> resourceIds,
        CancellationToken cancellationToken)
    {
        var volumes = resourceIds.Where(id => ResourceTags.ResourceTypeOf(id) == "volume").Distinct(StringComparer.Ordinal).ToList();
        var snapshots = resourceIds.Where(id => ResourceTags.ResourceTypeOf(id) == "snapshot").Distinct(StringComparer.Ordinal).ToList();
        var existing = new HashSet<string>(StringComparer.Ordinal);
        if (volumes.Count > 0)
        {
            existing.UnionWith(await db.Volumes.Where(v => v.AccountId == accountId && volumes.Contains(v.Id) && v.State != VolumeStates.Deleted && v.ManagedBy == null)
                .Select(v => v.Id).ToListAsync(cancellationToken));
        }

        if (snapshots.Count > 0)
        {
            existing.UnionWith(await db.Snapshots.Where(s => s.AccountId == accountId && snapshots.Contains(s.Id)).Select(s => s.Id).ToListAsync(cancellationToken));
        }

        return existing;
    }

    public static async Task EnsureExistsAsync(StorageDbContext db, string accountId, string resourceId, CancellationToken cancellationToken)
    {
        if (!(await ExistingAsync(db, accountId, [resourceId], cancellationToken)).Contains(resourceId))
        {
            throw NotFound(resourceId);
        }
    }

    public static ApiException NotFound(string resourceId) => ResourceTags.ResourceTypeOf(resourceId) switch
    {
        "volume" => VolumeRules.NotFound(resourceId),
        "snapshot" => VolumeRules.SnapshotNotFound(resourceId),
        _ => new ApiException(400, "InvalidID", $"The ID '{resourceId}' is not valid"),
    };
}

internal sealed class CreateStorageTagsHandler(StorageDbContext db, ICallerContext caller) : IRequestHandler<CreateStorageTags>
{
    public async ValueTask<Unit> Handle(CreateStorageTags request, CancellationToken cancellationToken)
    {
        var tags = ResourceTags.Validate(request.Tags);
        var accountId = caller.Identity.AccountId;
        await VolumeTagStore.EnsureExistsAsync(db, accountId, request.ResourceId, cancellationToken);
        var existing = await db.VolumeTags.Where(t => t.ResourceId == request.ResourceId && t.AccountId == accountId).ToListAsync(cancellationToken);
        ResourceTags.EnsureWithinLimit(existing.Select(t => t.Key), tags);
        foreach (var tag in tags)
        {
            if (existing.FirstOrDefault(t => t.Key == tag.Key) is { } row)
            {
                row.Value = tag.Value ?? "";
            }
            else
            {
                VolumeTagStore.Add(db, accountId, request.ResourceId, [tag]);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

internal sealed class DeleteStorageTagsHandler(StorageDbContext db, ICallerContext caller) : IRequestHandler<DeleteStorageTags>
{
    public async ValueTask<Unit> Handle(DeleteStorageTags request, CancellationToken cancellationToken)
    {
        var removals = ResourceTags.Validate(request.Tags);
        var accountId = caller.Identity.AccountId;
        await VolumeTagStore.EnsureExistsAsync(db, accountId, request.ResourceId, cancellationToken);
        var existing = await db.VolumeTags.Where(t => t.ResourceId == request.ResourceId && t.AccountId == accountId).ToListAsync(cancellationToken);
        db.VolumeTags.RemoveRange(removals.Count == 0 ? existing : existing.Where(t => removals.Removes(t.Key, t.Value)));
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

internal sealed class DescribeStorageTagsHandler(StorageDbContext db) : IRequestHandler<DescribeStorageTags, IReadOnlyList<ResourceTagItem>>
{
    public async ValueTask<IReadOnlyList<ResourceTagItem>> Handle(DescribeStorageTags request, CancellationToken cancellationToken)
    {
        var asked = request.ResourceIds.Distinct(StringComparer.Ordinal).ToList();
        if (asked.FirstOrDefault(id => !VolumeTagStore.Owns(id)) is { } foreign)
        {
            throw VolumeTagStore.NotFound(foreign);
        }

        var query = db.VolumeTags.AsNoTracking().Where(t => t.AccountId == request.AccountId);
        if (asked.Count > 0)
        {
            query = query.Where(t => asked.Contains(t.ResourceId));
        }

        var rows = await query.ToListAsync(cancellationToken);
        var existing = await VolumeTagStore.ExistingAsync(db, request.AccountId, [.. asked, .. rows.Select(r => r.ResourceId)], cancellationToken);
        if (asked.FirstOrDefault(id => !existing.Contains(id)) is { } missing)
        {
            throw VolumeTagStore.NotFound(missing);
        }

        return [.. rows.Where(r => existing.Contains(r.ResourceId))
            .OrderBy(r => r.ResourceId, StringComparer.Ordinal).ThenBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => new ResourceTagItem(r.ResourceId, r.ResourceType, r.Key, r.Value))];
    }
}
