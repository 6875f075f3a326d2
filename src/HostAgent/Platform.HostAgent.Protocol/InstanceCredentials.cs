namespace Platform.HostAgent.Protocol;

/// <summary>
/// What the metadata service tells an instance about its IAM instance profile (<c>iam/info</c>,
/// <c>iam/security-credentials/&lt;role&gt;</c>): a session of the profile's role, or why there is none. The agent keeps it in
/// memory only, renews it before it expires and asks again after a restart.
/// </summary>
/// <param name="AssociationId">The association the credentials were issued for: the agent drops them once the instance's is another.</param>
/// <param name="Code"><c>Success</c>, or EC2's error code (<c>AssumeRoleUnauthorizedAccess</c>, <c>InstanceProfileNotFound</c>) with
/// <paramref name="Message"/> and no keys.</param>
/// <param name="RoleName">The profile's role (null when it has none).</param>
public sealed record InstanceProfileCredentials(
    string InstanceId,
    string AssociationId,
    string InstanceProfileArn,
    string InstanceProfileId,
    string Code,
    string? Message,
    DateTimeOffset LastUpdated,
    string? RoleName = null,
    string? AccessKeyId = null,
    string? SecretAccessKey = null,
    string? Token = null,
    DateTimeOffset? Expiration = null)
{
    public const string Success = "Success";

    /// <summary>Keys to hand out (an error answer carries none).</summary>
    public bool HasKeys => Code == Success && AccessKeyId is not null && SecretAccessKey is not null && Token is not null && Expiration is not null;

    /// <summary>Only the parts that are not secret, for logs.</summary>
    public override string ToString() => $"{InstanceId} {InstanceProfileArn} {Code} {RoleName} {AccessKeyId} until {Expiration:O}";
}
