using Mediator;

namespace Platform.Modules.Iam.Contracts;

/// <summary>The management account's id (the operator's, which owns what the platform keeps for itself, such as backups).</summary>
public sealed record DescribeManagementAccount : IRequest<string>;

/// <summary>
/// A credential the platform hands to something it runs (a database guest's backup tool): an IAM user of the management
/// account named <paramref name="UserName"/>, made when missing, whose only permissions are <paramref name="PolicyDocument"/>
/// (its one inline policy, replaced), and a new access key of it. A user holds two keys at most, so the oldest one goes
/// when a third is asked for: a caller that lost a race and asks again never finds the user full. No caller's permission is
/// asked: only modules send it, never a tenant's request.
/// </summary>
public sealed record IssueServiceAccessKey(string UserName, string PolicyDocument) : IRequest<ServiceAccessKey>;

public sealed record ServiceAccessKey(string AccessKeyId, string SecretAccessKey);

/// <summary>Deletes a key <see cref="IssueServiceAccessKey"/> issued (one that lost a race); nothing when it is gone.</summary>
public sealed record DeleteServiceAccessKey(string UserName, string AccessKeyId) : IRequest<Unit>;

/// <summary>Deletes a service user with its keys and policy (its resource is gone); nothing when there is none.</summary>
public sealed record DeleteServiceUser(string UserName) : IRequest<Unit>;
