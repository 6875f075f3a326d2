using System.Text;
using Amazon.S3.Model;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>With a base domain configured, <c>{bucket}.{domain}</c> addresses the bucket; path style keeps working beside it.</summary>
public sealed class VirtualHostedStyleTests : IDisposable
{
    private const string Domain = "s3.platform.test";
    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?> { ["Storage:S3:BaseDomain"] = Domain });

    [Fact]
    public async Task Given_a_base_domain_When_the_SDK_uses_virtual_hosted_style_Then_buckets_are_found_by_host()
    {
        using var hosted = S3Clients.VirtualHosted(_app, _app.RootCredentials, Domain);
        await hosted.PutBucketAsync("hosted-bucket");
        await hosted.PutObjectAsync(new PutObjectRequest { BucketName = "hosted-bucket", Key = "a/b.txt", ContentBody = "by host" });
        var listing = await hosted.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "hosted-bucket" });
        Assert.Equal(["a/b.txt"], listing.S3Objects.Select(o => o.Key));

        using var pathStyle = S3Clients.For(_app, _app.RootCredentials);
        using var get = await pathStyle.GetObjectAsync("hosted-bucket", "a/b.txt");
        Assert.Equal("by host", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(get.ResponseStream)));
    }

    public void Dispose()
    {
        _app.Dispose();
        Directory.Delete(_app.DataDirectory, recursive: true);
    }
}
