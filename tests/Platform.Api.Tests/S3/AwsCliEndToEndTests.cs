using System.Net;
using System.Security.Cryptography;
using Amazon.S3.Model;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>
/// Debian's awscli (/usr/bin/aws, installed by deploy/install-prerequisites.sh; not the one pyenv may put first
/// on the PATH) against the API running as its own process: a 100 MiB copy up (multipart) and down, ls, sync, rm, presign.
/// </summary>
public sealed class AwsCliEndToEndTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("platform-awscli-").FullName;
    private ApiProcess _api = null!;

    public async Task InitializeAsync() => _api = await ApiProcess.StartAsync(Path.Combine(_work, "data"));

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Given_the_running_API_When_awscli_copies_lists_syncs_removes_and_presigns_Then_bytes_come_back_identical()
    {
        await AwsAsync("s3", "mb", "s3://cli-bucket");

        var big = Path.Combine(_work, "big.bin");
        await using (var file = File.Create(big))
        {
            var block = new byte[1024 * 1024];
            for (var i = 0; i < 100; i++)
            {
                RandomNumberGenerator.Fill(block);
                await file.WriteAsync(block);
            }
        }

        await AwsAsync("s3", "cp", big, "s3://cli-bucket/dir/big.bin");
        var back = Path.Combine(_work, "back.bin");
        await AwsAsync("s3", "cp", "s3://cli-bucket/dir/big.bin", back);
        Assert.Equal(await HashAsync(big), await HashAsync(back));

        // Above 8 MiB awscli uploads in parts: the ETag says how many.
        using var s3 = S3Clients.For(_api.S3Address, _api.RootCredentials());
        var head = await s3.GetObjectMetadataAsync("cli-bucket", "dir/big.bin");
        Assert.EndsWith("-13\"", head.ETag);
        Assert.Equal(100L * 1024 * 1024, head.ContentLength);

        var listing = await AwsAsync("s3", "ls", "s3://cli-bucket/dir/");
        Assert.Contains("big.bin", listing);
        Assert.Contains((100L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), listing);

        var local = Directory.CreateDirectory(Path.Combine(_work, "tree")).FullName;
        Directory.CreateDirectory(Path.Combine(local, "sub dir"));
        await File.WriteAllTextAsync(Path.Combine(local, "a.txt"), "alpha");
        await File.WriteAllTextAsync(Path.Combine(local, "sub dir", "b+c=d.txt"), "beta");
        await File.WriteAllBytesAsync(Path.Combine(local, "sub dir", "c.bin"), RandomNumberGenerator.GetBytes(9 * 1024 * 1024));
        await AwsAsync("s3", "sync", local, "s3://cli-bucket/tree/");
        var copy = Path.Combine(_work, "tree-back");
        await AwsAsync("s3", "sync", "s3://cli-bucket/tree/", copy);
        foreach (var path in new[] { "a.txt", "sub dir/b+c=d.txt", "sub dir/c.bin" })
        {
            Assert.Equal(await HashAsync(Path.Combine(local, path)), await HashAsync(Path.Combine(copy, path)));
        }

        var second = await AwsAsync("s3", "sync", local, "s3://cli-bucket/tree/");
        Assert.DoesNotContain("upload:", second);

        var url = (await AwsAsync("s3", "presign", "s3://cli-bucket/tree/a.txt", "--expires-in", "300")).Trim();
        using var http = new HttpClient();
        var presigned = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, presigned.StatusCode);
        Assert.Equal("alpha", await presigned.Content.ReadAsStringAsync());

        await AwsAsync("s3", "rm", "s3://cli-bucket/dir/big.bin");
        await AwsAsync("s3", "rm", "--recursive", "s3://cli-bucket/tree/");
        var empty = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "cli-bucket" });
        Assert.Empty(empty.S3Objects ?? []);
        await AwsAsync("s3", "rb", "s3://cli-bucket");
    }

    private async Task<string> AwsAsync(params string[] arguments) => (await AwsCli.RunAsync(AwsCli.Debian, _api, _work, null, arguments)).Output;

    private static async Task<string> HashAsync(string path)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
    }
}
