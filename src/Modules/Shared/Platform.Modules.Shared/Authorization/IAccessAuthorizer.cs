using Platform.Modules.Shared.Accounts;

namespace Platform.Modules.Shared.Authorization;

/// <summary>Decides whether a caller may perform an action; implemented by the IAM module.</summary>
public interface IAccessAuthorizer
{
    /// <summary>Throws an AccessDenied <see cref="Errors.ApiException"/> unless the caller's policies allow the action.</summary>
    ValueTask EnsureAllowedAsync(ICallerContext caller, PermissionRequirement requirement, CancellationToken cancellationToken);
}
