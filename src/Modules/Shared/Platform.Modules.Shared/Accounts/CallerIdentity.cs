namespace Platform.Modules.Shared.Accounts;

/// <summary>Who signed the request: an account's root or one of its IAM users.</summary>
public sealed record CallerIdentity(
    string AccountId,
    string PrincipalArn,
    string PrincipalId,
    string? UserName,
    string AccessKeyId)
{
    public bool IsRoot => UserName is null;
}
