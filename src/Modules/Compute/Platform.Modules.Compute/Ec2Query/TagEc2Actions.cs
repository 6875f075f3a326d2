using Mediator;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.Tagging;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Ec2Query;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Tagging;
using Platform.Modules.Storage.Contracts;
using static Platform.Modules.Shared.Ec2Query.Ec2QueryXml;

namespace Platform.Modules.Compute.Ec2Query;

/// <summary>
/// EC2's tag calls across modules: CreateTags, DeleteTags and DescribeTags on instances, VPCs, subnets, security groups,
/// internet gateways, route tables, elastic IPs, volumes and snapshots. Each id goes to the module that owns it, by its
/// prefix, through that module's contract. As on EC2 a call is all or nothing: every id is looked up first (an unknown
/// or another account's one refuses the call with its kind's NotFound) and the limit of 50 checked for each, then every
/// resource's permission (one refused refuses the call), then each resource's change runs.
/// </summary>
internal static class TagEc2Actions
{
    public static AwsQueryService Table() => new AwsQueryService("ec2", "2016-11-15", Namespace, AwsQueryDialect.Ec2)
        .Each("CreateTags", c =>
        {
            var ids = ResourceIds(c);
            var tags = c.Parameters.FlatList("Tag").Select(t => new ResourceTag(t.Optional("Key") ?? "", t.Optional("Value") ?? "")).ToList();
            if (tags.Count == 0)
            {
                throw ApiErrors.MissingParameter("The request must contain the parameter Tag.");
            }

            ResourceTags.Validate(tags);
            c.Items["tags"] = tags;
            return ids.Select(id => ResourceTags.ResourceTypeOf(id) switch
            {
                "instance" => (IRequest<Unit>)new TagInstance(id, tags),
                "volume" or "snapshot" => new CreateStorageTags(id, tags),
                _ => new CreateNetworkTags(id, tags),
            }).ToList();
        }, (_, _) => Value("return", true), c => new CheckResourceTags(ResourceIds(c), (IReadOnlyList<ResourceTag>)c.Items["tags"]))
        .Each("DeleteTags", c =>
        {
            var ids = ResourceIds(c);
            // A tag without a value removes the key whatever its value; with one (even empty), only that value. No tags: all of them.
            var removals = ResourceTags.Validate(c.Parameters.FlatList("Tag").Select(t => new ResourceTagRemoval(t.Optional("Key") ?? "", t.Optional("Value"))).ToList());
            return ids.Select(id => ResourceTags.ResourceTypeOf(id) switch
            {
                "instance" => (IRequest<Unit>)new UntagInstance(id, removals),
                "volume" or "snapshot" => new DeleteStorageTags(id, removals),
                _ => new DeleteNetworkTags(id, removals),
            }).ToList();
        }, (_, _) => Value("return", true), c => new CheckResourceTags(ResourceIds(c), []))
        .Action("DescribeTags", c =>
        {
            c.ReadFilters("key", "value", "resource-id", "resource-type");
            c.ReadPaging(5, 1000);
            return new DescribeResourceTags([]);
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found, (t, name) => name switch
            {
                "key" => [t.Key],
                "value" => [t.Value],
                "resource-id" => [t.ResourceId],
                "resource-type" => [t.ResourceType],
                _ => null,
            }).OrderBy(t => t.ResourceId, StringComparer.Ordinal).ThenBy(t => t.Key, StringComparer.Ordinal);
            var (page, next) = c.Paging().Apply(filtered, t => $"{t.ResourceId}\n{t.Key}");
            return new object?[]
            {
                Items("tagSet", page, t => new object?[]
                {
                    Value("resourceId", t.ResourceId), Value("resourceType", t.ResourceType), Value("key", t.Key), Value("value", t.Value),
                }),
                Value("nextToken", next),
            };
        });

    /// <summary>The call's resource ids, each once; an id of no kind the platform tags is refused as EC2 refuses it.</summary>
    private static IReadOnlyList<string> ResourceIds(AwsQueryCall c)
    {
        var ids = c.Ids("ResourceId");
        if (ids.Count == 0)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter ResourceId.");
        }

        if (ids.FirstOrDefault(id => ResourceTags.ResourceTypeOf(id) is null) is { } unknown)
        {
            throw new ApiException(400, "InvalidID", $"The ID '{unknown}' is not valid");
        }

        return [.. ids.Distinct(StringComparer.Ordinal)];
    }
}
