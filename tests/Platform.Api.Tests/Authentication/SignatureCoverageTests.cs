using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;
using Platform.Modules.Shared.Authentication;

namespace Platform.Api.Tests.Authentication;

/// <summary>
/// A signature covers what the server obeys, as an attacker who holds one signed request would try: headers added
/// after signing, a body the signature leaves out, a signature made for another service. Each is refused with AWS's
/// error, and nothing changes.
/// </summary>
public sealed class SignatureCoverageTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    [Fact]
    public async Task Given_a_presigned_PUT_When_sent_with_an_unsigned_copy_source_Then_AccessDenied_and_nothing_is_copied()
    {
        using var s3 = S3Clients.For(platform.App, platform.Root);
        await s3.PutBucketAsync("unsigned-headers");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "unsigned-headers", Key = "secret", ContentBody = "the signer can read this" });
        var url = await s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = "unsigned-headers", Key = "upload", Verb = HttpVerb.PUT, Expires = DateTime.UtcNow.AddMinutes(10), Protocol = Protocol.HTTP,
        });
        using var raw = S3Clients.RawClient(platform.App);

        foreach (var (name, value) in new[] { ("x-amz-copy-source", "unsigned-headers/secret"), ("x-amz-meta-owner", "attacker"), ("x-amz-server-side-encryption", "AES256") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent("body"u8.ToArray()) };
            request.Headers.TryAddWithoutValidation(name, value);
            var response = await raw.SendAsync(request);
            await S3ErrorTests.AssertS3ErrorAsync(response, HttpStatusCode.Forbidden, "AccessDenied");
            Assert.Contains("headers present in the request which were not signed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var absent = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync("unsigned-headers", "upload"));
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);

        // The same URL without the extra header still works: the refusal is the header's, not the URL's.
        var plain = await raw.PutAsync(url, new ByteArrayContent("body"u8.ToArray()));
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
    }

    [Fact]
    public async Task Given_a_presigned_PUT_When_sent_with_an_unsigned_Content_MD5_Then_AccessDenied_as_S3_and_an_unsigned_Content_Type_is_taken()
    {
        using var s3 = S3Clients.For(platform.App, platform.Root);
        await s3.PutBucketAsync("unsigned-md5");
        var url = await s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = "unsigned-md5", Key = "upload", Verb = HttpVerb.PUT, Expires = DateTime.UtcNow.AddMinutes(10), Protocol = Protocol.HTTP,
        });
        using var raw = S3Clients.RawClient(platform.App);
        var body = "body"u8.ToArray();

        using var withMd5 = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(body) };
        withMd5.Content.Headers.ContentMD5 = S3ObjectTests.Md5(body);
        var refused = await raw.SendAsync(withMd5);
        await S3ErrorTests.AssertS3ErrorAsync(refused, HttpStatusCode.Forbidden, "AccessDenied");
        Assert.Contains("which were not signed: content-md5", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var absent = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync("unsigned-md5", "upload"));
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);

        // S3 takes an unsigned Content-Type on a presigned PUT (browsers send one): so does this server.
        using var withType = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(body) };
        withType.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(withType)).StatusCode);
    }

    [Fact]
    public async Task Given_a_header_signed_PUT_When_Content_MD5_is_added_after_signing_Then_AccessDenied_on_the_S3_port_and_the_native_API()
    {
        using var s3 = S3Clients.For(platform.App, platform.Root);
        await s3.PutBucketAsync("added-md5");
        var md5 = Convert.ToBase64String(S3ObjectTests.Md5("body"u8.ToArray()));

        using var s3Port = new HttpClient(new SdkSigningHandler(platform.Root, "s3")
        {
            InnerHandler = new AddContentHeaderHandler(platform.App.Server.CreateHandler(), "Content-MD5", md5),
        }) { BaseAddress = S3Clients.TestServerEndpoint };
        var onPort = await s3Port.PutAsync("/added-md5/port", new ByteArrayContent("body"u8.ToArray()));
        await S3ErrorTests.AssertS3ErrorAsync(onPort, HttpStatusCode.Forbidden, "AccessDenied");

        using var native = new HttpClient(new SdkSigningHandler(platform.Root)
        {
            InnerHandler = new AddContentHeaderHandler(platform.App.Server.CreateHandler(), "Content-MD5", md5),
        }) { BaseAddress = new Uri("http://localhost") };
        var onNative = await native.PutAsync("/api/v1/s3/added-md5/native", new ByteArrayContent("body"u8.ToArray()));
        var error = await onNative.AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        Assert.EndsWith("which were not signed: content-md5", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "added-md5" });
        Assert.Empty(listed.S3Objects ?? []);

        // Signed, the same header is taken: the SDK signs Content-MD5 with the rest.
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "added-md5", Key = "signed", ContentBody = "body", MD5Digest = md5 });
    }

    [Fact]
    public async Task Given_a_header_signed_PUT_When_a_header_is_added_after_signing_Then_AccessDenied_on_the_S3_port_and_the_native_API()
    {
        using var s3 = S3Clients.For(platform.App, platform.Root);
        await s3.PutBucketAsync("added-headers");

        using var s3Port = new HttpClient(new SdkSigningHandler(platform.Root, "s3")
        {
            InnerHandler = new AddHeaderHandler(platform.App.Server.CreateHandler(), "x-amz-meta-added", "after signing"),
        }) { BaseAddress = S3Clients.TestServerEndpoint };
        var onPort = await s3Port.PutAsync("/added-headers/port", new ByteArrayContent("body"u8.ToArray()));
        await S3ErrorTests.AssertS3ErrorAsync(onPort, HttpStatusCode.Forbidden, "AccessDenied");

        using var native = new HttpClient(new SdkSigningHandler(platform.Root)
        {
            InnerHandler = new AddHeaderHandler(platform.App.Server.CreateHandler(), "x-amz-copy-source", "added-headers/port"),
        }) { BaseAddress = new Uri("http://localhost") };
        var onNative = await native.PutAsync("/api/v1/s3/added-headers/native", new ByteArrayContent("body"u8.ToArray()));
        await onNative.AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");

        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "added-headers" });
        Assert.Empty(listed.S3Objects ?? []);
    }

    [Theory]
    [InlineData("UNSIGNED-PAYLOAD")]
    [InlineData("STREAMING-AWS4-HMAC-SHA256-PAYLOAD")]
    [InlineData("STREAMING-UNSIGNED-PAYLOAD-TRAILER")]
    public async Task Given_a_native_request_whose_declared_payload_hash_is_not_the_bodys_When_its_body_is_replaced_Then_XAmzContentSHA256Mismatch(string declared)
    {
        var name = "sg-" + Guid.NewGuid().ToString("N")[..8];
        using var client = new HttpClient(new SdkSigningHandler(platform.Root)
        {
            InnerHandler = new SwapBodyHandler(platform.App.Server.CreateHandler(), $$"""{"user_name":"{{name}}-swapped"}"""),
        }) { BaseAddress = new Uri("http://localhost") };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/iam/users")
        {
            Content = new StringContent($$"""{"user_name":"{{name}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("X-Amz-Content-SHA256", declared);
        await (await client.SendAsync(request)).AssertErrorAsync(HttpStatusCode.BadRequest, "XAmzContentSHA256Mismatch");
        Assert.DoesNotContain(await platform.RootClient().UserNamesAsync(), n => n.StartsWith(name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Given_an_image_part_When_uploaded_with_UNSIGNED_PAYLOAD_Then_refused_since_only_S3_objects_may_leave_the_body_unsigned()
    {
        using var ec2 = platform.RootClient();
        var image = await (await ec2.PostJsonAsync("/api/v1/ec2/images", new { name = "unsigned-" + Guid.NewGuid().ToString("N")[..8], format = "kernel" })).AssertOkAsync();
        var id = image.GetProperty("image_id").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/ec2/images/{id}/kernel") { Content = new ByteArrayContent("kernel"u8.ToArray()) };
        request.Headers.TryAddWithoutValidation("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD");
        await (await ec2.SendAsync(request)).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidArgument");
    }

    [Theory]
    [InlineData("ec2", "/api/v1/iam/users")]
    [InlineData("s3", "/api/v1/iam/users")]
    [InlineData("foo", "/api/v1/iam/users")]
    [InlineData("iam", "/api/v1/ec2/instances")]
    [InlineData("iam", "/api/v1/vpc/vpcs")]
    [InlineData("ec2", "/api/v1/s3")]
    public async Task Given_a_signature_scoped_to_another_service_Then_SignatureDoesNotMatch(string service, string path)
    {
        using var client = platform.App.SignedClient(platform.Root, service);
        var response = await client.GetAsync(path);
        var error = await response.AssertErrorAsync(HttpStatusCode.Forbidden, "SignatureDoesNotMatch");
        Assert.Contains("Credential should be scoped to correct service", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        if (path == "/api/v1/s3")
        {
            return;
        }

        // A change, too: nothing is made.
        var name = "scoped-" + Guid.NewGuid().ToString("N")[..8];
        await (await client.PostJsonAsync(path, new { user_name = name, cidr_block = "10.9.0.0/16" })).AssertErrorAsync(HttpStatusCode.Forbidden, "SignatureDoesNotMatch");
        Assert.DoesNotContain(name, await platform.RootClient().UserNamesAsync());
    }

    [Fact]
    public async Task Given_the_S3_port_When_signed_for_another_service_Then_S3s_malformed_credential_errors()
    {
        using var s3 = S3Clients.For(platform.App, platform.Root);
        await s3.PutBucketAsync("scoped");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "scoped", Key = "k", ContentBody = "x" });

        using var signedForEc2 = new HttpClient(new SdkSigningHandler(platform.Root, "ec2") { InnerHandler = platform.App.Server.CreateHandler() })
        {
            BaseAddress = S3Clients.TestServerEndpoint,
        };
        await S3ErrorTests.AssertS3ErrorAsync(await signedForEc2.GetAsync("/scoped/k"), HttpStatusCode.BadRequest, "AuthorizationHeaderMalformed");

        using var raw = S3Clients.RawClient(platform.App);
        var presignedForIam = SdkRequests.Presign(S3Clients.TestServerEndpoint, "/scoped/k", platform.Root, TimeSpan.FromMinutes(5), service: "iam");
        await S3ErrorTests.AssertS3ErrorAsync(await raw.GetAsync(presignedForIam), HttpStatusCode.BadRequest, "AuthorizationQueryParametersError");
    }

    [Fact]
    public void Every_signed_endpoint_names_the_service_its_signatures_must_be_scoped_to()
    {
        var endpoints = platform.App.Services.GetRequiredService<EndpointDataSource>().Endpoints;
        var unnamed = endpoints
            .Where(e => e.Metadata.GetMetadata<SigningService>() is null && e.Metadata.GetMetadata<SigningServiceSet>() is null
                && e.Metadata.GetMetadata<HostAuthenticatedEndpoint>() is null)
            .Where(e => !e.Metadata.Any(m => m.GetType().Name == "AnonymousEndpoint"))
            .Select(e => e.DisplayName)
            .ToList();
        Assert.Empty(unnamed);
        Assert.Contains(endpoints, e => e.Metadata.GetMetadata<SigningService>()?.Name == "ec2");
        // The query endpoint (POST /) names the services of the action tables the modules registered, and no other; the
        // Smithy RPC v2 CBOR endpoint (POST /service/{service}/operation/{operation}) only those that also speak it.
        var sets = endpoints.Where(e => e.Metadata.GetMetadata<SigningServiceSet>() is not null)
            .ToDictionary(e => ((RouteEndpoint)e).RoutePattern.RawText!, e => e.Metadata.GetMetadata<SigningServiceSet>()!.Names);
        Assert.Equal(2, sets.Count);
        Assert.Equal(["autoscaling", "ec2", "elasticloadbalancing", "iam", "monitoring", "rds", "sts"], sets["/"]);
        Assert.Equal(["monitoring"], Assert.Single(sets, s => s.Key.StartsWith("/service/", StringComparison.Ordinal)).Value);
    }

    /// <summary>Adds a header after the request was signed, as a client holding someone's signed request would.</summary>
    /// <summary>Adds a representation header (Content-MD5, Content-Type) after the signer ran, as a party in the middle would.</summary>
    private sealed class AddContentHeaderHandler(HttpMessageHandler inner, string name, string value) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Content!.Headers.TryAddWithoutValidation(name, value);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class AddHeaderHandler(HttpMessageHandler inner, string name, string value) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation(name, value);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
