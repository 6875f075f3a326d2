using Mediator;
using Microsoft.AspNetCore.Mvc;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authentication;
using Platform.Modules.Shared.Errors;

namespace Platform.Api.Dashboard;

/// <summary>
/// The dashboard's sign-in. <c>POST /hangfire/sign-in</c>, SigV4-signed (curl --aws-sigv4) by a principal allowed to see
/// the jobs, sets the session cookie (for curl's cookie jar) and returns a sign-in link for a browser, valid for a couple
/// of minutes; <c>GET /hangfire/sign-in?token=…</c> from that link sets the cookie in the browser and opens the dashboard.
/// </summary>
internal static class DashboardSignInEndpoints
{
    public const string Path = DashboardGate.Prefix + "/sign-in";

    public static IEndpointRouteBuilder MapDashboardSignIn(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(Path, async (HttpContext http, DashboardSessions sessions, ICallerContext caller) =>
        {
            await EnsureAllowedAsync(http);
            var accessKeyId = caller.Identity.AccessKeyId;
            sessions.StartSession(http.Response, accessKeyId);
            var token = sessions.NewLinkToken(accessKeyId);
            http.Response.Headers.CacheControl = "no-store";
            return TypedResults.Ok(new SignInLink(
                $"{http.Request.Scheme}://{http.Request.Host}{Path}?token={Uri.EscapeDataString(token)}",
                DateTimeOffset.UtcNow + sessions.LinkLifetime,
                DateTimeOffset.UtcNow + sessions.SessionLifetime));
        }).WithMetadata(SigningService.Iam).ExcludeFromDescription();

        routes.MapGet(Path, async (HttpContext http, DashboardSessions sessions, [FromQuery(Name = "token")] string? token) =>
        {
            // The link is the credential here: checked as a signature would be, then the principal is checked as on every request.
            var accessKeyId = sessions.OpenLinkToken(token)
                ?? throw new ApiException(403, "AccessDenied", "The sign-in link is invalid or has expired; ask POST /hangfire/sign-in for a new one.");
            var sender = http.RequestServices.GetRequiredService<ISender>();
            var identity = (await sender.Send(new ResolveAccessKey(accessKeyId), http.RequestAborted)).Identity
                ?? throw new ApiException(403, "AccessDenied", "The access key this link was made with is no longer active.");
            http.RequestServices.GetRequiredService<CallerContext>().Authenticate(identity, new Dictionary<string, string>
            {
                ["aws:SourceIp"] = http.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1",
                ["aws:SecureTransport"] = http.Request.IsHttps ? "true" : "false",
            });
            await EnsureAllowedAsync(http);
            sessions.StartSession(http.Response, accessKeyId);
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers["Referrer-Policy"] = "no-referrer";
            return TypedResults.Redirect(DashboardGate.Prefix);
        }).WithMetadata(AnonymousEndpoint.Instance).ExcludeFromDescription();
        return routes;
    }

    private static async Task EnsureAllowedAsync(HttpContext http)
    {
        if (!await DashboardAccess.IsAllowedAsync(http))
        {
            throw new ApiException(403, "AccessDenied",
                $"Only the management account's principals allowed {DashboardAccess.ViewJobsAction} may sign in to the jobs dashboard.");
        }
    }

    internal sealed record SignInLink(string SignInUrl, DateTimeOffset LinkExpiresAt, DateTimeOffset SessionExpiresAt);
}
