using System.Text.Json;
using Platform.Modules.Iam.Persistence;

namespace Platform.Modules.Iam.Roles;

internal sealed record RoleTag(string Key, string Value);

internal sealed record RoleResponse(
    string Path,
    string RoleName,
    string RoleId,
    string Arn,
    DateTime CreateDate,
    string AssumeRolePolicyDocument,
    string? Description,
    int MaxSessionDuration,
    IReadOnlyList<RoleTag> Tags)
{
    public static RoleResponse From(Role role) =>
        new(role.Path, role.RoleName, role.Id, IamArns.Role(role.AccountId, role.Path, role.RoleName), role.CreatedAt, role.AssumeRolePolicy,
            role.Description, role.MaxSessionDuration, RoleTags.Read(role.Tags));
}

internal sealed record RoleListResponse(IReadOnlyList<RoleResponse> Roles, bool IsTruncated, string? Marker);

internal static class RoleTags
{
    public static IReadOnlyList<RoleTag> Read(string json) => JsonSerializer.Deserialize<List<RoleTag>>(json) ?? [];

    public static string Write(IEnumerable<RoleTag> tags) => JsonSerializer.Serialize(tags.ToList());
}
