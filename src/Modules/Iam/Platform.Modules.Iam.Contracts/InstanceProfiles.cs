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
