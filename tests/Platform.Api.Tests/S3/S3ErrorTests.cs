using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>Bad inputs each get S3's exact error code and status, and change nothing.</summary>
public sealed class S3ErrorTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    private AmazonS3Client Client() => S3Clients.For(platform.App, platform.Root);

    [Theory]
    [InlineData("ab")]
    [InlineData("Upper-Case")]
    [InlineData("under_score")]
    [InlineData("192.168.5.4")]
    [InlineData("double..dot")]
    public async Task Given_a_bad_bucket_name_When_created_Then_InvalidBucketName_and_no_bucket(string name)
    {
        using var s3 = Client();
        var error = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutBucketAsync(name));
        Assert.Equal("InvalidBucketName", error.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.DoesNotContain((await s3.ListBucketsAsync()).Buckets ?? [], b => b.BucketName == name);
    }

    [Fact]
    public async Task Given_a_wrong_Content_MD5_When_put_Then_BadDigest_and_the_old_object_stays()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("bad-digest");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "bad-digest", Key = "k", ContentBody = "original" });

        var error = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = "bad-digest", Key = "k", ContentBody = "replacement", MD5Digest = Convert.ToBase64String(S3ObjectTests.Md5(Encoding.UTF8.GetBytes("other"))),
        }));
        Assert.Equal("BadDigest", error.ErrorCode);
        using var get = await s3.GetObjectAsync("bad-digest", "k");
        Assert.Equal("original", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(get.ResponseStream)));
    }

    [Fact]
    public async Task Given_a_body_that_is_not_what_x_amz_content_sha256_says_When_put_Then_XAmzContentSHA256Mismatch_and_nothing_stored()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("sha-mismatch");
        using var raw = S3Clients.RawClient(platform.App);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/sha-mismatch/k") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("tampered")) };
        // Signed over one body, sent with another: the signature holds, the payload hash does not.
        using var signedFor = new HttpRequestMessage(HttpMethod.Put, new Uri(S3Clients.TestServerEndpoint, "/sha-mismatch/k")) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("original")) };
        await SignOnlyAsync(signedFor);
        foreach (var header in signedFor.Headers)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        var response = await raw.SendAsync(request);
        await AssertS3ErrorAsync(response, HttpStatusCode.BadRequest, "XAmzContentSHA256Mismatch");
        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync("sha-mismatch", "k"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Given_a_wrong_secret_When_signing_Then_SignatureDoesNotMatch_and_nothing_stored()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("bad-signature");
        using var forged = S3Clients.For(platform.App, platform.Root with { SecretAccessKey = "not-the-secret-key-at-all-00000000000000" });
        var error = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
            forged.PutObjectAsync(new PutObjectRequest { BucketName = "bad-signature", Key = "k", ContentBody = "x" }));
        Assert.Equal("SignatureDoesNotMatch", error.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Empty((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "bad-signature" })).S3Objects ?? []);
    }

    [Fact]
    public async Task Given_missing_buckets_keys_and_long_keys_Then_NoSuchBucket_NoSuchKey_KeyTooLongError()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("missing-things");
        var noBucket = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutObjectAsync(new PutObjectRequest { BucketName = "no-such-bucket-here", Key = "k", ContentBody = "x" }));
        Assert.Equal("NoSuchBucket", noBucket.ErrorCode);
        Assert.Equal(HttpStatusCode.NotFound, noBucket.StatusCode);

        var noKey = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectAsync("missing-things", "nope"));
        Assert.Equal("NoSuchKey", noKey.ErrorCode);

        var tooLong = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
            s3.PutObjectAsync(new PutObjectRequest { BucketName = "missing-things", Key = new string('k', 1025), ContentBody = "x" }));
        Assert.Equal("KeyTooLongError", tooLong.ErrorCode);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "missing-things", Key = new string('é', 512), ContentBody = "1024 bytes of UTF-8" });
        Assert.Equal([new string('é', 512)], (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "missing-things" })).S3Objects.Select(o => o.Key));
    }

    [Fact]
    public async Task Given_buckets_When_created_twice_or_deleted_with_objects_Then_S3s_conflicts()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("conflicts");
        // One's own bucket again: 200 in us-east-1, as S3 there (S3RoutingTests; elsewhere BucketAlreadyOwnedByYou).
        Assert.Equal(HttpStatusCode.OK, (await s3.PutBucketAsync("conflicts")).HttpStatusCode);

        using var management = platform.RootClient();
        var other = await management.CreateAccountAsync("s3-conflicts-other");
        using var otherS3 = S3Clients.For(platform.App, other);
        var taken = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => otherS3.PutBucketAsync("conflicts"));
        Assert.Equal("BucketAlreadyExists", taken.ErrorCode);

        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "conflicts", Key = "k", ContentBody = "x" });
        var notEmpty = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.DeleteBucketAsync("conflicts"));
        Assert.Equal("BucketNotEmpty", notEmpty.ErrorCode);
        await s3.DeleteObjectAsync("conflicts", "k");
        await s3.DeleteBucketAsync("conflicts");
        var gone = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync("conflicts", "k"));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    private async Task SignOnlyAsync(HttpRequestMessage request)
    {
        using var capture = new CaptureHandler();
        using var signer = new SdkSigningHandler(platform.Root, "s3") { InnerHandler = capture };
        using var invoker = new HttpMessageInvoker(signer);
        await invoker.SendAsync(request, CancellationToken.None);
    }

    internal static async Task AssertS3ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        var error = System.Xml.Linq.XElement.Parse(body);
        Assert.Equal("Error", error.Name.LocalName);
        Assert.Equal(code, error.Element("Code")?.Value);
        Assert.Equal(response.Headers.GetValues("x-amz-request-id").Single(), error.Element("RequestId")?.Value);
    }

    /// <summary>Ends the chain without sending: the request keeps the headers the signer added.</summary>
    private sealed class CaptureHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
    }
}
