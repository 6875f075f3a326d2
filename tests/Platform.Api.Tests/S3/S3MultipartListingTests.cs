using Amazon.S3;
using Amazon.S3.Model;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>ListMultipartUploads through the AWS SDK for .NET: order, prefix, delimiter, markers and paging as S3 gives them.</summary>
public sealed class S3MultipartListingTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    private AmazonS3Client Client() => S3Clients.For(platform.App, platform.Root);

    [Fact]
    public async Task Given_uploads_in_progress_When_listed_a_page_at_a_time_Then_every_upload_comes_once_by_key_then_initiation_and_the_markers_page()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("list-uploads");
        var started = new List<(string Key, string UploadId)>();
        foreach (var key in new[] { "b", "a/2", "a/1", "c/d/e", "a/1", "photos/2024/x.jpg", "z", "a/1" })
        {
            var created = await s3.InitiateMultipartUploadAsync("list-uploads", key);
            started.Add((key, created.UploadId));
        }

        // S3's order: by key, and one key's uploads oldest first.
        var expected = started.Select((u, i) => (u.Key, u.UploadId, i)).OrderBy(u => u.Key, StringComparer.Ordinal).ThenBy(u => u.i)
            .Select(u => (u.Key, u.UploadId)).ToList();
        var all = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = "list-uploads" });
        Assert.Equal(expected, all.MultipartUploads.Select(u => (u.Key, u.UploadId)));
        Assert.False(all.IsTruncated);

        var paged = new List<(string, string)>();
        string? keyMarker = null, idMarker = null;
        var pages = 0;
        while (true)
        {
            var page = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
            {
                BucketName = "list-uploads", MaxUploads = 3, KeyMarker = keyMarker, UploadIdMarker = idMarker,
            });
            pages++;
            Assert.True(page.MultipartUploads.Count <= 3);
            paged.AddRange(page.MultipartUploads.Select(u => (u.Key, u.UploadId)));
            if (page.IsTruncated != true)
            {
                break;
            }

            Assert.Equal(page.MultipartUploads[^1].Key, page.NextKeyMarker);
            Assert.Equal(page.MultipartUploads[^1].UploadId, page.NextUploadIdMarker);
            (keyMarker, idMarker) = (page.NextKeyMarker, page.NextUploadIdMarker);
        }

        Assert.Equal(expected, paged);
        Assert.Equal(3, pages);

        // A key marker alone skips that key's uploads; with an upload id, only that key's uploads up to it.
        var afterA1 = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = "list-uploads", KeyMarker = "a/1" });
        Assert.Equal(expected.Where(u => string.CompareOrdinal(u.Key, "a/1") > 0), afterA1.MultipartUploads.Select(u => (u.Key, u.UploadId)));
        var a1 = expected.Where(u => u.Key == "a/1").ToList();
        var afterFirstA1 = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
        {
            BucketName = "list-uploads", KeyMarker = "a/1", UploadIdMarker = a1[0].UploadId,
        });
        Assert.Equal(expected.Skip(1), afterFirstA1.MultipartUploads.Select(u => (u.Key, u.UploadId)));

        var underA = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = "list-uploads", Prefix = "a/" });
        Assert.Equal(expected.Where(u => u.Key.StartsWith("a/", StringComparison.Ordinal)), underA.MultipartUploads.Select(u => (u.Key, u.UploadId)));

        // With a delimiter, keys below it roll up into common prefixes, each counted as one entry of a page.
        var rolled = new List<string>();
        var prefixes = new List<string>();
        keyMarker = idMarker = null;
        while (true)
        {
            var page = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
            {
                BucketName = "list-uploads", Delimiter = "/", MaxUploads = 2, KeyMarker = keyMarker, UploadIdMarker = idMarker,
            });
            Assert.True((page.MultipartUploads?.Count ?? 0) + (page.CommonPrefixes?.Count ?? 0) <= 2);
            rolled.AddRange(page.MultipartUploads?.Select(u => u.Key) ?? []);
            prefixes.AddRange(page.CommonPrefixes ?? []);
            if (page.IsTruncated != true)
            {
                break;
            }

            (keyMarker, idMarker) = (page.NextKeyMarker, page.NextUploadIdMarker);
        }

        Assert.Equal(["b", "z"], rolled);
        Assert.Equal(["a/", "c/", "photos/"], prefixes);

        var nested = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = "list-uploads", Prefix = "photos/", Delimiter = "/" });
        Assert.Equal(["photos/2024/"], nested.CommonPrefixes);
        Assert.Empty(nested.MultipartUploads ?? []);
    }

    [Fact]
    public async Task Given_more_uploads_under_one_prefix_than_a_page_When_listed_with_a_delimiter_Then_they_are_one_common_prefix_and_the_key_after_them_follows()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("many-uploads");
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(Enumerable.Range(0, 1100).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                await s3.InitiateMultipartUploadAsync("many-uploads", $"many/{i:D4}");
            }
            finally
            {
                gate.Release();
            }
        }));
        var last = await s3.InitiateMultipartUploadAsync("many-uploads", "zz");

        var rolled = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = "many-uploads", Delimiter = "/" });
        Assert.Equal(["many/"], rolled.CommonPrefixes);
        Assert.Equal([("zz", last.UploadId)], rolled.MultipartUploads.Select(u => (u.Key, u.UploadId)));
        Assert.False(rolled.IsTruncated);

        // Without a delimiter a page holds at most 1,000, the rest follow the markers.
        var first = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = "many-uploads" });
        Assert.Equal(1000, first.MultipartUploads.Count);
        Assert.True(first.IsTruncated);
        Assert.Equal("many/0999", first.NextKeyMarker);
        var second = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
        {
            BucketName = "many-uploads", KeyMarker = first.NextKeyMarker, UploadIdMarker = first.NextUploadIdMarker,
        });
        Assert.Equal(101, second.MultipartUploads.Count);
        Assert.Equal("many/1000", second.MultipartUploads[0].Key);
        Assert.Equal("zz", second.MultipartUploads[^1].Key);
        Assert.False(second.IsTruncated);
    }
}
