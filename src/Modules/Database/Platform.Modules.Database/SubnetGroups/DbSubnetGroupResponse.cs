using Platform.Modules.Database.Persistence;

namespace Platform.Modules.Database.SubnetGroups;

internal sealed record SubnetResponse(string SubnetIdentifier, AvailabilityZoneResponse SubnetAvailabilityZone, string SubnetStatus);

internal sealed record AvailabilityZoneResponse(string Name);

/// <summary>RDS's DBSubnetGroup shape.</summary>
internal sealed record DbSubnetGroupResponse(
    string DbSubnetGroupName,
    string DbSubnetGroupDescription,
    string VpcId,
    string SubnetGroupStatus,
    IReadOnlyList<SubnetResponse> Subnets,
    string DbSubnetGroupArn,
    IReadOnlyList<RdsTag> TagList)
{
    public static DbSubnetGroupResponse From(DbSubnetGroup group, string region) => new(
        group.Name,
        group.Description,
        group.VpcId,
        "Complete",
        [.. SubnetList.Parse(group.Subnets).Select(s => new SubnetResponse(s.SubnetId, new AvailabilityZoneResponse(s.Zone), "Active"))],
        RdsArns.SubnetGroup(region, group.AccountId, group.Name),
        RdsNames.ReadTags(group.Tags));
}

internal sealed record DbSubnetGroupsResponse(IReadOnlyList<DbSubnetGroupResponse> DbSubnetGroups);

/// <summary>The subnets of a group as one column: <c>subnet-a@zone-a,subnet-b@zone-b</c>.</summary>
internal static class SubnetList
{
    public static string Format(IEnumerable<(string SubnetId, string Zone)> subnets) =>
        string.Join(',', subnets.Select(s => $"{s.SubnetId}@{s.Zone}"));

    public static IReadOnlyList<(string SubnetId, string Zone)> Parse(string column) =>
        [.. column.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Split('@', 2)).Select(p => (p[0], p[1]))];
}
