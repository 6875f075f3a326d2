using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Network.Tagging;

/// <summary>
/// The tags of the account's Network resources, in one table keyed by resource id. A resource's tags go with it: its
/// delete removes them, and a tag whose resource is gone is never answered.
/// </summary>
internal static class NetworkTagStore
{
    /// <summary>The resource types this module tags, by EC2's name.</summary>
    public static readonly IReadOnlySet<string> ResourceTypes =
        new HashSet<string>(["vpc", "subnet", "security-group", "internet-gateway", "route-table", "elastic-ip"], StringComparer.Ordinal);

    public static bool Owns(string resourceId) => ResourceTags.ResourceTypeOf(resourceId) is { } type && ResourceTypes.Contains(type);

    /// <summary>Tags given when a resource is made (a TagSpecification), saved with it.</summary>
    public static void Add(NetworkDbContext db, string accountId, string resourceId, IReadOnlyList<ResourceTag>? tags)
    {
        foreach (var tag in tags ?? [])
        {
            db.ResourceTags.Add(new ResourceTagRow
            {
                ResourceId = resourceId, AccountId = accountId, ResourceType = ResourceTags.ResourceTypeOf(resourceId)!, Key = tag.Key, Value = tag.Value ?? "",
            });
        }
    }

    /// <summary>Removes a deleted resource's tags (saved with the delete).</summary>
    public static async Task RemoveAllAsync(NetworkDbContext db, IReadOnlyCollection<string> resourceIds, CancellationToken cancellationToken) =>
        db.ResourceTags.RemoveRange(await db.ResourceTags.Where(t => resourceIds.Contains(t.ResourceId)).ToListAsync(cancellationToken));

    /// <summary>The tags of the given resources, by id (a resource without tags has none in the map).</summary>
    public static async Task<Dictionary<string, List<ResourceTag>>> OfAsync(NetworkDbContext db, string accountId, IReadOnlyCollection<string> resourceIds,
        CancellationToken cancellationToken)
    {
        var ids = resourceIds.Distinct(StringComparer.Ordinal).ToList();
        var rows = await db.ResourceTags.AsNoTracking().Where(t => t.AccountId == accountId && ids.Contains(t.ResourceId)).ToListAsync(cancellationToken);
        return rows.GroupBy(t => t.ResourceId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new ResourceTag(t.Key, t.Value)).ToList(), StringComparer.Ordinal);
    }

    public static IReadOnlyList<ResourceTag> For(this Dictionary<string, List<ResourceTag>> tags, string resourceId) =>
        tags.TryGetValue(resourceId, out var found) ? found : [];

    /// <summary>Refuses an id that is not one of the account's resources with its kind's NotFound (another account's id included).</summary>
    public static async Task EnsureExistsAsync(NetworkDbContext db, string accountId, string resourceId, CancellationToken cancellationToken)
    {
        var missing = await ExistingAsync(db, accountId, [resourceId], cancellationToken) is { Count: 0 };
        if (missing)
        {
            throw NotFound(resourceId);
        }
    }

    /// <summary>Which of the ids are the account's existing resources.</summary>
    public static async Task<HashSet<string>> ExistingAsync(NetworkDbContext db, string accountId, IReadOnlyCollection<string> resourceIds,
        CancellationToken cancellationToken)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in resourceIds.Distinct(StringComparer.Ordinal).GroupBy(id => ResourceTags.ResourceTypeOf(id)))
        {
            var ids = group.ToList();
            var found = group.Key switch
            {
                "vpc" => await db.Vpcs.Where(v => v.AccountId == accountId && ids.Contains(v.Id)).Select(v => v.Id).ToListAsync(cancellationToken),
                "subnet" => await db.Subnets.Where(s => s.AccountId == accountId && ids.Contains(s.Id)).Select(s => s.Id).ToListAsync(cancellationToken),
                "security-group" => await db.SecurityGroups.Where(g => g.AccountId == accountId && ids.Contains(g.Id)).Select(g => g.Id).ToListAsync(cancellationToken),
                "internet-gateway" => await db.InternetGateways.Where(g => g.AccountId == accountId && ids.Contains(g.Id)).Select(g => g.Id).ToListAsync(cancellationToken),
                "route-table" => await db.RouteTables.Where(t => t.AccountId == accountId && ids.Contains(t.Id)).Select(t => t.Id).ToListAsync(cancellationToken),
                "elastic-ip" => await db.ElasticAddresses.Where(a => a.AccountId == accountId && ids.Contains(a.AllocationId)).Select(a => a.AllocationId)
                    .ToListAsync(cancellationToken),
                _ => [],
            };
            existing.UnionWith(found);
        }

        return existing;
    }

    /// <summary>EC2's NotFound of the id's kind, as its own describe call would answer it.</summary>
    public static ApiException NotFound(string resourceId) => ResourceTags.ResourceTypeOf(resourceId) switch
    {
        "vpc" => NetworkErrors.VpcNotFound(resourceId),
        "subnet" => NetworkErrors.SubnetNotFound(resourceId),
        "security-group" => NetworkErrors.GroupNotFound(resourceId),
        "internet-gateway" => NetworkErrors.InternetGatewayNotFound(resourceId),
        "route-table" => NetworkErrors.RouteTableNotFound(resourceId),
        "elastic-ip" => NetworkErrors.AllocationNotFound(resourceId),
        _ => new ApiException(400, "InvalidID", $"The ID '{resourceId}' is not valid"),
    };
}
