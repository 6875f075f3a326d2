using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Users;

namespace Platform.Modules.Iam.Groups;

internal sealed record GroupResponse(string Path, string GroupName, string GroupId, string Arn, DateTime CreateDate)
{
    public static GroupResponse From(Group group) =>
        new(group.Path, group.GroupName, group.Id, IamArns.Group(group.AccountId, group.Path, group.GroupName), group.CreatedAt);
}

internal sealed record GroupListResponse(IReadOnlyList<GroupResponse> Groups, bool IsTruncated, string? Marker);

/// <summary>GetGroup's answer: the group and a page of its members.</summary>
internal sealed record GroupWithUsersResponse(GroupResponse Group, IReadOnlyList<UserResponse> Users, bool IsTruncated, string? Marker);

internal sealed record GroupInlinePolicyResponse(string GroupName, string PolicyName, string PolicyDocument);
