namespace Platform.Modules.Iam.Persistence;

/// <summary>A tenant. The first one made at installation is the management account that creates the others.</summary>
internal sealed class Account
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public bool IsManagement { get; init; }

    public DateTime CreatedAt { get; init; }
}

internal sealed class User
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    /// <summary>UpdateUser renames; keys, policies and memberships hold the user by its id.</summary>
    public required string UserName { get; set; }

    /// <summary>IAM user names are unique in an account regardless of case.</summary>
    public required string NormalizedName { get; set; }

    public required string Path { get; init; }

    /// <summary>Tags as a JSON array of {Key, Value}, in the order given (as a role's).</summary>
    public string Tags { get; set; } = "[]";

    public DateTime CreatedAt { get; init; }
}

internal sealed class AccessKey
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    /// <summary>Null for the account root's keys.</summary>
    public string? UserId { get; init; }

    /// <summary>The secret, encrypted under the platform master key.</summary>
    public required string ProtectedSecret { get; init; }

    public required string Status { get; set; }

    public DateTime CreatedAt { get; init; }
}

internal sealed class ManagedPolicy
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string PolicyName { get; init; }

    public required string NormalizedName { get; init; }

    public required string Path { get; init; }

    public string? Description { get; init; }

    /// <summary>The default version's document, kept here so authorization reads one row per policy.</summary>
    public required string Document { get; set; }

    /// <summary>The version in force (<c>v1</c> until another is made the default).</summary>
    public string DefaultVersionId { get; set; } = "v1";

    /// <summary>The number of the newest version made; ids are not reused after a version is deleted, as IAM's.</summary>
    public int LastVersionNumber { get; set; } = 1;

    /// <summary>Moves with every version change; a concurrency token, so two changes racing on one policy cannot both land.</summary>
    public int Revision { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>One of a managed policy's (at most five) documents; the policy's default is the one in force.</summary>
internal sealed class ManagedPolicyVersion
{
    public required string PolicyId { get; init; }

    public required string AccountId { get; init; }

    /// <summary><c>v1</c>, <c>v2</c>, …</summary>
    public required string VersionId { get; init; }

    public required string Document { get; init; }

    public DateTime CreatedAt { get; init; }
}

internal sealed class UserPolicyAttachment
{
    public required string AccountId { get; init; }

    public required string UserId { get; init; }

    public required string PolicyArn { get; init; }

    public DateTime AttachedAt { get; init; }
}

internal sealed class InlinePolicy
{
    public required string AccountId { get; init; }

    public required string UserId { get; init; }

    public required string PolicyName { get; init; }

    public required string NormalizedName { get; init; }

    public required string Document { get; set; }
}

internal static class AccessKeyStatus
{
    public const string Active = "Active";
    public const string Inactive = "Inactive";
}

/// <summary>An identity with no credentials of its own: whoever its trust policy names may assume it for a while (STS).</summary>
internal sealed class Role
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string RoleName { get; init; }

    /// <summary>Role names are unique in an account regardless of case, as user names are.</summary>
    public required string NormalizedName { get; init; }

    public required string Path { get; init; }

    public string? Description { get; set; }

    /// <summary>The trust policy: who may assume the role, under which conditions.</summary>
    public required string AssumeRolePolicy { get; set; }

    /// <summary>The longest session AssumeRole grants, in seconds (3600 .. 43200).</summary>
    public int MaxSessionDuration { get; set; }

    /// <summary>Tags as a JSON array of {Key, Value}, in the order given.</summary>
    public required string Tags { get; set; }

    public DateTime CreatedAt { get; init; }
}

internal sealed class RolePolicyAttachment
{
    public required string AccountId { get; init; }

    public required string RoleId { get; init; }

    public required string PolicyArn { get; init; }

    public DateTime AttachedAt { get; init; }
}

internal sealed class RoleInlinePolicy
{
    public required string AccountId { get; init; }

    public required string RoleId { get; init; }

    public required string PolicyName { get; init; }

    public required string NormalizedName { get; init; }

    public required string Document { get; set; }
}

/// <summary>
/// Temporary credentials STS issued (AssumeRole, GetSessionToken): an ASIA key whose secret is kept as long-term keys' are
/// (encrypted under the platform master key) and whose session token is kept only as its SHA-256, so a copy of the
/// database gives no usable token. Rows outlive an API restart; expired ones are refused and removed later.
/// </summary>
internal sealed class SessionCredential
{
    public required string AccessKeyId { get; init; }

    public required string AccountId { get; init; }

    /// <summary>The assumed role; null for GetSessionToken's sessions, which act as their user (or the root).</summary>
    public string? RoleId { get; init; }

    /// <summary>The user a GetSessionToken session acts as; null for the root's and for role sessions.</summary>
    public string? UserId { get; init; }

    public required string SessionName { get; init; }

    public required string ProtectedSecret { get; init; }

    /// <summary>Lower-case hex SHA-256 of the session token.</summary>
    public required string TokenHash { get; init; }

    /// <summary>The session policy given to AssumeRole: the session may do only what both it and the role allow.</summary>
    public string? SessionPolicy { get; init; }

    public DateTime ExpiresAt { get; init; }

    public DateTime CreatedAt { get; init; }
}

/// <summary>A container for one role that an instance carries; the instance's metadata service hands out the role's credentials.</summary>
internal sealed class InstanceProfile
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    public required string NormalizedName { get; init; }

    public required string Path { get; init; }

    public string? RoleId { get; set; }

    public DateTime CreatedAt { get; init; }
}

/// <summary>A set of users that share the group's policies: a member may do what its own or any of its groups' policies allow.</summary>
internal sealed class Group
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string GroupName { get; init; }

    /// <summary>Group names are unique in an account regardless of case, as user names are.</summary>
    public required string NormalizedName { get; init; }

    public required string Path { get; init; }

    public DateTime CreatedAt { get; init; }
}

internal sealed class GroupMembership
{
    public required string AccountId { get; init; }

    public required string GroupId { get; init; }

    public required string UserId { get; init; }

    public DateTime AddedAt { get; init; }
}

internal sealed class GroupPolicyAttachment
{
    public required string AccountId { get; init; }

    public required string GroupId { get; init; }

    public required string PolicyArn { get; init; }

    public DateTime AttachedAt { get; init; }
}

internal sealed class GroupInlinePolicy
{
    public required string AccountId { get; init; }

    public required string GroupId { get; init; }

    public required string PolicyName { get; init; }

    public required string NormalizedName { get; init; }

    public required string Document { get; set; }
}
