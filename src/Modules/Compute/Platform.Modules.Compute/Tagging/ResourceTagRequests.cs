using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Tagging;
using Platform.Modules.Storage.Contracts;

namespace Platform.Modules.Compute.Tagging;

/// <summary>
/// EC2's DescribeTags across modules: the tags of the caller's instances (here), Network's resources and Storage's volumes
/// and snapshots (through their contracts), of the given ids (each must exist) or of every resource when none are given.
/// </summary>
internal sealed record DescribeResourceTags(IReadOnlyList<string> ResourceIds) : IRequest<IReadOnlyList<ResourceTagItem>>, IRequiresRegionalPermission
{
    // EC2's Describe* actions take no resource-level permissions.
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("ec2:DescribeTags", "*");
}

internal sealed record ResourceTagListResponse(IReadOnlyList<ResourceTagItem> Tags);

/// <summary>
/// The check before a CreateTags or DeleteTags changes anything: every id must be one of the caller's resources (the first
/// that is not is refused with its kind's NotFound) and each must have room for the keys added. Its permission is the
/// one of each resource's own change, checked as each runs.
/// </summary>
internal sealed record CheckResourceTags(IReadOnlyList<string> ResourceIds, IReadOnlyList<ResourceTag> Adding) : IRequest;

internal sealed class DescribeResourceTagsHandler(ResourceTagReader reader, ICallerContext caller) : IRequestHandler<DescribeResourceTags, IReadOnlyList<ResourceTagItem>>
{
    public async ValueTask<IReadOnlyList<ResourceTagItem>> Handle(DescribeResourceTags request, CancellationToken cancellationToken) =>
        await reader.ReadAsync(caller.Identity.AccountId, request.ResourceIds, cancellationToken);
}

internal sealed class CheckResourceTagsHandler(ResourceTagReader reader, ICallerContext caller) : IRequestHandler<CheckResourceTags>
{
    public async ValueTask<Unit> Handle(CheckResourceTags request, CancellationToken cancellationToken)
    {
        var tags = await reader.ReadAsync(caller.Identity.AccountId, request.ResourceIds, cancellationToken);
        foreach (var id in request.ResourceIds.Distinct(StringComparer.Ordinal))
        {
            ResourceTags.EnsureWithinLimit(tags.Where(t => t.ResourceId == id).Select(t => t.Key), request.Adding);
        }

        return Unit.Value;
    }
}

/// <summary>Reads tags from the module that owns each id, by the id's prefix.</summary>
internal sealed class ResourceTagReader(ComputeDbContext db, ISender sender)
{
    public async Task<IReadOnlyList<ResourceTagItem>> ReadAsync(string accountId, IReadOnlyList<string> resourceIds, CancellationToken cancellationToken)
    {
        var ids = resourceIds.Distinct(StringComparer.Ordinal).ToList();
        if (ids.FirstOrDefault(id => ResourceTags.ResourceTypeOf(id) is null) is { } unknown)
        {
            throw new ApiException(400, "InvalidID", $"The ID '{unknown}' is not valid");
        }

        var instances = ids.Where(id => ResourceTags.ResourceTypeOf(id) == "instance").ToList();
        var storage = ids.Where(id => ResourceTags.ResourceTypeOf(id) is "volume" or "snapshot").ToList();
        var network = ids.Except(instances).Except(storage).ToList();
        var all = ids.Count == 0;
        var found = new List<ResourceTagItem>();
        if (all || instances.Count > 0)
        {
            found.AddRange(await InstanceTagsAsync(accountId, instances, cancellationToken));
        }

        if (all || network.Count > 0)
        {
            found.AddRange(await sender.Send(new DescribeNetworkTags(accountId, network), cancellationToken));
        }

        if (all || storage.Count > 0)
        {
            found.AddRange(await sender.Send(new DescribeStorageTags(accountId, storage), cancellationToken));
        }

        return found;
    }

    private async Task<IReadOnlyList<ResourceTagItem>> InstanceTagsAsync(string accountId, List<string> ids, CancellationToken cancellationToken)
    {
        foreach (var id in ids)
        {
            InstanceLookup.EnsureWellFormed(id);
        }

        var query = db.Instances.AsNoTracking().Where(i => i.AccountId == accountId && i.ManagedBy == null);
        if (ids.Count > 0)
        {
            query = query.Where(i => ids.Contains(i.Id));
        }

        var instances = await query.Include(i => i.Tags).ToListAsync(cancellationToken);
        if (ids.FirstOrDefault(id => instances.All(i => i.Id != id)) is { } missing)
        {
            throw InstanceLookup.NotFound(missing);
        }

        return [.. instances.OrderBy(i => i.Id, StringComparer.Ordinal)
            .SelectMany(i => i.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new ResourceTagItem(i.Id, "instance", t.Key, t.Value)))];
    }
}
