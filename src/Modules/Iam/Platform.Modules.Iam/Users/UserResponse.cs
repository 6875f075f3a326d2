using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Roles;

namespace Platform.Modules.Iam.Users;

/// <param name="UserName">Null for an account's root (GetUser without a name, signed by the root).</param>
internal sealed record UserResponse(string? UserName, string UserId, string Arn, string? Path, DateTime CreateDate, IReadOnlyList<RoleTag>? Tags = null)
{
    public static UserResponse From(User user) =>
        new(user.UserName, user.Id, IamArns.User(user.AccountId, user.Path, user.UserName), user.Path, user.CreatedAt, RoleTags.Read(user.Tags));
}

internal sealed record UserListResponse(IReadOnlyList<UserResponse> Users, bool IsTruncated, string? Marker);
