using Platform.Modules.Shared.Accounts;

namespace Platform.Modules.Shared.Authorization;

/// <summary>
/// A request a caller may only make when its policies allow the action on the resource.
/// The authorization behaviour checks it before the handler runs.
/// </summary>
public interface IRequiresPermission
{
    PermissionRequirement RequiredPermission(CallerIdentity caller);
}

/// <summary>An action in the AWS style (<c>iam:CreateUser</c>) on a resource ARN.</summary>
public sealed record PermissionRequirement(string Action, string Resource);
