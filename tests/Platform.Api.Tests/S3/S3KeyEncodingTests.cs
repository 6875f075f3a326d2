using System.Net;
using System.Text;
using Amazon.S3.Model;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>
/// Keys are the path's UTF-8, decoded strictly on both listeners of a real API process (the in-memory test server keeps
/// no request target): an escape that is not UTF-8 is S3's 400 InvalidURI with an error body, never a key of its own.
/// Before, <c>a%FF</c> was stored as the literal text "a%FF", the key that <c>a%25FF</c> names, and overwrote it.
/// </summary>
public sealed class S3KeyEncodingTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("platform-keys-").FullName;
    private ApiProcess _api = null!;
    private TestCredentials _root = null!;

    public async Task InitializeAsync()
    {
        _api = await ApiProcess.StartAsync(Path.Combine(_work, "data"));
        _root = _api.RootCredentials();
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    /// <summary>A lone continuation byte, an overlong '/', a surrogate, a truncated sequence.</summary>
    public static TheoryData<string> BadEscapes => new() { "a%FF", "a%C0%AF", "a%ED%A0%80", "a%E2%82" };

    [Theory]
    [MemberData(nameof(BadEscapes))]
    public async Task Given_a_key_whose_escapes_are_not_UTF8_Then_InvalidURI_on_both_listeners_and_the_key_they_spelled_before_is_kept(string wireKey)
    {
        var bucket = "escapes-" + Guid.NewGuid().ToString("N")[..8];
        using var s3 = S3Clients.For(_api.S3Address, _root);
        await s3.PutBucketAsync(bucket);
        // The text the escapes were stored as before: the key they collided with.
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = wireKey, ContentBody = "original" });

        using var s3Port = new HttpClient(new SdkSigningHandler(_root, "s3") { InnerHandler = _api.CreateHandler() }) { BaseAddress = _api.S3Address };
        var onPort = await s3Port.PutAsync($"/{bucket}/{wireKey}", new ByteArrayContent("replacement"u8.ToArray()));
        await S3ErrorTests.AssertS3ErrorAsync(onPort, HttpStatusCode.BadRequest, "InvalidURI");
        Assert.Contains("Couldn't parse the specified URI.", await onPort.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var native = new HttpClient(new SdkSigningHandler(_root) { InnerHandler = _api.CreateHandler() }) { BaseAddress = _api.BaseAddress };
        var error = await (await native.PutAsync($"/api/v1/s3/{bucket}/{wireKey}", new ByteArrayContent("replacement"u8.ToArray())))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidURI");
        Assert.Equal("Couldn't parse the specified URI.", error.GetProperty("message").GetString());
        await (await native.GetAsync($"/api/v1/s3/{bucket}/{wireKey}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidURI");

        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        Assert.Equal([wireKey], (listed.S3Objects ?? []).Select(o => o.Key));
        using var kept = await s3.GetObjectAsync(bucket, wireKey);
        Assert.Equal("original", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(kept.ResponseStream)));
    }

    [Fact]
    public async Task Given_a_copy_source_whose_escapes_are_not_UTF8_Then_InvalidArgument_and_nothing_is_copied()
    {
        using var s3 = S3Clients.For(_api.S3Address, _root);
        await s3.PutBucketAsync("copy-escapes");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "copy-escapes", Key = "a%FF", ContentBody = "source" });
        using var signed = new HttpClient(new SdkSigningHandler(_root, "s3") { InnerHandler = _api.CreateHandler() }) { BaseAddress = _api.S3Address };
        using var copy = new HttpRequestMessage(HttpMethod.Put, "/copy-escapes/target");
        copy.Headers.TryAddWithoutValidation("x-amz-copy-source", "copy-escapes/a%FF");
        await S3ErrorTests.AssertS3ErrorAsync(await signed.SendAsync(copy), HttpStatusCode.BadRequest, "InvalidArgument");

        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "copy-escapes" });
        Assert.Equal(["a%FF"], (listed.S3Objects ?? []).Select(o => o.Key));
    }

    [Fact]
    public async Task Given_well_formed_UTF8_escapes_Then_the_key_is_the_decoded_text_on_both_listeners()
    {
        // The control: strictness refuses only what cannot be decoded.
        using var s3 = S3Clients.For(_api.S3Address, _root);
        await s3.PutBucketAsync("good-escapes");
        using var native = new HttpClient(new SdkSigningHandler(_root) { InnerHandler = _api.CreateHandler() }) { BaseAddress = _api.BaseAddress };
        await (await native.PutAsync("/api/v1/s3/good-escapes/caf%C3%A9%20%F0%9F%98%80", new ByteArrayContent("x"u8.ToArray()))).AssertOkAsync();
        using var s3Port = new HttpClient(new SdkSigningHandler(_root, "s3") { InnerHandler = _api.CreateHandler() }) { BaseAddress = _api.S3Address };
        Assert.Equal(HttpStatusCode.OK, (await s3Port.PutAsync("/good-escapes/na%C3%AFve", new ByteArrayContent("y"u8.ToArray()))).StatusCode);
        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "good-escapes" });
        Assert.Equal(["caf\u00e9 \U0001F600", "na\u00efve"], (listed.S3Objects ?? []).Select(o => o.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Given_a_NUL_in_a_key_Then_InvalidURI_with_S3s_error_body_and_nothing_is_stored()
    {
        // Kestrel refuses %00 in a path itself, before the API; ServerRefusals puts S3's error document into its answer.
        using var s3 = S3Clients.For(_api.S3Address, _root);
        await s3.PutBucketAsync("nul-keys");
        using var s3Port = new HttpClient(new SdkSigningHandler(_root, "s3") { InnerHandler = _api.CreateHandler() }) { BaseAddress = _api.S3Address };
        using var refused = await s3Port.PutAsync("/nul-keys/a%00b", new ByteArrayContent("x"u8.ToArray()));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Contains("<Code>InvalidURI</Code>", body, StringComparison.Ordinal);
        Assert.Contains($"<RequestId>{Assert.Single(refused.Headers.GetValues("x-amz-request-id"))}</RequestId>", body, StringComparison.Ordinal);
        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "nul-keys" });
        Assert.Empty(listed.S3Objects ?? []);
    }
}
