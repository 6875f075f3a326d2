using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Platform.Api.Dashboard;

/// <summary>
/// Seals and opens the dashboard's session cookies and sign-in links with ASP.NET Core data protection: authenticated
/// encryption, an expiry inside, keys in a key ring on disk that restarts and replicas share. Both carry only the access
/// key id; who that key stands for, and what it may do, is looked up again on every request.
/// </summary>
internal sealed class DashboardSessions(IDataProtectionProvider provider, IOptions<JobsDashboardOptions> options, TimeProvider clock)
{
    /// <summary>__Host-: the browser keeps it only if it is Secure, for this host alone, on path /.</summary>
    public const string CookieName = "__Host-platform-dashboard";

    private readonly ITimeLimitedDataProtector _sessions = provider.CreateProtector("Platform.Dashboard.Session").ToTimeLimitedDataProtector();
    private readonly ITimeLimitedDataProtector _links = provider.CreateProtector("Platform.Dashboard.SignInLink").ToTimeLimitedDataProtector();

    public TimeSpan SessionLifetime => TimeSpan.FromMinutes(options.Value.SessionMinutes);

    public TimeSpan LinkLifetime => TimeSpan.FromMinutes(options.Value.SignInLinkMinutes);

    public void StartSession(HttpResponse response, string accessKeyId) =>
        response.Cookies.Append(CookieName, _sessions.Protect(accessKeyId, clock.GetUtcNow() + SessionLifetime), new CookieOptions
        {
            Secure = true,
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            MaxAge = SessionLifetime,
        });

    /// <summary>The access key id of a valid, unexpired session cookie; null for none or any other.</summary>
    public string? OpenSession(HttpRequest request) =>
        request.Cookies.TryGetValue(CookieName, out var value) ? Open(_sessions, value) : null;

    public string NewLinkToken(string accessKeyId) => _links.Protect(accessKeyId, clock.GetUtcNow() + LinkLifetime);

    public string? OpenLinkToken(string? token) => token is { Length: > 0 } ? Open(_links, token) : null;

    private string? Open(ITimeLimitedDataProtector protector, string value)
    {
        try
        {
            var accessKeyId = protector.Unprotect(value, out var expiration);
            return expiration > clock.GetUtcNow() ? accessKeyId : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
