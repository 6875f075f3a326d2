using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>S3's rules on conditions, copies and metadata, through the AWS SDK for .NET: each refusal with S3's code, changing nothing.</summary>
public sealed class S3ObjectRuleTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    private AmazonS3Client Client() => S3Clients.For(platform.App, platform.Root);

    [Fact]
    public async Task Given_an_object_When_got_with_If_Unmodified_Since_Then_an_earlier_date_fails_unless_If_Match_holds()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("unmodified-since");
        var put = await s3.PutObjectAsync(new PutObjectRequest { BucketName = "unmodified-since", Key = "k", ContentBody = "hello" });
        var head = await s3.GetObjectMetadataAsync("unmodified-since", "k");

        using (var later = await s3.GetObjectAsync(new GetObjectRequest
        {
            BucketName = "unmodified-since", Key = "k", UnmodifiedSinceDate = head.LastModified!.Value.AddMinutes(1),
        }))
        {
            Assert.Equal(HttpStatusCode.OK, later.HttpStatusCode);
        }

        // The very second it was modified is not after it: the condition holds.
        using (var same = await s3.GetObjectAsync(new GetObjectRequest { BucketName = "unmodified-since", Key = "k", UnmodifiedSinceDate = head.LastModified.Value }))
        {
            Assert.Equal(HttpStatusCode.OK, same.HttpStatusCode);
        }

        var earlier = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectAsync(new GetObjectRequest
        {
            BucketName = "unmodified-since", Key = "k", UnmodifiedSinceDate = head.LastModified.Value.AddMinutes(-1),
        }));
        Assert.Equal(HttpStatusCode.PreconditionFailed, earlier.StatusCode);
        Assert.Equal("PreconditionFailed", earlier.ErrorCode);
        var headEarlier = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync(new GetObjectMetadataRequest
        {
            BucketName = "unmodified-since", Key = "k", UnmodifiedSinceDate = head.LastModified.Value.AddMinutes(-1),
        }));
        Assert.Equal(HttpStatusCode.PreconditionFailed, headEarlier.StatusCode);

        // S3 (RFC 7232): If-Match that holds makes a failing If-Unmodified-Since irrelevant.
        using var matched = await s3.GetObjectAsync(new GetObjectRequest
        {
            BucketName = "unmodified-since", Key = "k", EtagToMatch = put.ETag, UnmodifiedSinceDate = head.LastModified.Value.AddMinutes(-1),
        });
        Assert.Equal(HttpStatusCode.OK, matched.HttpStatusCode);

        // The same rule guards a copy's source.
        var copy = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.CopyObjectAsync(new CopyObjectRequest
        {
            SourceBucket = "unmodified-since", SourceKey = "k", DestinationBucket = "unmodified-since", DestinationKey = "copy",
            UnmodifiedSinceDate = head.LastModified.Value.AddMinutes(-1),
        }));
        Assert.Equal("PreconditionFailed", copy.ErrorCode);
        await AssertMissingAsync(s3, "unmodified-since", "copy");
    }

    [Fact]
    public async Task Given_an_object_with_metadata_When_copied_with_COPY_or_REPLACE_Then_the_copy_keeps_the_sources_or_takes_the_requests()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("metadata-directive");
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = "metadata-directive", Key = "source", ContentBody = "body", ContentType = "text/plain",
            Metadata = { ["colour"] = "blue", ["size"] = "small" }, Headers = { CacheControl = "max-age=60" },
        });

        var copied = new CopyObjectRequest
        {
            SourceBucket = "metadata-directive", SourceKey = "source", DestinationBucket = "metadata-directive", DestinationKey = "copied",
            ContentType = "application/json", Metadata = { ["colour"] = "red" },
        };
        await s3.CopyObjectAsync(copied);
        var kept = await s3.GetObjectMetadataAsync("metadata-directive", "copied");
        Assert.Equal("text/plain", kept.Headers.ContentType);
        Assert.Equal("blue", kept.Metadata["colour"]);
        Assert.Equal("small", kept.Metadata["size"]);
        Assert.Equal("max-age=60", kept.Headers.CacheControl);

        await s3.CopyObjectAsync(new CopyObjectRequest
        {
            SourceBucket = "metadata-directive", SourceKey = "source", DestinationBucket = "metadata-directive", DestinationKey = "replaced",
            MetadataDirective = S3MetadataDirective.REPLACE, ContentType = "application/json", Metadata = { ["colour"] = "red" },
        });
        var replaced = await s3.GetObjectMetadataAsync("metadata-directive", "replaced");
        Assert.Equal("application/json", replaced.Headers.ContentType);
        Assert.Equal("red", replaced.Metadata["colour"]);
        Assert.DoesNotContain("x-amz-meta-size", replaced.Metadata.Keys);
        Assert.Null(replaced.Headers.CacheControl);
        using var body = await s3.GetObjectAsync("metadata-directive", "replaced");
        Assert.Equal("body", await new StreamReader(body.ResponseStream).ReadToEndAsync());

        // REPLACE onto itself is how S3 changes an object's metadata in place.
        await s3.CopyObjectAsync(new CopyObjectRequest
        {
            SourceBucket = "metadata-directive", SourceKey = "source", DestinationBucket = "metadata-directive", DestinationKey = "source",
            MetadataDirective = S3MetadataDirective.REPLACE, Metadata = { ["colour"] = "green" },
        });
        Assert.Equal("green", (await s3.GetObjectMetadataAsync("metadata-directive", "source")).Metadata["colour"]);
        var unknown = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.CopyObjectAsync(new CopyObjectRequest
        {
            SourceBucket = "metadata-directive", SourceKey = "source", DestinationBucket = "metadata-directive", DestinationKey = "source",
        }));
        Assert.Equal("InvalidRequest", unknown.ErrorCode);
    }

    [Fact]
    public async Task Given_user_metadata_over_2_KB_When_put_uploaded_or_copied_with_REPLACE_Then_MetadataTooLarge_and_nothing_changes()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("metadata-size");
        // Names without x-amz-meta- and values, in UTF-8 bytes: "a" + 2,047 bytes is the limit; one byte more is over.
        var limit = new string('v', 2047);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "metadata-size", Key = "at-limit", ContentBody = "x", Metadata = { ["a"] = limit } });
        Assert.Equal(limit, (await s3.GetObjectMetadataAsync("metadata-size", "at-limit")).Metadata["a"]);

        var over = new string('v', 2046) + "é";
        var put = await Assert.ThrowsAsync<AmazonS3Exception>(() =>
            s3.PutObjectAsync(new PutObjectRequest { BucketName = "metadata-size", Key = "over", ContentBody = "x", Metadata = { ["a"] = over } }));
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal("MetadataTooLarge", put.ErrorCode);
        await AssertMissingAsync(s3, "metadata-size", "over");

        var multipart = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = "metadata-size", Key = "over", Metadata = { ["one"] = new string('v', 1100), ["two"] = new string('v', 1000) },
        }));
        Assert.Equal("MetadataTooLarge", multipart.ErrorCode);
        Assert.Empty((await s3.ListMultipartUploadsAsync("metadata-size")).MultipartUploads ?? []);

        var copy = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.CopyObjectAsync(new CopyObjectRequest
        {
            SourceBucket = "metadata-size", SourceKey = "at-limit", DestinationBucket = "metadata-size", DestinationKey = "over",
            MetadataDirective = S3MetadataDirective.REPLACE, Metadata = { ["a"] = over },
        }));
        Assert.Equal("MetadataTooLarge", copy.ErrorCode);
        await AssertMissingAsync(s3, "metadata-size", "over");
    }

    [Fact]
    public async Task Given_a_source_over_5_GiB_When_copied_whole_Then_InvalidRequest_while_a_range_of_it_copies_into_a_part()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("copy-limit");
        var content = Encoding.ASCII.GetBytes(new string('z', 6 * 1024 * 1024));
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "copy-limit", Key = "huge", InputStream = new MemoryStream(content) });
        // Writing 6 GiB would take a test minutes: the object's metadata says so instead. The refusal reads no byte.
        Assert.Equal(1, await Database.ExecuteAsync(platform.App.DatabasePath,
            "UPDATE storage_s3_objects SET size = $size WHERE bucket_name = 'copy-limit' AND object_key = 'huge'", ("$size", 6L * 1024 * 1024 * 1024)));

        var copy = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.CopyObjectAsync("copy-limit", "huge", "copy-limit", "copy"));
        Assert.Equal(HttpStatusCode.BadRequest, copy.StatusCode);
        Assert.Equal("InvalidRequest", copy.ErrorCode);
        Assert.Equal("The specified copy source is larger than the maximum allowable size for a copy source: 5368709120", copy.Message);
        await AssertMissingAsync(s3, "copy-limit", "copy");

        var upload = await s3.InitiateMultipartUploadAsync("copy-limit", "parts");
        var whole = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.CopyPartAsync(new CopyPartRequest
        {
            SourceBucket = "copy-limit", SourceKey = "huge", DestinationBucket = "copy-limit", DestinationKey = "parts", UploadId = upload.UploadId, PartNumber = 1,
        }));
        Assert.Equal("InvalidRequest", whole.ErrorCode);
        var range = await s3.CopyPartAsync(new CopyPartRequest
        {
            SourceBucket = "copy-limit", SourceKey = "huge", DestinationBucket = "copy-limit", DestinationKey = "parts", UploadId = upload.UploadId, PartNumber = 1,
            FirstByte = 0, LastByte = content.Length - 1,
        });
        var completed = await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "copy-limit", Key = "parts", UploadId = upload.UploadId, PartETags = [new PartETag(1, range.ETag)],
        });
        Assert.EndsWith("-1\"", completed.ETag);
        Assert.Equal(content.Length, (await s3.GetObjectMetadataAsync("copy-limit", "parts")).ContentLength);
    }

    private static async Task AssertMissingAsync(AmazonS3Client s3, string bucket, string key)
    {
        var missing = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync(bucket, key));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
