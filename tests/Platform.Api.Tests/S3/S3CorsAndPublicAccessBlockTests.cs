using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>Issue 16 item 3: bucket CORS (configuration, preflight, actual requests, both listeners) and the public access block.</summary>
public sealed class S3CorsAndPublicAccessBlockTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    private AmazonS3Client Client() => S3Clients.For(platform.App, platform.Root);

    private static CORSConfiguration Rules() => new()
    {
        Rules =
        [
            new CORSRule
            {
                Id = "uploads", AllowedOrigins = ["https://*.example.com"], AllowedMethods = ["GET", "PUT"],
                AllowedHeaders = ["content-type", "x-amz-meta-*"], ExposeHeaders = ["ETag", "x-amz-version-id"], MaxAgeSeconds = 3000,
            },
            new CORSRule { AllowedOrigins = ["*"], AllowedMethods = ["GET"] },
        ],
    };

    private static HttpRequestMessage Preflight(string path, string? origin, string? method, string? headers = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (method is not null)
        {
            request.Headers.Add("Access-Control-Request-Method", method);
        }

        if (headers is not null)
        {
            request.Headers.Add("Access-Control-Request-Headers", headers);
        }

        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values)
        : response.Content.Headers.TryGetValues(name, out var content) ? string.Join(", ", content) : null;

    private HttpClient SignedS3Client() =>
        new(new SdkSigningHandler(platform.Root, "s3") { InnerHandler = platform.App.Server.CreateHandler() }) { BaseAddress = S3Clients.TestServerEndpoint };

    /// <summary>A PUT of a raw XML body the SDK would not send; "ok" or the answer's status and S3 error code.</summary>
    private static async Task<string> PutRawAsync(HttpClient signed, string pathAndQuery, string xml)
    {
        using var content = new StringContent(xml, Encoding.UTF8, "application/xml");
        var response = await signed.PutAsync(pathAndQuery, content);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? "ok" : $"{(int)response.StatusCode} {System.Xml.Linq.XElement.Parse(body).Element("Code")?.Value}";
    }

    [Fact]
    public async Task Given_a_bucket_When_CORS_rules_are_put_got_and_deleted_Then_they_read_back_and_bad_ones_change_nothing()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("cors-config");
        var none = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetCORSConfigurationAsync("cors-config"));
        Assert.Equal("NoSuchCORSConfiguration", none.ErrorCode);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);

        await s3.PutCORSConfigurationAsync(new PutCORSConfigurationRequest { BucketName = "cors-config", Configuration = Rules() });
        var read = (await s3.GetCORSConfigurationAsync("cors-config")).Configuration;
        Assert.Equal(2, read.Rules.Count);
        Assert.Equal("uploads", read.Rules[0].Id);
        Assert.Equal(["https://*.example.com"], read.Rules[0].AllowedOrigins);
        Assert.Equal(["GET", "PUT"], read.Rules[0].AllowedMethods);
        Assert.Equal(["content-type", "x-amz-meta-*"], read.Rules[0].AllowedHeaders);
        Assert.Equal(["ETag", "x-amz-version-id"], read.Rules[0].ExposeHeaders);
        Assert.Equal(3000, read.Rules[0].MaxAgeSeconds);
        Assert.Equal(["*"], read.Rules[1].AllowedOrigins);

        // Refused as S3 refuses them; the rules stay as they were.
        using var signed = SignedS3Client();
        const string rule = "<CORSRule><AllowedOrigin>https://a.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>";
        var tooMany = "<CORSConfiguration>" + string.Concat(Enumerable.Repeat(rule, 101)) + "</CORSConfiguration>";
        Assert.Equal("404 NoSuchBucket", await PutRawAsync(signed, "/cors-no-bucket?cors", "<CORSConfiguration>" + rule + "</CORSConfiguration>"));
        foreach (var (xml, expected) in new[]
        {
            ("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>", "400 InvalidRequest"),
            ("<CORSConfiguration><CORSRule><AllowedOrigin>https://*.*.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>", "400 InvalidRequest"),
            ("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>x-*-*</AllowedHeader></CORSRule></CORSConfiguration>", "400 InvalidRequest"),
            ("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>x-*</ExposeHeader></CORSRule></CORSConfiguration>", "400 InvalidRequest"),
            ("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>", "400 MalformedXML"),
            ("<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>", "400 MalformedXML"),
            ("<CORSConfiguration></CORSConfiguration>", "400 MalformedXML"),
            ("<CORSConfiguration><CORSRule>", "400 MalformedXML"),
            (tooMany, "400 MalformedXML"),
        })
        {
            Assert.Equal(expected, await PutRawAsync(signed, "/cors-config?cors", xml));
        }

        Assert.Equal(2, (await s3.GetCORSConfigurationAsync("cors-config")).Configuration.Rules.Count);
        Assert.Equal("ok", await PutRawAsync(signed, "/cors-config?cors", "<CORSConfiguration>" + string.Concat(Enumerable.Repeat(rule, 100)) + "</CORSConfiguration>"));
        Assert.Equal(100, (await s3.GetCORSConfigurationAsync("cors-config")).Configuration.Rules.Count);

        await s3.DeleteCORSConfigurationAsync("cors-config");
        var deleted = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetCORSConfigurationAsync("cors-config"));
        Assert.Equal("NoSuchCORSConfiguration", deleted.ErrorCode);
    }

    [Fact]
    public async Task Given_CORS_rules_When_a_browser_sends_preflights_to_the_S3_listener_Then_they_are_answered_from_the_rules_without_a_signature()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("cors-preflight");
        await s3.PutBucketAsync("cors-none");
        await s3.PutCORSConfigurationAsync(new PutCORSConfigurationRequest { BucketName = "cors-preflight", Configuration = Rules() });
        using var raw = S3Clients.RawClient(platform.App);

        var allowed = await raw.SendAsync(Preflight("/cors-preflight/photos/cat.jpg", "https://app.example.com", "PUT", "Content-Type, X-Amz-Meta-Owner"));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("https://app.example.com", Header(allowed, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(allowed, "Access-Control-Allow-Credentials"));
        Assert.Equal("GET, PUT", Header(allowed, "Access-Control-Allow-Methods"));
        Assert.Equal("content-type, x-amz-meta-owner", Header(allowed, "Access-Control-Allow-Headers"));
        Assert.Equal("ETag, x-amz-version-id", Header(allowed, "Access-Control-Expose-Headers"));
        Assert.Equal("3000", Header(allowed, "Access-Control-Max-Age"));
        Assert.Contains("Origin", Header(allowed, "Vary"));

        // The second rule: any origin may GET; answered "*", no credentials.
        var anyOrigin = await raw.SendAsync(Preflight("/cors-preflight", "http://elsewhere.test", "GET"));
        Assert.Equal(HttpStatusCode.OK, anyOrigin.StatusCode);
        Assert.Equal("*", Header(anyOrigin, "Access-Control-Allow-Origin"));
        Assert.Null(Header(anyOrigin, "Access-Control-Allow-Credentials"));

        foreach (var (request, why) in new[]
        {
            (Preflight("/cors-preflight/k", "http://elsewhere.test", "PUT"), "origin not allowed to PUT"),
            (Preflight("/cors-preflight/k", "https://app.example.com", "DELETE"), "method not allowed"),
            (Preflight("/cors-preflight/k", "https://app.example.com", "PUT", "x-other"), "header not allowed"),
            (Preflight("/cors-preflight/k", "https://example.com", "PUT"), "the wildcard needs a subdomain"),
            (Preflight("/cors-none/k", "https://app.example.com", "GET"), "no rules on the bucket"),
        })
        {
            var refused = await raw.SendAsync(request);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{why}: {(int)refused.StatusCode} {body}");
            Assert.Contains("<Code>AccessForbidden</Code>", body);
            Assert.Contains("CORSResponse", body);
            Assert.Null(Header(refused, "Access-Control-Allow-Origin"));
        }

        Assert.Contains("CORSResponse: This CORS request is not allowed",
            await (await raw.SendAsync(Preflight("/cors-preflight/k", "http://elsewhere.test", "PUT"))).Content.ReadAsStringAsync());
        await S3ErrorTests.AssertS3ErrorAsync(await raw.SendAsync(Preflight("/cors-preflight/k", null, "GET")), HttpStatusCode.BadRequest, "BadRequest");
        await S3ErrorTests.AssertS3ErrorAsync(await raw.SendAsync(Preflight("/cors-preflight/k", "https://app.example.com", null)), HttpStatusCode.BadRequest, "BadRequest");
        await S3ErrorTests.AssertS3ErrorAsync(await raw.SendAsync(Preflight("/cors-no-such-bucket/k", "https://app.example.com", "GET")), HttpStatusCode.NotFound, "NoSuchBucket");
    }

    [Fact]
    public async Task Given_CORS_rules_When_requests_carry_an_Origin_Then_answers_on_both_listeners_carry_the_matching_rules_headers()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("cors-actual");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "cors-actual", Key = "page.txt", ContentBody = "hello" });
        await s3.PutCORSConfigurationAsync(new PutCORSConfigurationRequest { BucketName = "cors-actual", Configuration = Rules() });
        using var raw = S3Clients.RawClient(platform.App);
        var url = await s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = "cors-actual", Key = "page.txt", Verb = HttpVerb.GET, Expires = DateTime.UtcNow.AddMinutes(10), Protocol = Protocol.HTTP,
        });

        using var get = new HttpRequestMessage(HttpMethod.Get, url);
        get.Headers.Add("Origin", "https://app.example.com");
        var answer = await raw.SendAsync(get);
        Assert.Equal("hello", await answer.Content.ReadAsStringAsync());
        Assert.Equal("https://app.example.com", Header(answer, "Access-Control-Allow-Origin"));
        Assert.Equal("ETag, x-amz-version-id", Header(answer, "Access-Control-Expose-Headers"));
        Assert.Equal("3000", Header(answer, "Access-Control-Max-Age"));
        Assert.Contains("Origin", Header(answer, "Vary"));

        // A refusal carries them too (a browser can read the error); an origin no rule allows gets Vary only.
        using var unsigned = new HttpRequestMessage(HttpMethod.Get, "/cors-actual/page.txt");
        unsigned.Headers.Add("Origin", "http://elsewhere.test");
        var denied = await raw.SendAsync(unsigned);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("*", Header(denied, "Access-Control-Allow-Origin"));
        using var put = new HttpRequestMessage(HttpMethod.Put, "/cors-actual/other.txt") { Content = new StringContent("x") };
        put.Headers.Add("Origin", "http://elsewhere.test");
        var notAllowed = await raw.SendAsync(put);
        Assert.Null(Header(notAllowed, "Access-Control-Allow-Origin"));
        Assert.Contains("Origin", Header(notAllowed, "Vary"));

        // The native listener: the preflight unsigned, the actual request signed.
        using var native = platform.App.CreateClient();
        var preflight = await native.SendAsync(Preflight("/api/v1/s3/cors-actual/page.txt", "https://app.example.com", "GET"));
        Assert.Equal(HttpStatusCode.OK, preflight.StatusCode);
        Assert.Equal("https://app.example.com", Header(preflight, "Access-Control-Allow-Origin"));
        var nativeRefused = await native.SendAsync(Preflight("/api/v1/s3/cors-actual/page.txt", "http://elsewhere.test", "PUT"));
        Assert.Equal(HttpStatusCode.Forbidden, nativeRefused.StatusCode);
        using var signedNative = platform.App.SignedClient(platform.Root, "s3");
        using var nativeGet = new HttpRequestMessage(HttpMethod.Get, "/api/v1/s3/cors-actual/page.txt");
        nativeGet.Headers.Add("Origin", "https://app.example.com");
        var nativeAnswer = await signedNative.SendAsync(nativeGet);
        Assert.Equal("hello", await nativeAnswer.Content.ReadAsStringAsync());
        Assert.Equal("https://app.example.com", Header(nativeAnswer, "Access-Control-Allow-Origin"));
        // Without an Origin nothing is added.
        var plain = await signedNative.GetAsync("/api/v1/s3/cors-actual/page.txt");
        Assert.Null(Header(plain, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Given_another_accounts_bucket_When_its_CORS_or_public_access_block_is_read_or_changed_Then_AccessDenied_and_nothing_changes()
    {
        using var owner = Client();
        await owner.PutBucketAsync("cors-tenant-a");
        await owner.PutCORSConfigurationAsync(new PutCORSConfigurationRequest { BucketName = "cors-tenant-a", Configuration = Rules() });
        await owner.PutPublicAccessBlockAsync(new PutPublicAccessBlockRequest
        {
            BucketName = "cors-tenant-a", PublicAccessBlockConfiguration = new PublicAccessBlockConfiguration { BlockPublicPolicy = true },
        });
        using var management = platform.RootClient();
        var tenantB = await management.CreateAccountAsync("cors-tenant-b");
        using var other = S3Clients.For(platform.App, tenantB);

        foreach (var attempt in new Func<Task>[]
        {
            () => other.GetCORSConfigurationAsync("cors-tenant-a"),
            () => other.PutCORSConfigurationAsync(new PutCORSConfigurationRequest
            {
                BucketName = "cors-tenant-a", Configuration = new CORSConfiguration { Rules = [new CORSRule { AllowedOrigins = ["*"], AllowedMethods = ["PUT"] }] },
            }),
            () => other.DeleteCORSConfigurationAsync("cors-tenant-a"),
            () => other.GetPublicAccessBlockAsync(new GetPublicAccessBlockRequest { BucketName = "cors-tenant-a" }),
            () => other.PutPublicAccessBlockAsync(new PutPublicAccessBlockRequest
            {
                BucketName = "cors-tenant-a", PublicAccessBlockConfiguration = new PublicAccessBlockConfiguration(),
            }),
            () => other.DeletePublicAccessBlockAsync(new DeletePublicAccessBlockRequest { BucketName = "cors-tenant-a" }),
        })
        {
            var denied = await Assert.ThrowsAnyAsync<AmazonS3Exception>(attempt);
            Assert.Equal("AccessDenied", denied.ErrorCode);
        }

        Assert.Equal(2, (await owner.GetCORSConfigurationAsync("cors-tenant-a")).Configuration.Rules.Count);
        Assert.True((await owner.GetPublicAccessBlockAsync(new GetPublicAccessBlockRequest { BucketName = "cors-tenant-a" }))
            .PublicAccessBlockConfiguration.BlockPublicPolicy);
    }

    [Fact]
    public async Task Given_a_public_access_block_Then_it_reads_back_refuses_public_policies_and_restricts_a_public_bucket_to_its_account()
    {
        using var owner = Client();
        await owner.PutBucketAsync("pab-bucket");
        await owner.PutObjectAsync(new PutObjectRequest { BucketName = "pab-bucket", Key = "page.html", ContentBody = "public page" });
        var none = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => owner.GetPublicAccessBlockAsync(new GetPublicAccessBlockRequest { BucketName = "pab-bucket" }));
        Assert.Equal("NoSuchPublicAccessBlockConfiguration", none.ErrorCode);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);

        await owner.PutPublicAccessBlockAsync(new PutPublicAccessBlockRequest
        {
            BucketName = "pab-bucket", PublicAccessBlockConfiguration = new PublicAccessBlockConfiguration { BlockPublicPolicy = true, IgnorePublicAcls = true },
        });
        var block = (await owner.GetPublicAccessBlockAsync(new GetPublicAccessBlockRequest { BucketName = "pab-bucket" })).PublicAccessBlockConfiguration;
        Assert.True(block.BlockPublicPolicy);
        Assert.True(block.IgnorePublicAcls);
        Assert.False(block.BlockPublicAcls);
        Assert.False(block.RestrictPublicBuckets);

        var publicRead = IamSetup.Document(new Dictionary<string, object>
        {
            ["Effect"] = "Allow", ["Principal"] = "*", ["Action"] = "s3:GetObject", ["Resource"] = "arn:aws:s3:::pab-bucket/*",
        });
        var blocked = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => owner.PutBucketPolicyAsync("pab-bucket", publicRead));
        Assert.Equal("AccessDenied", blocked.ErrorCode);
        Assert.Contains("BlockPublicPolicy", blocked.Message);
        using var signed = SignedS3Client();
        await S3ErrorTests.AssertS3ErrorAsync(await signed.GetAsync("/pab-bucket?policy"), HttpStatusCode.NotFound, "NoSuchBucketPolicy");
        var everyoneAws = IamSetup.Document(new Dictionary<string, object>
        {
            ["Effect"] = "Allow", ["Principal"] = new Dictionary<string, object> { ["AWS"] = new[] { "*" } }, ["Action"] = "s3:GetObject",
            ["Resource"] = "arn:aws:s3:::pab-bucket/*",
        });
        Assert.Equal("AccessDenied", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => owner.PutBucketPolicyAsync("pab-bucket", everyoneAws))).ErrorCode);

        // A grant to everyone tied to fixed source addresses is not public: accepted.
        await owner.PutBucketPolicyAsync("pab-bucket", IamSetup.Document(new Dictionary<string, object>
        {
            ["Effect"] = "Allow", ["Principal"] = "*", ["Action"] = "s3:GetObject", ["Resource"] = "arn:aws:s3:::pab-bucket/*",
            ["Condition"] = new Dictionary<string, object> { ["IpAddress"] = new Dictionary<string, object> { ["aws:SourceIp"] = "10.1.0.0/16" } },
        }));

        // Without the block the public policy goes in and anyone reads; RestrictPublicBuckets then shuts out all but the owner's account.
        await owner.DeletePublicAccessBlockAsync(new DeletePublicAccessBlockRequest { BucketName = "pab-bucket" });
        Assert.Equal("NoSuchPublicAccessBlockConfiguration",
            (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => owner.GetPublicAccessBlockAsync(new GetPublicAccessBlockRequest { BucketName = "pab-bucket" }))).ErrorCode);
        await owner.PutBucketPolicyAsync("pab-bucket", publicRead);
        using var anonymous = S3Clients.Anonymous(platform.App);
        using var management = platform.RootClient();
        var tenantB = await management.CreateAccountAsync("pab-tenant-b");
        using var other = S3Clients.For(platform.App, tenantB);
        foreach (var reader in new[] { anonymous, other, owner })
        {
            using var page = await reader.GetObjectAsync("pab-bucket", "page.html");
            Assert.Equal("public page", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(page.ResponseStream)));
        }

        await owner.PutPublicAccessBlockAsync(new PutPublicAccessBlockRequest
        {
            BucketName = "pab-bucket", PublicAccessBlockConfiguration = new PublicAccessBlockConfiguration { RestrictPublicBuckets = true },
        });
        foreach (var outsider in new[] { anonymous, other })
        {
            var denied = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => outsider.GetObjectAsync("pab-bucket", "page.html"));
            Assert.Equal("AccessDenied", denied.ErrorCode);
        }

        using (var ownRead = await owner.GetObjectAsync("pab-bucket", "page.html"))
        {
            Assert.Equal("public page", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(ownRead.ResponseStream)));
        }

        // The policy itself was kept (RestrictPublicBuckets does not change it): lifting the block lets anyone read again.
        Assert.Contains("\"*\"", (await owner.GetBucketPolicyAsync("pab-bucket")).Policy);
        // A setting that is not true or false is MalformedXML, and the block stays.
        Assert.Equal("400 MalformedXML", await PutRawAsync(signed, "/pab-bucket?publicAccessBlock",
            "<PublicAccessBlockConfiguration><RestrictPublicBuckets>maybe</RestrictPublicBuckets></PublicAccessBlockConfiguration>"));
        Assert.True((await owner.GetPublicAccessBlockAsync(new GetPublicAccessBlockRequest { BucketName = "pab-bucket" }))
            .PublicAccessBlockConfiguration.RestrictPublicBuckets);
        await owner.DeletePublicAccessBlockAsync(new DeletePublicAccessBlockRequest { BucketName = "pab-bucket" });
        using var again = await anonymous.GetObjectAsync("pab-bucket", "page.html");
        Assert.Equal("public page", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(again.ResponseStream)));
    }
}
