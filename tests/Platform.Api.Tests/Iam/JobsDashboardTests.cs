using System.Net;
using Microsoft.AspNetCore.Http;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Iam;

/// <summary>
/// The Hangfire dashboard shows every tenant's jobs: it needs a SigV4 signature of a management-account principal
/// allowed platform:ViewJobs, wherever the request comes from (issue 10, item 3).
/// </summary>
public sealed class JobsDashboardTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    [Fact]
    public async Task An_unsigned_request_from_this_machine_is_refused()
    {
        var context = await platform.App.Server.SendAsync(http =>
        {
            http.Request.Method = HttpMethods.Get;
            http.Request.Host = new HostString("localhost");
            http.Request.Path = "/hangfire";
            http.Connection.RemoteIpAddress = IPAddress.Loopback;
            http.Connection.LocalIpAddress = IPAddress.Loopback;
        });
        Assert.Equal(StatusCodes.Status403Forbidden, context.Response.StatusCode);
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.Contains("MissingAuthenticationToken", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Hangfire", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsigned_cross_site_post_from_this_machine_is_refused()
    {
        var context = await platform.App.Server.SendAsync(http =>
        {
            http.Request.Method = HttpMethods.Post;
            http.Request.Host = new HostString("localhost");
            http.Request.Path = "/hangfire/recurring/trigger";
            http.Request.Headers.Origin = "https://attacker.example";
            http.Request.ContentType = "application/x-www-form-urlencoded";
            http.Request.Body = new MemoryStream("jobs%5B%5D=outbox-dispatch"u8.ToArray());
            http.Connection.RemoteIpAddress = IPAddress.Loopback;
        });
        Assert.Equal(StatusCodes.Status403Forbidden, context.Response.StatusCode);
    }

    [Fact]
    public async Task The_management_account_root_opens_it_with_a_signed_request()
    {
        using var root = platform.RootClient();
        var response = await root.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Hangfire", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_accounts_root_is_refused()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("dashboard-tenant");
        using var client = platform.App.SignedClient(tenant);
        var response = await client.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("Hangfire", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_management_user_needs_platform_ViewJobs_and_loses_access_when_the_policy_is_detached()
    {
        using var root = platform.RootClient();
        var operatorKey = await root.CreateUserWithKeyAsync("dashboard-operator", platform.Root.AccountId);
        using var client = platform.App.SignedClient(operatorKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/hangfire")).StatusCode);

        var policy = await root.CreatePolicyAsync("ViewJobs", IamSetup.Document(new { Effect = "Allow", Action = "platform:ViewJobs", Resource = "*" }));
        await root.AttachAsync("dashboard-operator", policy);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/hangfire")).StatusCode);

        (await root.DeleteAsync($"/api/v1/iam/users/dashboard-operator/attached-policies?policy_arn={Uri.EscapeDataString(policy)}")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/hangfire")).StatusCode);
    }
}
