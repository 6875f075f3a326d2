using Mediator;

namespace Platform.Modules.Iam.Contracts;

/// <summary>
/// An instance profile of <paramref name="AccountId"/> named by ARN or by name, as EC2's IamInstanceProfileSpecification names
/// one (RunInstances, AssociateIamInstanceProfile). Exactly one of the two; another account's profile is as unknown as a
/// missing one (EC2's InvalidParameterValue). No caller permission is asked here: the sending module asks its own, and
/// iam:PassRole on the role answered.
/// </summary>
public sealed record ResolveInstanceProfile(string AccountId, string? Arn, string? Name) : IRequest<ResolvedInstanceProfile>;

/// <param name="RoleArn">The profile's role, null while it has none.</param>
public sealed record ResolvedInstanceProfile(string Arn, string Id, string Name, string? RoleArn, string? RoleName);

/// <summary>
/// The credentials an instance's metadata service hands out for its instance profile: a session of the profile's role, as if
/// EC2 (the service principal <c>ec2.amazonaws.com</c>) had called AssumeRole with the instance id as the session name. The
/// role's trust policy must allow that service principal; if it does not, or the profile or its role is gone, the answer's
/// <see cref="InstanceRoleCredentials.Code"/> says so and no session is made. No caller permission is asked: Compute sends it
/// for an instance it knows carries the profile. With <paramref name="InstanceProfileId"/>, only that profile: one deleted and made
/// again under the same name is another profile (InstanceProfileNotFound), as on EC2.
/// </summary>
public sealed record IssueInstanceRoleCredentials(string AccountId, string InstanceProfileArn, string InstanceId, string? InstanceProfileId = null)
    : IRequest<InstanceRoleCredentials>;

/// <param name="Code"><c>Success</c>, <c>AssumeRoleUnauthorizedAccess</c> (the trust policy does not allow EC2) or
/// <c>InstanceProfileNotFound</c> (no such profile, or it holds no role).</param>
public sealed record InstanceRoleCredentials(string Code, string? Message, string? RoleName, string? AccessKeyId, string? SecretAccessKey, string? Token,
    DateTime? Expiration, DateTime LastUpdated)
{
    public const string Success = "Success";
    public const string AssumeRoleUnauthorizedAccess = "AssumeRoleUnauthorizedAccess";
    public const string InstanceProfileNotFound = "InstanceProfileNotFound";
}
