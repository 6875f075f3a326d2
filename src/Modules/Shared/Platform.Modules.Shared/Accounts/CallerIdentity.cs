namespace Platform.Modules.Shared.Accounts;

/// <summary>Who signed the request: an account's root, one of its IAM users, or a session of one of its roles.</summary>
public sealed record CallerIdentity(
    string AccountId,
    string PrincipalArn,
    string PrincipalId,
    string? UserName,
    string AccessKeyId)
{
    /// <summary>The role a session of temporary credentials acts as (sts:AssumeRole); null for the root and users.</summary>
    public AssumedRole? Role { get; init; }

    /// <summary>True for temporary credentials (AssumeRole, GetSessionToken), which cannot ask for more of themselves.</summary>
    public bool IsSession { get; init; }

    public bool IsRoot => UserName is null && Role is null;
}

/// <param name="RoleArn">The role's own ARN (arn:aws:iam::ACCOUNT:role/NAME); the caller's PrincipalArn is the session's.</param>
public sealed record AssumedRole(string RoleId, string RoleArn, string RoleName, string SessionName);
