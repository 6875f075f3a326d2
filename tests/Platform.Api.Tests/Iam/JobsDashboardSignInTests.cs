using System.Net;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Iam;

/// <summary>
/// The jobs dashboard's sign-in (issue 10, item 3): a SigV4-signed POST, or the browser link it returns, sets a short-lived
/// Secure, HttpOnly, SameSite=Strict cookie; the principal is checked again on every request; a cookie cannot change
/// anything from another origin; the dashboard answers only under the API's own names.
/// </summary>
public sealed class JobsDashboardSignInTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    private const string CookieName = "__Host-platform-dashboard";

    [Fact]
    public async Task A_signed_sign_in_sets_a_secure_httponly_strict_short_lived_cookie_that_opens_the_dashboard()
    {
        using var root = platform.RootClient();
        var signIn = await root.PostAsync("/hangfire/sign-in", null);
        await signIn.AssertOkAsync();
        var setCookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"));
        var attributes = setCookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
        Assert.StartsWith(CookieName + "=", setCookie, StringComparison.Ordinal);
        Assert.Contains("secure", attributes);
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/", attributes);
        Assert.Contains("max-age=900", attributes);

        var cookie = CookieOf(signIn);
        using var browser = platform.App.CreateDefaultClient();
        var page = await browser.SendAsync(Get("/hangfire", cookie));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Hangfire", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The same request without the cookie, or with one that was not sealed by this API, is unsigned.
        await (await browser.GetAsync("/hangfire")).AssertErrorAsync(HttpStatusCode.Forbidden, "MissingAuthenticationToken");
        await (await browser.SendAsync(Get("/hangfire", cookie[..^4] + "AAAA"))).AssertErrorAsync(HttpStatusCode.Forbidden, "MissingAuthenticationToken");
    }

    [Fact]
    public async Task The_sign_in_link_opens_a_session_in_a_browser_and_a_forged_link_does_not()
    {
        using var root = platform.RootClient();
        var link = (await (await root.PostAsync("/hangfire/sign-in", null)).AssertOkAsync()).GetProperty("sign_in_url").GetString()!;
        using var browser = platform.App.CreateDefaultClient();
        var opened = await browser.GetAsync(new Uri(link).PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        Assert.Equal("/hangfire", opened.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(Get("/hangfire", CookieOf(opened)))).StatusCode);

        var token = Uri.UnescapeDataString(new Uri(link).Query["?token=".Length..]);
        await (await browser.GetAsync("/hangfire/sign-in?token=" + Uri.EscapeDataString(token[..^4] + "AAAA")))
            .AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        await (await browser.GetAsync("/hangfire/sign-in")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
    }

    [Fact]
    public async Task A_tenant_cannot_sign_in()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("dashboard-sign-in-tenant");
        using var client = platform.App.SignedClient(tenant);
        var refused = await client.PostAsync("/hangfire/sign-in", null);
        await refused.AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        Assert.False(refused.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task A_session_ends_at_the_next_request_once_the_policy_is_detached_or_the_key_deleted()
    {
        using var root = platform.RootClient();
        var operatorKey = await root.CreateUserWithKeyAsync("dashboard-session-operator", platform.Root.AccountId);
        var policy = await root.CreatePolicyAsync("ViewJobsSession", IamSetup.Document(new { Effect = "Allow", Action = "platform:ViewJobs", Resource = "*" }));
        await root.AttachAsync("dashboard-session-operator", policy);
        using var signer = platform.App.SignedClient(operatorKey);
        var cookie = CookieOf(await signer.PostAsync("/hangfire/sign-in", null));
        using var browser = platform.App.CreateDefaultClient();
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(Get("/hangfire", cookie))).StatusCode);

        (await root.DeleteAsync($"/api/v1/iam/users/dashboard-session-operator/attached-policies?policy_arn={Uri.EscapeDataString(policy)}")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SendAsync(Get("/hangfire", cookie))).StatusCode);

        await root.AttachAsync("dashboard-session-operator", policy);
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(Get("/hangfire", cookie))).StatusCode);
        (await root.DeleteAsync($"/api/v1/iam/access-keys/{operatorKey.AccessKeyId}?user_name=dashboard-session-operator")).EnsureSuccessStatusCode();
        await (await browser.SendAsync(Get("/hangfire", cookie))).AssertErrorAsync(HttpStatusCode.Forbidden, "MissingAuthenticationToken");
    }

    [Fact]
    public async Task A_cross_site_post_with_the_session_cookie_is_refused()
    {
        using var root = platform.RootClient();
        var cookie = CookieOf(await root.PostAsync("/hangfire/sign-in", null));
        using var browser = platform.App.CreateDefaultClient();
        foreach (var origin in new[] { "https://attacker.example", "null", "" })
        {
            var post = new HttpRequestMessage(HttpMethod.Post, "/hangfire/recurring/trigger")
            {
                Content = new FormUrlEncodedContent([new("jobs[]", "outbox-dispatch")]),
            };
            post.Headers.Add("Cookie", $"{CookieName}={cookie}");
            if (origin.Length > 0)
            {
                post.Headers.Add("Origin", origin);
            }

            await (await browser.SendAsync(post)).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        }
    }

    [Fact]
    public async Task A_dns_rebinding_host_is_refused_even_signed_and_with_a_cookie()
    {
        using var rebound = platform.App.CreateDefaultClient(new Uri("http://attacker.example/"), new SdkSigningHandler(platform.Root));
        await (await rebound.GetAsync("/hangfire")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidHostHeader");
        await (await rebound.PostAsync("/hangfire/sign-in", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidHostHeader");

        using var root = platform.RootClient();
        var cookie = CookieOf(await root.PostAsync("/hangfire/sign-in", null));
        using var browser = platform.App.CreateDefaultClient(new Uri("http://attacker.example/"));
        await (await browser.SendAsync(Get("/hangfire", cookie))).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidHostHeader");
    }

    [Fact]
    public async Task A_session_outlives_a_restart_and_works_on_another_replica_of_the_same_data_directory()
    {
        await using var first = new PlatformApp(runJobs: false);
        using var root = first.SignedClient(first.RootCredentials);
        var cookie = CookieOf(await root.PostAsync("/hangfire/sign-in", null));
        Assert.True(Directory.EnumerateFiles(Path.Combine(first.DataDirectory, "keys", "dashboard"), "key-*.xml").Any());

        await using var second = new PlatformApp(first.DataDirectory, runJobs: false);
        using var browser = second.CreateDefaultClient();
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(Get("/hangfire", cookie))).StatusCode);
    }

    private static HttpRequestMessage Get(string path, string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", $"{CookieName}={cookie}");
        return request;
    }

    /// <summary>The session cookie's value from a response's Set-Cookie.</summary>
    private static string CookieOf(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("Set-Cookie", out var values), $"no Set-Cookie in a {(int)response.StatusCode} answer");
        var pair = values.Single().Split(';')[0];
        Assert.StartsWith(CookieName + "=", pair, StringComparison.Ordinal);
        return pair[(CookieName.Length + 1)..];
    }
}
