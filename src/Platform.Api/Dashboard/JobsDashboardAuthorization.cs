using Hangfire.Dashboard;
using Mediator;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Api.Dashboard;

/// <summary>
/// The jobs dashboard shows every tenant's jobs, so only principals of the management account whose policies allow
/// <see cref="ViewJobsAction"/> reach it, and every request to it is checked again: a deleted key, a detached policy
/// or an explicit Deny ends access at the next request. The request must carry a SigV4 signature (the API's
/// authentication middleware verifies it before this filter runs), so a local process without a key, a cross-site
/// form or a DNS-rebinding page cannot open it.
/// </summary>
internal sealed class JobsDashboardAuthorization : IDashboardAsyncAuthorizationFilter
{
    public const string ViewJobsAction = "platform:ViewJobs";

    public async Task<bool> AuthorizeAsync(DashboardContext context)
    {
        var http = context.GetHttpContext();
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
