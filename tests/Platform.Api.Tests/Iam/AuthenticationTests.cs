using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Iam;

/// <summary>Every failure of a signature is refused with AWS's error, and changes nothing.</summary>
public sealed class AuthenticationTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    [Fact]
    public async Task Given_an_unsigned_request_Then_MissingAuthenticationToken()
    {
        using var client = platform.App.CreateClient();
        await (await client.PostJsonAsync("/api/v1/iam/users", new { user_name = "unsigned" })).AssertErrorAsync(HttpStatusCode.Forbidden, "MissingAuthenticationToken");
        Assert.DoesNotContain("unsigned", await platform.RootClient().UserNamesAsync());
    }

    [Fact]
    public async Task Given_a_wrong_secret_Then_SignatureDoesNotMatch_and_nothing_changes()
    {
        var wrong = platform.Root with { SecretAccessKey = platform.Root.SecretAccessKey[..^1] + (platform.Root.SecretAccessKey[^1] == 'A' ? 'B' : 'A') };
        using var client = platform.App.SignedClient(wrong);
        await (await client.PostJsonAsync("/api/v1/iam/users", new { user_name = "forged" })).AssertErrorAsync(HttpStatusCode.Forbidden, "SignatureDoesNotMatch");
        Assert.DoesNotContain("forged", await platform.RootClient().UserNamesAsync());
    }

    [Fact]
    public async Task Given_an_unknown_access_key_Then_InvalidAccessKeyId()
    {
        using var client = platform.App.SignedClient(new TestCredentials("AKIAUNKNOWNKEY000000", "x", "000000000000"));
        await (await client.GetAsync("/api/v1/iam/users")).AssertErrorAsync(HttpStatusCode.Forbidden, "InvalidAccessKeyId");
    }

    [Fact]
    public async Task Given_a_signature_for_another_region_Then_AuthorizationHeaderMalformed()
    {
        using var signing = new SdkSigningHandler(platform.Root, region: "eu-west-1") { InnerHandler = platform.App.Server.CreateHandler() };
        using var client = new HttpClient(signing) { BaseAddress = new Uri("http://localhost") };
        var error = await (await client.GetAsync("/api/v1/iam/users")).AssertErrorAsync(HttpStatusCode.BadRequest, "AuthorizationHeaderMalformed");
        Assert.Contains("expecting 'us-east-1'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_signed_request_altered_in_transit_Then_SignatureDoesNotMatch()
    {
        using var signing = new SdkSigningHandler(platform.Root) { InnerHandler = new AlterPathHandler(platform.App.Server.CreateHandler()) };
        using var client = new HttpClient(signing) { BaseAddress = new Uri("http://localhost") };
        await (await client.GetAsync("/api/v1/iam/users?max_items=5")).AssertErrorAsync(HttpStatusCode.Forbidden, "SignatureDoesNotMatch");
    }

    [Theory]
    [InlineData(-20)]
    [InlineData(20)]
    public async Task Given_a_clock_skewed_by_more_than_15_minutes_Then_RequestTimeTooSkewed(int minutes)
    {
        using var signing = new SdkSigningHandler(platform.Root) { SignedAt = DateTime.UtcNow.AddMinutes(minutes), InnerHandler = platform.App.Server.CreateHandler() };
        using var client = new HttpClient(signing) { BaseAddress = new Uri("http://localhost") };
        await (await client.PostJsonAsync("/api/v1/iam/users", new { user_name = "skewed" })).AssertErrorAsync(HttpStatusCode.Forbidden, "RequestTimeTooSkewed");
        Assert.DoesNotContain("skewed", await platform.RootClient().UserNamesAsync());
    }

    [Fact]
    public async Task Given_a_clock_skewed_by_less_than_15_minutes_Then_the_request_is_served()
    {
        using var signing = new SdkSigningHandler(platform.Root) { SignedAt = DateTime.UtcNow.AddMinutes(-10), InnerHandler = platform.App.Server.CreateHandler() };
        using var client = new HttpClient(signing) { BaseAddress = new Uri("http://localhost") };
        await (await client.GetAsync("/api/v1/iam/users")).AssertOkAsync();
    }

    [Fact]
    public async Task Given_a_presigned_url_Then_it_works_until_it_expires()
    {
        using var anonymous = platform.App.CreateClient();
        var valid = SdkRequests.Presign(anonymous.BaseAddress!, "/api/v1/iam/users?max_items=10", platform.Root, TimeSpan.FromMinutes(5));
        await (await anonymous.GetAsync(valid)).AssertOkAsync();

        var expired = SdkRequests.Presign(anonymous.BaseAddress!, "/api/v1/iam/users", platform.Root, TimeSpan.FromSeconds(60), DateTime.UtcNow.AddMinutes(-5));
        var error = await (await anonymous.GetAsync(expired)).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        Assert.Equal("Request has expired", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Given_a_body_that_differs_from_its_signed_hash_Then_XAmzContentSHA256Mismatch()
    {
        using var signing = new SdkSigningHandler(platform.Root) { InnerHandler = new SwapBodyHandler(platform.App.Server.CreateHandler(), """{"user_name":"swapped"}""") };
        using var client = new HttpClient(signing) { BaseAddress = new Uri("http://localhost") };
        await (await client.PostJsonAsync("/api/v1/iam/users", new { user_name = "original" })).AssertErrorAsync(HttpStatusCode.BadRequest, "XAmzContentSHA256Mismatch");
        var names = await platform.RootClient().UserNamesAsync();
        Assert.DoesNotContain("swapped", names);
        Assert.DoesNotContain("original", names);
    }

    [Fact]
    public async Task Given_a_malformed_authorization_header_Then_an_AWS_error()
    {
        using var client = platform.App.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/iam/users");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=AKIA/garbage");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        var response = await client.SendAsync(request);
        var code = await ErrorCode(response);
        Assert.Contains(code, new[] { "IncompleteSignature", "AuthorizationHeaderMalformed" });
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Health_and_the_OpenAPI_document_answer_without_a_signature()
    {
        using var client = platform.App.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        // Unsigned, and answered by the checks, not the authentication: no server is enrolled here, so not ready.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/readyz")).StatusCode);
        var openApi = await client.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/v1/iam/users", openApi, StringComparison.Ordinal);
    }

    /// <summary>
    /// A long-term (AKIA) key has no session token: AWS refuses one sent with it (InvalidClientTokenId, "The security token
    /// included in the request is invalid") on every protocol, signed or not, and so does the platform (it used to ignore it).
    /// </summary>
    [Fact]
    public async Task Given_a_long_term_key_with_a_session_token_Then_InvalidClientTokenId_on_every_protocol_and_nothing_changes()
    {
        const string token = "FwoGZXIvYXdzEBYaDHVuc2lnbmVkdG9rZW4";

        // Native JSON, the token signed.
        using var native = platform.App.SignedClient(platform.Root);
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/iam/users") { Content = JsonContent.Create(new { user_name = "with-token" }) })
        {
            request.Headers.Add("x-amz-security-token", token);
            var error = await (await native.SendAsync(request)).AssertErrorAsync(HttpStatusCode.Forbidden, "InvalidClientTokenId");
            Assert.Equal("The security token included in the request is invalid.", error.GetProperty("message").GetString());
        }

        Assert.DoesNotContain("with-token", await platform.RootClient().UserNamesAsync());

        // IAM's query protocol, the token signed.
        using var query = new HttpClient(new SdkSigningHandler(platform.Root, "iam") { InnerHandler = platform.App.Server.CreateHandler() })
        {
            BaseAddress = platform.App.Server.BaseAddress,
        };
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent("Action=CreateUser&Version=2010-05-08&UserName=query-token", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        })
        {
            request.Headers.Add("x-amz-security-token", token);
            var response = await query.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{response.StatusCode}: {text}");
            Assert.Equal("InvalidClientTokenId", System.Xml.Linq.XDocument.Parse(text).Descendants().Single(e => e.Name.LocalName == "Code").Value);
        }

        Assert.DoesNotContain("query-token", await platform.RootClient().UserNamesAsync());

        // S3 with the token in a signed header: the bucket is not made.
        using var s3 = platform.App.SignedClient(platform.Root, "s3");
        using (var request = new HttpRequestMessage(HttpMethod.Put, "/token-bucket"))
        {
            request.Headers.Add("x-amz-security-token", token);
            var response = await s3.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{response.StatusCode}: {text}");
            Assert.Contains("<Code>InvalidClientTokenId</Code>", text, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await s3.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/token-bucket"))).StatusCode);

        // S3 presigned, with the token in the query (as an SDK presigns with session credentials) or added after signing.
        Assert.Equal(HttpStatusCode.OK, (await s3.PutAsync("/token-bucket-2", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s3.PutAsync("/token-bucket-2/key", new StringContent("kept"))).StatusCode);
        using var anonymous = platform.App.CreateClient();
        var presigned = SdkRequests.Presign(anonymous.BaseAddress!, "/token-bucket-2/key", platform.Root, TimeSpan.FromMinutes(5), service: "s3");
        Assert.Equal("kept", await (await anonymous.GetAsync(presigned)).Content.ReadAsStringAsync());
        var withToken = await anonymous.GetAsync(presigned + "&X-Amz-Security-Token=" + Uri.EscapeDataString(token));
        var presignedText = await withToken.Content.ReadAsStringAsync();
        Assert.True(withToken.StatusCode == HttpStatusCode.Forbidden, $"{withToken.StatusCode}: {presignedText}");
        Assert.Contains("<Code>InvalidClientTokenId</Code>", presignedText, StringComparison.Ordinal);
        Assert.Equal("kept", await (await s3.GetAsync("/token-bucket-2/key")).Content.ReadAsStringAsync());
    }

    private static async Task<string> ErrorCode(HttpResponseMessage response)
    {
        using var document = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("code").GetString()!;
    }

    /// <summary>Changes the query after signing, as a tampering proxy would.</summary>
    private sealed class AlterPathHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.RequestUri = new Uri(request.RequestUri!.ToString().Replace("max_items=5", "max_items=6", StringComparison.Ordinal));
            return base.SendAsync(request, cancellationToken);
        }
    }
}
