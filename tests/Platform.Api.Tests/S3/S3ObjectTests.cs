using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>The S3 REST API driven by the AWS SDK for .NET: objects, ranges, conditions, copies, deletes.</summary>
public sealed class S3ObjectTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    private AmazonS3Client Client() => S3Clients.For(platform.App, platform.Root);

    private static async Task<string> NewBucketAsync(AmazonS3Client s3, string name)
    {
        await s3.PutBucketAsync(name);
        return name;
    }

    [Fact]
    public async Task Given_a_bucket_When_an_object_is_put_and_got_Then_bytes_metadata_and_etag_come_back()
    {
        using var s3 = Client();
        var bucket = await NewBucketAsync(s3, "put-get");
        var body = RandomNumberGenerator.GetBytes(300_000);

        var put = await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = "dir/a b+c=d&e.bin",
            InputStream = new MemoryStream(body),
            ContentType = "application/x-test",
            Metadata = { ["colour"] = "blue" },
        });
        Assert.Equal($"\"{Convert.ToHexStringLower(Md5(body))}\"", put.ETag);

        using var get = await s3.GetObjectAsync(bucket, "dir/a b+c=d&e.bin");
        using var copy = new MemoryStream();
        await get.ResponseStream.CopyToAsync(copy);
        Assert.Equal(body, copy.ToArray());
        Assert.Equal(put.ETag, get.ETag);
        Assert.Equal("application/x-test", get.Headers.ContentType);
        Assert.Equal("blue", get.Metadata["colour"]);

        var head = await s3.GetObjectMetadataAsync(bucket, "dir/a b+c=d&e.bin");
        Assert.Equal(body.Length, head.ContentLength);
    }

    [Fact]
    public async Task Given_an_object_When_ranges_are_asked_Then_exactly_those_bytes_come_back()
    {
        using var s3 = Client();
        var bucket = await NewBucketAsync(s3, "ranges");
        var body = RandomNumberGenerator.GetBytes(200_000);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "r", InputStream = new MemoryStream(body) });

        foreach (var (from, to) in new[] { (0L, 0L), (10L, 99_999L), (150_000L, 199_999L) })
        {
            using var part = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "r", ByteRange = new ByteRange(from, to) });
            Assert.Equal(HttpStatusCode.PartialContent, part.HttpStatusCode);
            Assert.Equal(body[(int)from..((int)to + 1)], await ReadAllAsync(part.ResponseStream));
        }

        var error = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
            s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "r", ByteRange = new ByteRange(300_000, 300_010) }));
        Assert.Equal("InvalidRange", error.ErrorCode);
    }

    [Fact]
    public async Task Given_an_object_When_conditional_gets_are_made_Then_S3s_rules_apply()
    {
        using var s3 = Client();
        var bucket = await NewBucketAsync(s3, "conditions");
        var put = await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "c", ContentBody = "hello" });

        using (var matched = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "c", EtagToMatch = put.ETag }))
        {
            Assert.Equal(HttpStatusCode.OK, matched.HttpStatusCode);
        }

        var failed = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
            s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "c", EtagToMatch = "\"0000\"" }));
        Assert.Equal(HttpStatusCode.PreconditionFailed, failed.StatusCode);

        var notModified = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
            s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "c", EtagToNotMatch = put.ETag }));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        var since = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
            s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "c", ModifiedSinceDate = DateTime.UtcNow.AddMinutes(1) }));
        Assert.Equal(HttpStatusCode.NotModified, since.StatusCode);
    }

    [Fact]
    public async Task Given_objects_When_copied_and_deleted_singly_and_in_batches_Then_listing_follows()
    {
        using var s3 = Client();
        var bucket = await NewBucketAsync(s3, "copy-delete");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "source", ContentBody = "copied bytes", Metadata = { ["m"] = "1" } });

        var copy = await s3.CopyObjectAsync(bucket, "source", bucket, "target");
        using (var target = await s3.GetObjectAsync(bucket, "target"))
        {
            Assert.Equal("copied bytes", Encoding.UTF8.GetString(await ReadAllAsync(target.ResponseStream)));
            Assert.Equal("1", target.Metadata["m"]);
            Assert.Equal(copy.ETag, target.ETag);
        }

        foreach (var key in new[] { "b1", "b2", "b3" })
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = key });
        }

        await s3.DeleteObjectAsync(bucket, "source");
        await s3.DeleteObjectAsync(bucket, "never-there");
        var batch = await s3.DeleteObjectsAsync(new DeleteObjectsRequest
        {
            BucketName = bucket,
            Objects = [new KeyVersion { Key = "b1" }, new KeyVersion { Key = "b2" }, new KeyVersion { Key = "b3" }],
        });
        Assert.Equal(3, batch.DeletedObjects.Count);

        var listing = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        Assert.Equal(["target"], listing.S3Objects.Select(o => o.Key));
    }

    [Fact]
    public async Task Given_many_keys_When_listed_with_delimiter_and_pages_Then_v1_and_v2_agree_with_S3()
    {
        using var s3 = Client();
        var bucket = await NewBucketAsync(s3, "listing");
        var keys = new[] { "a/1", "a/2", "b/1", "c", "d", "e/x/1", "f" };
        foreach (var key in keys)
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = key });
        }

        var seenKeys = new List<string>();
        var seenPrefixes = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Delimiter = "/", MaxKeys = 2, ContinuationToken = token });
            seenKeys.AddRange(page.S3Objects?.Select(o => o.Key) ?? []);
            seenPrefixes.AddRange(page.CommonPrefixes ?? []);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
            pages++;
        }
        while (token is not null);
        Assert.Equal(["c", "d", "f"], seenKeys);
        Assert.Equal(["a/", "b/", "e/"], seenPrefixes);
        Assert.Equal(3, pages);

        var v1 = await s3.ListObjectsAsync(new ListObjectsRequest { BucketName = bucket, Prefix = "a/", MaxKeys = 1 });
        Assert.Equal(["a/1"], v1.S3Objects.Select(o => o.Key));
        Assert.True(v1.IsTruncated);
        var v1Next = await s3.ListObjectsAsync(new ListObjectsRequest { BucketName = bucket, Prefix = "a/", Marker = "a/1" });
        Assert.Equal(["a/2"], v1Next.S3Objects.Select(o => o.Key));

        var after = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, StartAfter = "d" });
        Assert.Equal(["e/x/1", "f"], after.S3Objects.Select(o => o.Key));

        var buckets = await s3.ListBucketsAsync();
        Assert.Contains(buckets.Buckets, b => b.BucketName == bucket);
    }

    [Fact]
    public async Task Given_a_large_object_When_uploaded_in_parts_Then_it_reads_back_whole_with_a_multipart_etag()
    {
        using var s3 = Client();
        var bucket = await NewBucketAsync(s3, "multipart");
        var parts = new[] { RandomNumberGenerator.GetBytes(5 * 1024 * 1024), RandomNumberGenerator.GetBytes(5 * 1024 * 1024), RandomNumberGenerator.GetBytes(1234) };
        var upload = await s3.InitiateMultipartUploadAsync(bucket, "big");
        var etags = new List<PartETag>();
        for (var i = 0; i < parts.Length; i++)
        {
            var part = await s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket, Key = "big", UploadId = upload.UploadId, PartNumber = i + 1, InputStream = new MemoryStream(parts[i]),
            });
            etags.Add(new PartETag(i + 1, part.ETag));
        }

        var listed = await s3.ListPartsAsync(bucket, "big", upload.UploadId);
        Assert.Equal(3, listed.Parts.Count);
        var uploads = await s3.ListMultipartUploadsAsync(bucket);
        Assert.Contains(uploads.MultipartUploads, u => u.UploadId == upload.UploadId);

        var complete = await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket, Key = "big", UploadId = upload.UploadId, PartETags = etags,
        });
        var md5s = parts.SelectMany(p => Md5(p)).ToArray();
        Assert.Equal($"\"{Convert.ToHexStringLower(Md5(md5s))}-3\"", complete.ETag);

        using var get = await s3.GetObjectAsync(bucket, "big");
        Assert.Equal(parts.SelectMany(p => p).ToArray(), await ReadAllAsync(get.ResponseStream));
        using var range = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "big", ByteRange = new ByteRange(5 * 1024 * 1024 - 10, 5 * 1024 * 1024 + 9) });
        Assert.Equal(parts[0][^10..].Concat(parts[1][..10]).ToArray(), await ReadAllAsync(range.ResponseStream));
        var gone = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.ListPartsAsync(bucket, "big", upload.UploadId));
        Assert.Equal("NoSuchUpload", gone.ErrorCode);
    }

    [Fact]
    public async Task Given_objects_put_whole_and_in_parts_When_their_attributes_are_asked_Then_etag_checksum_size_and_paged_parts_come_back()
    {
        using var s3 = Client();
        var bucket = await NewBucketAsync(s3, "attributes");
        var body = Encoding.UTF8.GetBytes("attributes of a small object");
        var put = await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket, Key = "whole", InputStream = new MemoryStream(body), ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
        });
        ObjectAttributes[] all = [ObjectAttributes.ETag, ObjectAttributes.Checksum, ObjectAttributes.ObjectParts, ObjectAttributes.StorageClass, ObjectAttributes.ObjectSize];
        var whole = await s3.GetObjectAttributesAsync(new GetObjectAttributesRequest { BucketName = bucket, Key = "whole", ObjectAttributes = [.. all] });
        Assert.Equal(put.ETag.Trim('"'), whole.ETag);
        Assert.Equal(body.Length, whole.ObjectSize);
        Assert.Equal(S3StorageClass.Standard, whole.StorageClass);
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(body)), whole.Checksum.ChecksumSHA256);
        Assert.Null(whole.ObjectParts);
        var sizeOnly = await s3.GetObjectAttributesAsync(new GetObjectAttributesRequest { BucketName = bucket, Key = "whole", ObjectAttributes = [ObjectAttributes.ObjectSize] });
        Assert.Equal(body.Length, sizeOnly.ObjectSize);
        Assert.Null(sizeOnly.ETag);

        var parts = new[] { RandomNumberGenerator.GetBytes(5 * 1024 * 1024), RandomNumberGenerator.GetBytes(5 * 1024 * 1024), RandomNumberGenerator.GetBytes(77) };
        var upload = await s3.InitiateMultipartUploadAsync(bucket, "parts");
        var etags = new List<PartETag>();
        for (var i = 0; i < parts.Length; i++)
        {
            var part = await s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket, Key = "parts", UploadId = upload.UploadId, PartNumber = i + 1, InputStream = new MemoryStream(parts[i]),
            });
            etags.Add(new PartETag(i + 1, part.ETag));
        }

        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "parts", UploadId = upload.UploadId, PartETags = etags });
        var first = await s3.GetObjectAttributesAsync(new GetObjectAttributesRequest { BucketName = bucket, Key = "parts", ObjectAttributes = [.. all], MaxParts = 2 });
        Assert.Equal(3, first.ObjectParts.TotalPartsCount);
        Assert.True(first.ObjectParts.IsTruncated);
        Assert.Equal([(1, 5L * 1024 * 1024), (2, 5L * 1024 * 1024)], first.ObjectParts.Parts.Select(p => (p.PartNumber ?? 0, p.Size ?? 0)));
        var rest = await s3.GetObjectAttributesAsync(new GetObjectAttributesRequest
        {
            BucketName = bucket, Key = "parts", ObjectAttributes = [ObjectAttributes.ObjectParts], MaxParts = 2, PartNumberMarker = first.ObjectParts.NextPartNumberMarker,
        });
        Assert.False(rest.ObjectParts.IsTruncated);
        Assert.Equal([(3, 77L)], rest.ObjectParts.Parts.Select(p => (p.PartNumber ?? 0, p.Size ?? 0)));
        Assert.Equal(parts.Sum(p => (long)p.Length), first.ObjectSize);

        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
            s3.GetObjectAttributesAsync(new GetObjectAttributesRequest { BucketName = bucket, Key = "none", ObjectAttributes = [ObjectAttributes.ETag] }));
        Assert.Equal("NoSuchKey", missing.ErrorCode);
        using var raw = new HttpClient(new SdkSigningHandler(platform.Root, "s3") { InnerHandler = platform.App.Server.CreateHandler() }) { BaseAddress = S3Clients.TestServerEndpoint };
        foreach (var attributes in new[] { "", "ETag,Colour" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/{bucket}/whole?attributes");
            request.Headers.TryAddWithoutValidation("x-amz-object-attributes", attributes);
            using var refused = await raw.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("<Code>InvalidArgument</Code>", await refused.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Given_an_upload_When_parts_are_copied_or_it_is_aborted_Then_S3s_rules_apply()
    {
        using var s3 = Client();
        var bucket = await NewBucketAsync(s3, "part-copy");
        var source = RandomNumberGenerator.GetBytes(6 * 1024 * 1024);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "src", InputStream = new MemoryStream(source) });
        var upload = await s3.InitiateMultipartUploadAsync(bucket, "dst");
        var first = await s3.CopyPartAsync(new CopyPartRequest
        {
            SourceBucket = bucket, SourceKey = "src", DestinationBucket = bucket, DestinationKey = "dst", UploadId = upload.UploadId,
            PartNumber = 1, FirstByte = 0, LastByte = (5 * 1024 * 1024) - 1,
        });
        var second = await s3.CopyPartAsync(new CopyPartRequest
        {
            SourceBucket = bucket, SourceKey = "src", DestinationBucket = bucket, DestinationKey = "dst", UploadId = upload.UploadId,
            PartNumber = 2, FirstByte = 5 * 1024 * 1024, LastByte = source.Length - 1,
        });
        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket, Key = "dst", UploadId = upload.UploadId, PartETags = [new PartETag(1, first.ETag), new PartETag(2, second.ETag)],
        });
        using (var get = await s3.GetObjectAsync(bucket, "dst"))
        {
            Assert.Equal(source, await ReadAllAsync(get.ResponseStream));
        }

        var small = await s3.InitiateMultipartUploadAsync(bucket, "small");
        var p1 = await s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "small", UploadId = small.UploadId, PartNumber = 1, InputStream = new MemoryStream([1, 2, 3]) });
        var p2 = await s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "small", UploadId = small.UploadId, PartNumber = 2, InputStream = new MemoryStream([4]) });
        var tooSmall = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket, Key = "small", UploadId = small.UploadId, PartETags = [new PartETag(1, p1.ETag), new PartETag(2, p2.ETag)],
        }));
        Assert.Equal("EntityTooSmall", tooSmall.ErrorCode);
        await s3.AbortMultipartUploadAsync(bucket, "small", small.UploadId);
        var aborted = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.ListPartsAsync(bucket, "small", small.UploadId));
        Assert.Equal("NoSuchUpload", aborted.ErrorCode);
        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync(bucket, "small"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>S3's ETag is an MD5: computed here the way the server must.</summary>
    internal static byte[] Md5(byte[] data)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        md5.AppendData(data);
        return md5.GetHashAndReset();
    }

    internal static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}
