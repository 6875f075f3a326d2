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

    public required string UserName { get; init; }

    /// <summary>IAM user names are unique in an account regardless of case.</summary>
    public required string NormalizedName { get; init; }

    public required string Path { get; init; }

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

    public required string Document { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }
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
