using Hangfire.Dashboard;

namespace Platform.Api.Dashboard;

/// <summary>
/// Hangfire asks this on every dashboard request. The caller was authenticated just before, by a SigV4 signature or by
/// the session cookie of a sign-in (<see cref="DashboardGate"/>); this checks that it may still see the jobs.
/// </summary>
internal sealed class JobsDashboardAuthorization : IDashboardAsyncAuthorizationFilter
{
    public Task<bool> AuthorizeAsync(DashboardContext context) => DashboardAccess.IsAllowedAsync(context.GetHttpContext());
}
