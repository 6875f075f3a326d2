using Mediator;

namespace Platform.Modules.Iam.Contracts;

/// <summary>
/// Decides an action on a resource that carries its own policy (an S3 bucket policy), with AWS's rules:
/// an explicit Deny in the caller's policies or the resource policy wins; within the resource's account
/// either policy may allow; across accounts both must; an anonymous caller needs the resource policy.
/// Throws AccessDenied when the action is not allowed. The caller is the current request's.
/// </summary>
/// <param name="ResourcePolicy">The resource policy's JSON, or null when the resource has none.</param>
/// <param name="ConditionKeys">The action's own condition keys (S3's <c>s3:prefix</c> for ListBucket), beside the global ones.</param>
/// <param name="GrantedByAcl">The resource's ACL grants the action to this caller (S3's bucket and object ACLs): an allow of the
/// resource's own, as the resource policy's would be; an explicit Deny still wins, and across accounts the caller's policies must allow.</param>
public sealed record AuthorizeResourceAccess(string Action, string Resource, string ResourceAccountId, string? ResourcePolicy,
    IReadOnlyDictionary<string, string>? ConditionKeys = null, bool GrantedByAcl = false)
    : IRequest<Unit>;

/// <summary>Checks a resource policy's grammar (a Principal in every statement); throws MalformedPolicy when it is wrong.</summary>
public sealed record ValidateResourcePolicy(string Document) : IRequest<Unit>;
