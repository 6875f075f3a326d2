using Mediator;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Api.Dashboard;

/// <summary>
/// Who may see the jobs dashboard: principals of the management account whose policies allow <see cref="ViewJobsAction"/>.
/// Asked at sign-in and again on every request, so a deleted key, a detached policy or an explicit Deny ends access at the
/// next request. Tenants never reach it, so no tenant sees another's job arguments.
/// </summary>
internal static class DashboardAccess
{
    public const string ViewJobsAction = "platform:ViewJobs";

    public static async Task<bool> IsAllowedAsync(HttpContext http)
    {
        var caller = http.RequestServices.GetRequiredService<ICallerContext>();
        if (!caller.IsAuthenticated)
        {
            return false;
        }

        var mediator = http.RequestServices.GetRequiredService<ISender>();
        if (!await mediator.Send(new IsManagementAccount(caller.Identity.AccountId), http.RequestAborted))
        {
            return false;
        }

        try
        {
            var authorizer = http.RequestServices.GetRequiredService<IAccessAuthorizer>();
            await authorizer.EnsureAllowedAsync(caller, new PermissionRequirement(ViewJobsAction, "*"), http.RequestAborted);
            return true;
        }
        catch (ApiException)
        {
            return false;
        }
    }
}
