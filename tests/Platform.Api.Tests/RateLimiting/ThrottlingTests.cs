using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.RateLimiting;

/// <summary>
/// Token buckets per access key (8 requests here) and per account (12), refilled so slowly (one token per 100 s) that a
/// test sees no refill: a noisy tenant is refused with AWS's errors while another tenant goes on (issue 10, item 4).
/// </summary>
public sealed class ThrottlingTests(ThrottlingTests.ThrottledApp platform) : IClassFixture<ThrottlingTests.ThrottledApp>
{
    private const string Ec2Path = "/api/v1/ec2/instances";

    [Fact]
    public async Task One_account_exhausting_its_buckets_does_not_starve_another()
    {
        using var management = platform.App.SignedClient(platform.App.RootCredentials);
        var noisy = await management.CreateAccountAsync("throttle-noisy");
        var quiet = await management.CreateAccountAsync("throttle-quiet");
        using var noisyRoot = platform.App.SignedClient(noisy);
        // Two of the noisy root key's 8 tokens and of its account's 12.
        var noisyUser = await noisyRoot.CreateUserWithKeyAsync("flooder", noisy.AccountId);

        // The root key's bucket: 6 more requests, then EC2's throttling error.
        for (var i = 0; i < 6; i++)
        {
            await (await noisyRoot.GetAsync(Ec2Path)).AssertOkAsync();
        }

        var refused = await noisyRoot.GetAsync(Ec2Path);
        await refused.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "RequestLimitExceeded");
        AssertRetryAfter(refused);

        // Another key of the same account has tokens of its own, but the account's bucket has 4 left for all its keys.
        using var noisyUserClient = platform.App.SignedClient(noisyUser);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await noisyUserClient.GetAsync(Ec2Path)).StatusCode); // no policy: refused after the bucket
        }

        await (await noisyUserClient.GetAsync(Ec2Path)).AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "RequestLimitExceeded");

        // The quiet tenant is not touched by any of it.
        using var quietRoot = platform.App.SignedClient(quiet);
        for (var i = 0; i < 6; i++)
        {
            await (await quietRoot.GetAsync(Ec2Path)).AssertOkAsync();
        }

        await (await noisyRoot.GetAsync(Ec2Path)).AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "RequestLimitExceeded");
    }

    [Fact]
    public async Task Each_service_refuses_with_its_own_AWS_error_a_retry_after_and_the_request_id()
    {
        using var management = platform.App.SignedClient(platform.App.RootCredentials);
        var tenant = await management.CreateAccountAsync("throttle-shapes");
        using var root = platform.App.SignedClient(tenant);
        for (var i = 0; i < 8; i++)
        {
            await (await root.GetAsync("/api/v1/iam/users")).AssertOkAsync();
        }

        var iam = await root.GetAsync("/api/v1/iam/users");
        await iam.AssertErrorAsync(HttpStatusCode.BadRequest, "ThrottlingException");
        AssertRetryAfter(iam);

        var ec2 = await root.GetAsync(Ec2Path);
        await ec2.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "RequestLimitExceeded");
        AssertRetryAfter(ec2);

        var nativeS3 = await root.GetAsync("/api/v1/s3");
        await nativeS3.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "SlowDown");
        AssertRetryAfter(nativeS3);

        // The S3 listener answers in S3's XML.
        using var s3 = platform.App.CreateDefaultClient(S3Clients.TestServerEndpoint, new SdkSigningHandler(tenant, "s3"));
        var listing = await s3.GetAsync("/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, listing.StatusCode);
        AssertRetryAfter(listing);
        var xml = await listing.Content.ReadAsStringAsync();
        Assert.Contains("<Code>SlowDown</Code>", xml, StringComparison.Ordinal);
        Assert.Contains($"<RequestId>{listing.Headers.GetValues("x-amz-request-id").Single()}</RequestId>", xml, StringComparison.Ordinal);

        // And through the AWS SDK, as a client sees it.
        using var sdk = S3Clients.For(platform.App, tenant);
        var error = await Assert.ThrowsAsync<Amazon.S3.AmazonS3Exception>(() => sdk.ListBucketsAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal("SlowDown", error.ErrorCode);
        Assert.False(string.IsNullOrEmpty(error.RequestId));
    }

    [Fact]
    public async Task Unsigned_and_forged_floods_are_limited_per_source_address_and_signed_callers_go_on()
    {
        await using var app = new PlatformApp(runJobs: false, settings: ThrottledApp.Limits);
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("MissingAuthenticationToken", (await UnsignedAsync(app, "10.0.0.1")).Code);
        }

        var flooded = await UnsignedAsync(app, "10.0.0.1");
        Assert.Equal((StatusCodes.Status503ServiceUnavailable, "RequestLimitExceeded"), (flooded.Status, flooded.Code));
        Assert.True(int.Parse(flooded.RetryAfter!, System.Globalization.CultureInfo.InvariantCulture) >= 1);

        // Another address has a bucket of its own, and a verified signature is charged to its principal, not to its address.
        Assert.Equal("MissingAuthenticationToken", (await UnsignedAsync(app, "10.0.0.2")).Code);
        using var root = app.SignedClient(app.RootCredentials);
        await (await root.GetAsync(Ec2Path)).AssertOkAsync();

        // A signature that does not verify is charged to the address: after 6 refusals the address is throttled before
        // its signature is even checked, while the unsigned address 10.0.0.2 still has tokens.
        using var forger = app.SignedClient(app.RootCredentials with { SecretAccessKey = "not-the-secret-of-this-key-0000000000000" });
        for (var i = 0; i < 6; i++)
        {
            await (await forger.GetAsync(Ec2Path)).AssertErrorAsync(HttpStatusCode.Forbidden, "SignatureDoesNotMatch");
        }

        await (await forger.GetAsync(Ec2Path)).AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "RequestLimitExceeded");
        Assert.Equal("MissingAuthenticationToken", (await UnsignedAsync(app, "10.0.0.2")).Code);
    }

    private static void AssertRetryAfter(HttpResponseMessage response)
    {
        Assert.True(response.Headers.RetryAfter?.Delta is { } delta && delta >= TimeSpan.FromSeconds(1),
            $"expected a Retry-After of at least 1 s, got '{response.Headers.RetryAfter}'");
    }

    private static async Task<(int Status, string? Code, string? RetryAfter)> UnsignedAsync(PlatformApp app, string address)
    {
        var context = await app.Server.SendAsync(http =>
        {
            http.Request.Method = HttpMethods.Get;
            http.Request.Host = new HostString("localhost");
            http.Request.Path = Ec2Path;
            http.Connection.RemoteIpAddress = IPAddress.Parse(address);
        });
        using var document = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.Equal(context.Response.Headers["x-amz-request-id"].ToString(), document.RootElement.GetProperty("request_id").GetString());
        return (context.Response.StatusCode, document.RootElement.GetProperty("code").GetString(), context.Response.Headers.RetryAfter.FirstOrDefault());
    }

    /// <summary>One API for the class whose buckets hold a few requests and refill once every 100 s.</summary>
    public sealed class ThrottledApp : IAsyncLifetime
    {
        public static readonly Dictionary<string, string?> Limits = new()
        {
            ["Throttling:AccountRequestsPerSecond"] = "0.01",
            ["Throttling:AccountBurst"] = "12",
            ["Throttling:AccessKeyRequestsPerSecond"] = "0.01",
            ["Throttling:AccessKeyBurst"] = "8",
            ["Throttling:SourceAddressRequestsPerSecond"] = "0.01",
            ["Throttling:SourceAddressBurst"] = "6",
        };

        public PlatformApp App { get; } = new(runJobs: false, settings: Limits);

        public Task InitializeAsync()
        {
            _ = App.Server;
            return Task.CompletedTask;
        }

        public async Task DisposeAsync()
        {
            await App.DisposeAsync();
            try
            {
                Directory.Delete(App.DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
