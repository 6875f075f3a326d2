using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Platform.Api.Tests.TestEngine;
using Platform.Modules.Shared.Payloads;

namespace Platform.Api.Tests.S3;

/// <summary>
/// The additional checksums (x-amz-checksum-*) through the AWS SDK for .NET and, for what it will not send (CRC64NVME,
/// which it has only with the AWS CRT, and bodies that are wrong on purpose), raw requests signed by its signer: checked
/// as headers and as trailers, refused with S3's codes (nothing stored), kept with objects and parts, returned as S3 does.
/// </summary>
public sealed class S3ChecksumTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    private static readonly byte[] Body = RandomNumberGenerator.GetBytes(300_000);

    private AmazonS3Client Client() => S3Clients.For(platform.App, platform.Root);

    [Theory]
    [InlineData("CRC32")]
    [InlineData("SHA1")]
    [InlineData("SHA256")]
    public async Task Given_a_put_with_a_checksum_algorithm_Then_it_is_stored_and_returned_on_put_head_and_whole_gets_only(string name)
    {
        using var s3 = Client();
        var bucket = $"checksum-{name.ToLowerInvariant()}";
        await s3.PutBucketAsync(bucket);
        var expected = FlexibleChecksum.FromName(name)!.Of(Body);

        var put = await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket, Key = "k", InputStream = new MemoryStream(Body), ChecksumAlgorithm = new ChecksumAlgorithm(name),
        });
        Assert.Equal(expected, ChecksumOf(name, put.ChecksumCRC32, put.ChecksumCRC32C, put.ChecksumSHA1, put.ChecksumSHA256));

        var head = await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = "k", ChecksumMode = ChecksumMode.ENABLED });
        Assert.Equal(expected, ChecksumOf(name, head.ChecksumCRC32, head.ChecksumCRC32C, head.ChecksumSHA1, head.ChecksumSHA256));
        Assert.Equal(ChecksumType.FULL_OBJECT, head.ChecksumType);
        Assert.Null((await s3.GetObjectMetadataAsync(bucket, "k")).ChecksumType);

        // The SDK compares what it receives with the checksum it is given.
        using (var get = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "k", ChecksumMode = ChecksumMode.ENABLED }))
        {
            Assert.Equal(Body, await S3ObjectTests.ReadAllAsync(get.ResponseStream));
            Assert.Equal(expected, ChecksumOf(name, get.ChecksumCRC32, get.ChecksumCRC32C, get.ChecksumSHA1, get.ChecksumSHA256));
        }

        using var range = await s3.GetObjectAsync(new GetObjectRequest
        {
            BucketName = bucket, Key = "k", ChecksumMode = ChecksumMode.ENABLED, ByteRange = new ByteRange(0, 99),
        });
        Assert.Null(ChecksumOf(name, range.ChecksumCRC32, range.ChecksumCRC32C, range.ChecksumSHA1, range.ChecksumSHA256));
    }

    [Fact]
    public async Task Given_a_checksum_header_that_does_not_match_the_body_Then_BadDigest_and_the_old_object_stays()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("checksum-mismatch");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "checksum-mismatch", Key = "k", ContentBody = "original" });

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = "checksum-mismatch", Key = "k", InputStream = new MemoryStream(Body), ChecksumSHA256 = FlexibleChecksum.Sha256.Of(Body.AsSpan(1)),
        }));
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal("BadDigest", error.ErrorCode);
        using var get = await s3.GetObjectAsync("checksum-mismatch", "k");
        Assert.Equal("original", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(get.ResponseStream)));
    }

    /// <summary>The two the SDK has only with the AWS CRT, so sent raw.</summary>
    [Theory]
    [InlineData("CRC64NVME")]
    [InlineData("CRC32C")]
    public async Task Given_CRC64NVME_or_CRC32C_as_a_header_or_a_trailer_Then_it_is_checked_stored_and_returned(string name)
    {
        using var s3 = Client();
        var algorithm = FlexibleChecksum.FromName(name)!;
        var bucket = $"checksum-raw-{name.ToLowerInvariant()}";
        await s3.PutBucketAsync(bucket);
        using var raw = SignedRaw();
        var value = algorithm.Of(Body);

        var header = await raw.SendAsync(Put($"/{bucket}/header", Body, (algorithm.HeaderName, value), ("x-amz-sdk-checksum-algorithm", name)));
        Assert.True(header.StatusCode == HttpStatusCode.OK, await header.Content.ReadAsStringAsync());
        Assert.Equal(value, header.Headers.GetValues(algorithm.HeaderName).Single());
        Assert.Equal("FULL_OBJECT", header.Headers.GetValues("x-amz-checksum-type").Single());

        var trailer = await raw.SendAsync(Trailed($"/{bucket}/trailer", Body, algorithm.HeaderName, $"{algorithm.HeaderName}:{value}"));
        Assert.True(trailer.StatusCode == HttpStatusCode.OK, await trailer.Content.ReadAsStringAsync());
        Assert.Equal(value, trailer.Headers.GetValues(algorithm.HeaderName).Single());

        foreach (var key in new[] { "header", "trailer" })
        {
            using var head = new HttpRequestMessage(HttpMethod.Head, $"/{bucket}/{key}");
            head.Headers.Add("x-amz-checksum-mode", "ENABLED");
            var answer = await raw.SendAsync(head);
            Assert.Equal(value, answer.Headers.GetValues(algorithm.HeaderName).Single());
        }

        var wrong = await raw.SendAsync(Put($"/{bucket}/wrong", Body, (algorithm.HeaderName, algorithm.Of(Body.AsSpan(1)))));
        await S3ErrorTests.AssertS3ErrorAsync(wrong, HttpStatusCode.BadRequest, "BadDigest");
        await AssertMissingAsync(s3, bucket, "wrong");
    }

    [Theory]
    [InlineData("crc32", "", "MalformedTrailerError")]
    [InlineData("crc32", "x-amz-checksum-crc32:AAAAAA==", "BadDigest")]
    [InlineData("crc32", "x-amz-checksum-crc32:not-base64", "InvalidRequest")]
    [InlineData("crc32", "x-amz-checksum-sha1:{sha1}", "MalformedTrailerError")]
    public async Task Given_a_trailer_other_than_declared_or_wrong_Then_S3s_code_and_nothing_stored(string declared, string trailers, string code)
    {
        using var s3 = Client();
        var bucket = $"trailer-{Guid.NewGuid():N}";
        await s3.PutBucketAsync(bucket);
        using var raw = SignedRaw();
        const string key = "k";
        var response = await raw.SendAsync(Trailed($"/{bucket}/{key}", Body, $"x-amz-checksum-{declared}",
            trailers.Replace("{sha1}", FlexibleChecksum.Sha1.Of(Body), StringComparison.Ordinal)));
        await S3ErrorTests.AssertS3ErrorAsync(response, HttpStatusCode.BadRequest, code);
        await AssertMissingAsync(s3, bucket, key);
    }

    [Theory]
    [InlineData("two", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")]
    [InlineData("sdk-only", "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.")]
    [InlineData("sdk-other", "Value for x-amz-sdk-checksum-algorithm header is invalid.")]
    [InlineData("malformed", "Value for x-amz-checksum-crc32 header is invalid.")]
    public async Task Given_checksum_headers_S3_refuses_Then_InvalidRequest_and_nothing_stored(string kind, string message)
    {
        using var s3 = Client();
        var bucket = $"checksum-headers-{kind}";
        await s3.PutBucketAsync(bucket);
        using var raw = SignedRaw();
        (string, string)[] headers = kind switch
        {
            "two" => [("x-amz-checksum-crc32", FlexibleChecksum.Crc32.Of(Body)), ("x-amz-checksum-sha1", FlexibleChecksum.Sha1.Of(Body))],
            "sdk-only" => [("x-amz-sdk-checksum-algorithm", "CRC32")],
            "sdk-other" => [("x-amz-sdk-checksum-algorithm", "SHA256"), ("x-amz-checksum-crc32", FlexibleChecksum.Crc32.Of(Body))],
            _ => [("x-amz-checksum-crc32", "AAAA")],
        };
        var response = await raw.SendAsync(Put($"/{bucket}/k", Body, headers));
        var body = await response.Content.ReadAsStringAsync();
        await S3ErrorTests.AssertS3ErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
        Assert.Contains(message, body, StringComparison.Ordinal);
        await AssertMissingAsync(s3, bucket, "k");
    }

    [Fact]
    public async Task Given_a_COMPOSITE_CRC32_upload_When_completed_Then_parts_and_object_carry_S3s_checksums_and_a_wrong_part_checksum_is_InvalidPart()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("checksum-composite");
        var first = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);
        var second = RandomNumberGenerator.GetBytes(1000);
        var upload = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = "checksum-composite", Key = "k", ChecksumAlgorithm = ChecksumAlgorithm.CRC32,
        });
        Assert.Equal(ChecksumAlgorithm.CRC32, upload.ChecksumAlgorithm);
        Assert.Equal(ChecksumType.COMPOSITE, upload.ChecksumType);
        var parts = new List<PartETag>();
        foreach (var (content, number) in new[] { (first, 1), (second, 2) })
        {
            var part = await s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = "checksum-composite", Key = "k", UploadId = upload.UploadId, PartNumber = number, InputStream = new MemoryStream(content),
                ChecksumAlgorithm = ChecksumAlgorithm.CRC32,
            });
            Assert.Equal(FlexibleChecksum.Crc32.Of(content), part.ChecksumCRC32);
            parts.Add(new PartETag { PartNumber = number, ETag = part.ETag, ChecksumCRC32 = part.ChecksumCRC32 });
        }

        var listed = await s3.ListPartsAsync(new ListPartsRequest { BucketName = "checksum-composite", Key = "k", UploadId = upload.UploadId });
        Assert.Equal(parts.Select(p => p.ChecksumCRC32), listed.Parts.Select(p => p.ChecksumCRC32));

        var wrong = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "checksum-composite", Key = "k", UploadId = upload.UploadId,
            PartETags = [parts[0], new PartETag { PartNumber = 2, ETag = parts[1].ETag, ChecksumCRC32 = parts[0].ChecksumCRC32 }],
        }));
        Assert.Equal("InvalidPart", wrong.ErrorCode);
        var missing = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "checksum-composite", Key = "k", UploadId = upload.UploadId, PartETags = [parts[0], new PartETag(2, parts[1].ETag)],
        }));
        Assert.Equal("InvalidRequest", missing.ErrorCode);

        var completed = await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "checksum-composite", Key = "k", UploadId = upload.UploadId, PartETags = parts,
        });
        var composite = FlexibleChecksum.Crc32.Composite([FlexibleChecksum.Crc32.Of(first), FlexibleChecksum.Crc32.Of(second)]);
        Assert.Equal(composite, completed.ChecksumCRC32);
        Assert.Equal(ChecksumType.COMPOSITE, completed.ChecksumType);
        var head = await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = "checksum-composite", Key = "k", ChecksumMode = ChecksumMode.ENABLED });
        Assert.Equal(composite, head.ChecksumCRC32);
        Assert.Equal(ChecksumType.COMPOSITE, head.ChecksumType);
    }

    [Fact]
    public async Task Given_a_FULL_OBJECT_CRC32_upload_When_completed_Then_the_object_checksum_is_the_CRC_of_all_its_bytes_and_a_copy_keeps_it()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("checksum-full");
        var contents = new[] { RandomNumberGenerator.GetBytes(5 * 1024 * 1024), RandomNumberGenerator.GetBytes(5 * 1024 * 1024), RandomNumberGenerator.GetBytes(77) };
        var upload = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = "checksum-full", Key = "k", ChecksumAlgorithm = ChecksumAlgorithm.CRC32, ChecksumType = ChecksumType.FULL_OBJECT,
        });
        var parts = new List<PartETag>();
        for (var i = 0; i < contents.Length; i++)
        {
            parts.Add(new PartETag(await s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = "checksum-full", Key = "k", UploadId = upload.UploadId, PartNumber = i + 1, InputStream = new MemoryStream(contents[i]),
                ChecksumAlgorithm = ChecksumAlgorithm.CRC32,
            })));
        }

        var completed = await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "checksum-full", Key = "k", UploadId = upload.UploadId, PartETags = parts,
        });
        var whole = contents.SelectMany(c => c).ToArray();
        Assert.Equal(FlexibleChecksum.Crc32.Of(whole), completed.ChecksumCRC32);
        Assert.Equal(ChecksumType.FULL_OBJECT, completed.ChecksumType);
        using (var get = await s3.GetObjectAsync(new GetObjectRequest { BucketName = "checksum-full", Key = "k", ChecksumMode = ChecksumMode.ENABLED }))
        {
            Assert.Equal(whole, await S3ObjectTests.ReadAllAsync(get.ResponseStream));
            Assert.Equal(completed.ChecksumCRC32, get.ChecksumCRC32);
        }

        // The same bytes, the same whole-object checksum.
        await s3.CopyObjectAsync("checksum-full", "k", "checksum-full", "copy");
        var copy = await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = "checksum-full", Key = "copy", ChecksumMode = ChecksumMode.ENABLED });
        Assert.Equal(completed.ChecksumCRC32, copy.ChecksumCRC32);

        var refused = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = "checksum-full", Key = "sha", ChecksumAlgorithm = ChecksumAlgorithm.SHA256, ChecksumType = ChecksumType.FULL_OBJECT,
        }));
        Assert.Equal("InvalidRequest", refused.ErrorCode);
    }

    private static string? ChecksumOf(string name, string? crc32, string? crc32c, string? sha1, string? sha256) => name switch
    {
        "CRC32" => crc32,
        "CRC32C" => crc32c,
        "SHA1" => sha1,
        _ => sha256,
    };

    /// <summary>A client into the S3 listener whose requests the AWS SDK's SigV4 signer signs (with the x-amz-* headers they carry).</summary>
    private HttpClient SignedRaw() =>
        new(new SdkSigningHandler(platform.Root, "s3") { InnerHandler = platform.App.Server.CreateHandler() }) { BaseAddress = S3Clients.TestServerEndpoint };

    private static HttpRequestMessage Put(string path, byte[] body, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ByteArrayContent(body) };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    /// <summary>STREAMING-UNSIGNED-PAYLOAD-TRAILER as the SDKs send it over TLS: aws-chunked, then the trailer lines.</summary>
    private static HttpRequestMessage Trailed(string path, byte[] payload, string declared, string trailers)
    {
        using var body = new MemoryStream();
        for (var offset = 0; offset < payload.Length; offset += 65536)
        {
            var size = Math.Min(65536, payload.Length - offset);
            body.Write(Encoding.ASCII.GetBytes($"{size:x}\r\n"));
            body.Write(payload, offset, size);
            body.Write("\r\n"u8);
        }

        body.Write(Encoding.ASCII.GetBytes(trailers.Length == 0 ? "0\r\n\r\n" : $"0\r\n{trailers}\r\n\r\n"));
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ByteArrayContent(body.ToArray()) };
        request.Headers.TryAddWithoutValidation("X-Amz-Content-SHA256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
        request.Headers.TryAddWithoutValidation("x-amz-trailer", declared);
        request.Headers.TryAddWithoutValidation("x-amz-decoded-content-length", payload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Content.Headers.TryAddWithoutValidation("Content-Encoding", "aws-chunked");
        return request;
    }

    private static async Task AssertMissingAsync(AmazonS3Client s3, string bucket, string key)
    {
        var missing = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync(bucket, key));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
