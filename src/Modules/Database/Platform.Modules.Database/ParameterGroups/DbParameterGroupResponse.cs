using System.Text.Json;
using Platform.Modules.Database.Persistence;

namespace Platform.Modules.Database.ParameterGroups;

/// <summary>RDS's DBParameterGroup shape.</summary>
internal sealed record DbParameterGroupResponse(string DbParameterGroupName, string DbParameterGroupFamily, string Description, string DbParameterGroupArn)
{
    public static DbParameterGroupResponse From(DbParameterGroup group, string region) =>
        new(group.Name, group.Family, group.Description, RdsArns.ParameterGroup(region, group.AccountId, group.Name));
}

internal sealed record DbParameterGroupsResponse(IReadOnlyList<DbParameterGroupResponse> DbParameterGroups);

/// <summary>RDS's Parameter shape.</summary>
internal sealed record ParameterResponse(
    string ParameterName,
    string? ParameterValue,
    string Description,
    string Source,
    string ApplyType,
    string DataType,
    string AllowedValues,
    bool IsModifiable,
    string ApplyMethod);

internal sealed record ParametersResponse(IReadOnlyList<ParameterResponse> Parameters);

/// <summary>The built-in default group of the family and the stored changes of a tenant's group.</summary>
internal static class ParameterGroupValues
{
    public const string DefaultGroupName = "default." + ParameterCatalog.Family;

    public static bool IsDefault(string name) => name.StartsWith("default.", StringComparison.Ordinal);

    public static Dictionary<string, string> Read(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];

    public static string Write(IReadOnlyDictionary<string, string> values) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(values.ToDictionary(), StringComparer.Ordinal));
}
