using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Shared.Ec2Query;

/// <summary>What EC2's describe calls read besides their ids: filters and a page, checked when the call is bound.</summary>
public static class Ec2QueryCalls
{
    private const string FiltersKey = "ec2.filters";
    private const string PagingKey = "ec2.paging";

    /// <summary>Reads <c>Filter.N</c> (refusing names outside <paramref name="supported"/>) and keeps it for the renderer.</summary>
    public static Ec2Filters ReadFilters(this AwsQueryCall call, params string[] supported)
    {
        var filters = Ec2Filters.Read(call.Parameters, supported);
        call.Items[FiltersKey] = filters;
        return filters;
    }

    public static Ec2Filters Filters(this AwsQueryCall call) => (Ec2Filters)call.Items[FiltersKey];

    /// <summary>Reads <c>MaxResults</c>/<c>NextToken</c>; EC2 refuses a page size together with ids (InvalidParameterCombination).</summary>
    public static Ec2Paging ReadPaging(this AwsQueryCall call, int min, int max, int idsGiven = 0)
    {
        var paging = Ec2Paging.Read(call.Parameters, min, max);
        if (paging.IsPaged && idsGiven > 0)
        {
            throw new ApiException(400, "InvalidParameterCombination", "The parameter ids cannot be used with the parameter maxResults or nextToken");
        }

        call.Items[PagingKey] = paging;
        return paging;
    }

    public static Ec2Paging Paging(this AwsQueryCall call) => (Ec2Paging)call.Items[PagingKey];

    /// <summary>A structure's string list, EC2 style (<c>Name.N</c>), with an upper bound so a request cannot ask for 1,000 lookups.</summary>
    public static IReadOnlyList<string> Ids(this AwsQueryCall call, string name, int max = 1000)
    {
        var ids = call.Parameters.FlatStringList(name);
        if (ids.Count > max)
        {
            throw ApiErrors.InvalidParameterValue($"The request names more than {max} values in {name}.");
        }

        return ids;
    }

    /// <summary>
    /// EC2's <c>TagSpecification.N</c> (<c>ResourceType</c> and its <c>Tag.M.Key</c>/<c>Tag.M.Value</c>) for a create call that makes
    /// a resource of <paramref name="resourceType"/>: another type is refused as EC2 refuses it; null when none is given.
    /// </summary>
    public static IReadOnlyList<ResourceTag>? TagSpecifications(this AwsQueryCall call, string resourceType)
    {
        var tags = new List<ResourceTag>();
        foreach (var specification in call.Parameters.FlatList("TagSpecification"))
        {
            var type = specification.Required("ResourceType");
            if (type != resourceType)
            {
                throw ApiErrors.InvalidParameterValue($"'{type}' is not a valid taggable resource type for this operation.");
            }

            tags.AddRange(specification.FlatList("Tag").Select(t => new ResourceTag(t.Optional("Key") ?? "", t.Optional("Value") ?? "")));
        }

        return tags.Count == 0 ? null : tags;
    }

    /// <summary>EC2's <c>tagSet</c> of a resource; an empty set is left out, as EC2 leaves it out.</summary>
    public static System.Xml.Linq.XElement? TagSetOrNone(IReadOnlyList<ResourceTag> tags) =>
        tags.Count == 0 ? null : Ec2QueryXml.TagSet(tags.Select(t => KeyValuePair.Create(t.Key, t.Value)));

    /// <summary>A resource's tags as the <c>tag:</c> filters read them.</summary>
    public static IEnumerable<KeyValuePair<string, string>> TagPairs(IReadOnlyList<ResourceTag> tags) => tags.Select(t => KeyValuePair.Create(t.Key, t.Value));
}
