using System.Net;
using Mediator;
using Platform.Api.Hosting;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Errors;

namespace Platform.Api.Dashboard;

/// <summary>
/// In front of every <c>/hangfire</c> request, before SigV4: the Host header must be one of the names the API's
/// certificate is for (a DNS-rebinding page reaches the API under its own name and is refused); an unsigned request with
/// a session cookie is authenticated as that cookie's access key, looked up again now (a deleted or inactive key ends the
/// session); a cookie-authenticated request that changes anything must come from the dashboard's own origin.
/// </summary>
internal sealed class DashboardGate
{
    public const string Prefix = "/hangfire";

    private readonly DashboardSessions _sessions;
    private readonly HashSet<string> _hosts;

    public DashboardGate(DashboardSessions sessions, IConfiguration configuration)
    {
        _sessions = sessions;
        var tls = configuration.GetSection(TlsOptions.SectionName).Get<TlsOptions>() ?? new TlsOptions();
        var urls = configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } configured ? configured : PlatformTls.DefaultUrl;
        _hosts = new HashSet<string>(PlatformTls.CertificateNames(urls, tls), StringComparer.OrdinalIgnoreCase)
        {
            "localhost", "127.0.0.1", "::1", Dns.GetHostName(),
        };
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments(Prefix))
        {
            await next(context);
            return;
        }

        var host = context.Request.Host.Host.Trim('[', ']');
        if (!_hosts.Contains(host))
        {
            throw new ApiException(400, "InvalidHostHeader",
                $"The jobs dashboard answers only under the API's own names; '{context.Request.Host.Host}' is not one (Tls:Names adds names).");
        }

        var request = context.Request;
        var signed = request.Headers.Authorization.Count > 0 || request.Query.ContainsKey("X-Amz-Algorithm");
        // The sign-in itself is never taken from a cookie: a session cannot renew itself, only a signature or a link starts one.
        if (!signed && !request.Path.StartsWithSegments(DashboardSignInEndpoints.Path) && _sessions.OpenSession(request) is { } accessKeyId)
        {
            if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !IsSameOrigin(request))
            {
                throw new ApiException(403, "AccessDenied", "A request that changes anything must come from the dashboard's own pages (Origin).");
            }

            var sender = context.RequestServices.GetRequiredService<ISender>();
            if (await sender.Send(new ResolveAccessKey(accessKeyId), context.RequestAborted) is { Identity: { } identity })
            {
                context.RequestServices.GetRequiredService<CallerContext>().Authenticate(identity, new Dictionary<string, string>
                {
                    ["aws:SourceIp"] = context.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1",
                    ["aws:SecureTransport"] = request.IsHttps ? "true" : "false",
                });
            }
        }

        await next(context);
    }

    /// <summary>Browsers send Origin with every POST; a cross-site form, or a request from no page at all, does not match.</summary>
    private static bool IsSameOrigin(HttpRequest request) =>
        Uri.TryCreate(request.Headers.Origin.ToString(), UriKind.Absolute, out var origin)
        && string.Equals(origin.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(origin.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}
