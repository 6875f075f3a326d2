using System.Net;
using System.Text;
using System.Xml.Linq;
using Amazon.S3;
using Amazon.S3.Model;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>
/// Issue 16 item 5 with the AWS SDK for .NET: a sub-resource the platform does not implement is NotImplemented and changes
/// nothing, never another operation; keys of white space alone survive every call; CreateBucket of one's own bucket answers
/// as S3 in us-east-1; encoding-type=url answers as S3's.
/// </summary>
public sealed class S3RoutingTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    private AmazonS3Client Client() => S3Clients.For(platform.App, platform.Root);

    private static async Task AssertNotImplementedAsync(Func<Task> call, string what)
    {
        var error = await Assert.ThrowsAnyAsync<AmazonS3Exception>(call);
        Assert.True(error.StatusCode == HttpStatusCode.NotImplemented && error.ErrorCode == "NotImplemented",
            $"{what}: {(int)error.StatusCode} {error.ErrorCode} {error.Message}");
    }

    [Fact]
    public async Task Given_no_bucket_When_public_access_block_object_lock_or_ownership_controls_are_put_Then_NoSuchBucket_and_no_bucket()
    {
        using var s3 = Client();
        const string bucket = "routing-never-made";
        // Served now, and never taken for CreateBucket: the bucket is not there.
        var noBucket = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutPublicAccessBlockAsync(new PutPublicAccessBlockRequest
        {
            BucketName = bucket, PublicAccessBlockConfiguration = new PublicAccessBlockConfiguration { BlockPublicAcls = true },
        }));
        Assert.Equal("NoSuchBucket", noBucket.ErrorCode);
        var noBucketLock = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutObjectLockConfigurationAsync(new PutObjectLockConfigurationRequest
        {
            BucketName = bucket, ObjectLockConfiguration = new ObjectLockConfiguration { ObjectLockEnabled = ObjectLockEnabled.Enabled },
        }));
        Assert.Equal("NoSuchBucket", noBucketLock.ErrorCode);
        var noBucketOwnership = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutBucketOwnershipControlsAsync(new PutBucketOwnershipControlsRequest
        {
            BucketName = bucket,
            OwnershipControls = new OwnershipControls { Rules = [new OwnershipControlsRule { ObjectOwnership = ObjectOwnership.BucketOwnerEnforced }] },
        }));
        Assert.Equal("NoSuchBucket", noBucketOwnership.ErrorCode);

        Assert.DoesNotContain((await s3.ListBucketsAsync()).Buckets ?? [], b => b.BucketName == bucket);
    }

    [Fact]
    public async Task Given_an_empty_bucket_When_a_sub_resource_not_implemented_is_deleted_or_got_Then_NotImplemented_and_the_bucket_stays()
    {
        using var s3 = Client();
        const string bucket = "routing-kept";
        await s3.PutBucketAsync(bucket);

        // Each of these was DeleteBucket: the bucket is empty, so it went.
        // Served now (DeleteBucketCors, DeletePublicAccessBlock, DeleteBucketOwnershipControls): they answer 204 and the bucket stays.
        await s3.DeleteCORSConfigurationAsync(bucket);
        await s3.DeletePublicAccessBlockAsync(new DeletePublicAccessBlockRequest { BucketName = bucket });
        await AssertNotImplementedAsync(() => s3.DeleteBucketReplicationAsync(new DeleteBucketReplicationRequest { BucketName = bucket }), "DeleteBucketReplication");
        await AssertNotImplementedAsync(() => s3.DeleteBucketMetricsConfigurationAsync(new DeleteBucketMetricsConfigurationRequest { BucketName = bucket, MetricsId = "m" }),
            "DeleteBucketMetricsConfiguration");
        await AssertNotImplementedAsync(() => s3.DeleteBucketWebsiteAsync(bucket), "DeleteBucketWebsite");
        await s3.DeleteBucketOwnershipControlsAsync(new DeleteBucketOwnershipControlsRequest { BucketName = bucket });

        // Each of these was ListObjects.
        var noBlock = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetPublicAccessBlockAsync(new GetPublicAccessBlockRequest { BucketName = bucket }));
        Assert.Equal("NoSuchPublicAccessBlockConfiguration", noBlock.ErrorCode);
        var noControls = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetBucketOwnershipControlsAsync(new GetBucketOwnershipControlsRequest { BucketName = bucket }));
        Assert.Equal("OwnershipControlsNotFoundError", noControls.ErrorCode);
        var noLock = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectLockConfigurationAsync(new GetObjectLockConfigurationRequest { BucketName = bucket }));
        Assert.Equal("ObjectLockConfigurationNotFoundError", noLock.ErrorCode);

        Assert.Equal(HttpStatusCode.OK, (await s3.GetBucketLocationAsync(bucket)).HttpStatusCode);
        Assert.Contains((await s3.ListBucketsAsync()).Buckets ?? [], b => b.BucketName == bucket);
    }

    [Fact]
    public async Task Given_an_object_When_its_lock_or_one_part_is_asked_for_Then_InvalidRequest_or_NotImplemented_and_the_object_stays()
    {
        using var s3 = Client();
        const string bucket = "routing-object";
        await s3.PutBucketAsync(bucket);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "kept" });

        // PutObjectRetention was PutObject: its XML would have replaced the object's bytes. Served now, and refused where the bucket
        // has no object lock; the retention and legal hold reads were GetObject (the object's bytes answered as a retention).
        foreach (var (what, call) in new (string, Func<Task>)[]
        {
            ("PutObjectRetention", () => s3.PutObjectRetentionAsync(new PutObjectRetentionRequest
            {
                BucketName = bucket, Key = "k", Retention = new ObjectLockRetention { Mode = ObjectLockRetentionMode.Governance, RetainUntilDate = DateTime.UtcNow.AddDays(1) },
            })),
            ("GetObjectRetention", () => s3.GetObjectRetentionAsync(new GetObjectRetentionRequest { BucketName = bucket, Key = "k" })),
            ("GetObjectLegalHold", () => s3.GetObjectLegalHoldAsync(new GetObjectLegalHoldRequest { BucketName = bucket, Key = "k" })),
            ("PutObjectLegalHold", () => s3.PutObjectLegalHoldAsync(new PutObjectLegalHoldRequest
            {
                BucketName = bucket, Key = "k", LegalHold = new ObjectLockLegalHold { Status = ObjectLockLegalHoldStatus.On },
            })),
        })
        {
            var refused = await Assert.ThrowsAnyAsync<AmazonS3Exception>(call);
            Assert.Equal($"{what}: 400 InvalidRequest", $"{what}: {(int)refused.StatusCode} {refused.ErrorCode}");
        }

        // GetObject of one part was GetObject: the whole object answered as its part.
        await AssertNotImplementedAsync(() => s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "k", PartNumber = 1 }), "GetObject partNumber");

        using var get = await s3.GetObjectAsync(bucket, "k");
        Assert.Equal("kept", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(get.ResponseStream)));
    }

    [Fact]
    public async Task Given_an_object_When_a_version_other_than_null_is_named_Then_InvalidArgument_and_the_object_stays_while_null_names_it()
    {
        using var s3 = Client();
        const string bucket = "routing-versions";
        const string other = "3sL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY";
        await s3.PutBucketAsync(bucket);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "kept" });

        // Each was the plain operation on the object: DeleteObject with any versionId deleted it.
        foreach (var (what, call) in new (string, Func<Task>)[]
        {
            ("DeleteObject", () => s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "k", VersionId = other })),
            ("GetObject", () => s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "k", VersionId = other })),
            ("HeadObject", () => s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = "k", VersionId = other })),
            ("CopyObject", () => s3.CopyObjectAsync(new CopyObjectRequest
            {
                SourceBucket = bucket, SourceKey = "k", SourceVersionId = other, DestinationBucket = bucket, DestinationKey = "copy",
            })),
        })
        {
            var error = await Assert.ThrowsAnyAsync<AmazonS3Exception>(call);
            Assert.True(error.StatusCode == HttpStatusCode.BadRequest && (what == "HeadObject" || error.ErrorCode == "InvalidArgument"),
                $"{what}: {(int)error.StatusCode} {error.ErrorCode} {error.Message}");
        }

        var refused = await Assert.ThrowsAsync<DeleteObjectsException>(() => s3.DeleteObjectsAsync(new DeleteObjectsRequest
        {
            BucketName = bucket, Objects = [new KeyVersion { Key = "k", VersionId = other }],
        }));
        Assert.Equal([("k", other, "InvalidArgument")], refused.Response.DeleteErrors.Select(e => (e.Key, e.VersionId, e.Code)));
        Assert.Empty(refused.Response.DeletedObjects ?? []);
        await AssertKeysAsync(s3, bucket, ["k"]);

        // The "null" version is the object.
        using (var get = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "k", VersionId = "null" }))
        {
            Assert.Equal("kept", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(get.ResponseStream)));
        }

        await s3.CopyObjectAsync(new CopyObjectRequest { SourceBucket = bucket, SourceKey = "k", SourceVersionId = "null", DestinationBucket = bucket, DestinationKey = "copy" });
        var deleted = await s3.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = bucket, Objects = [new KeyVersion { Key = "copy", VersionId = "null" }] });
        Assert.Equal([("copy", "null")], deleted.DeletedObjects.Select(d => (d.Key, d.VersionId)));
        await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "k", VersionId = "null" });
        await AssertKeysAsync(s3, bucket, []);
    }

    private static async Task AssertKeysAsync(AmazonS3Client s3, string bucket, string[] keys) =>
        Assert.Equal(keys, ((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects ?? []).Select(o => o.Key));

    public static readonly TheoryData<string> WhiteSpaceKeys = new() { " ", "  ", "\t", "\r", "\n", "\r\n", " \r\n\t " };

    [Theory]
    [MemberData(nameof(WhiteSpaceKeys))]
    public async Task Given_a_key_of_white_space_alone_Then_put_get_list_copy_multipart_and_DeleteObjects_keep_it(string key)
    {
        using var s3 = Client();
        var bucket = "white-space-" + string.Concat(key.Select(c => ((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        await s3.PutBucketAsync(bucket);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "body" });
        using (var get = await s3.GetObjectAsync(bucket, key))
        {
            Assert.Equal("body", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(get.ResponseStream)));
        }

        await s3.CopyObjectAsync(bucket, key, bucket, key + key);
        var upload = await s3.InitiateMultipartUploadAsync(bucket, key + "x");
        Assert.Equal(key + "x", upload.Key);
        Assert.Equal([key + "x"], (await s3.ListMultipartUploadsAsync(bucket)).MultipartUploads.Select(u => u.Key));
        var part = await s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = bucket, Key = key + "x", UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream("part"u8.ToArray()),
        });
        var completed = await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket, Key = key + "x", UploadId = upload.UploadId, PartETags = [new PartETag(1, part.ETag)],
        });
        Assert.Equal(key + "x", completed.Key);

        string[] expected = [.. new[] { key, key + key, key + "x" }.Order(StringComparer.Ordinal)];
        Assert.Equal(expected, await RawKeysAsync(bucket, "list-type=2"));
        Assert.Equal(expected, await RawKeysAsync(bucket, ""));

        var deleted = await s3.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = bucket, Objects = [.. expected.Select(k => new KeyVersion { Key = k })] });
        Assert.Empty(deleted.DeleteErrors ?? []);
        Assert.Equal(expected, (deleted.DeletedObjects ?? []).Select(d => d.Key).Order(StringComparer.Ordinal));
        Assert.Empty(await RawKeysAsync(bucket, "list-type=2"));
    }

    /// <summary>The keys of a listing as its XML carries them (no client's decoding between).</summary>
    private async Task<string[]> RawKeysAsync(string bucket, string query)
    {
        var listing = await RawGetAsync($"/{bucket}?{query}");
        return [.. listing.Elements().Where(e => e.Name.LocalName == "Contents").Select(c => c.Elements().Single(e => e.Name.LocalName == "Key").Value)];
    }

    private async Task<XElement> RawGetAsync(string pathAndQuery)
    {
        using var client = platform.App.CreateDefaultClient(S3Clients.TestServerEndpoint, new SdkSigningHandler(platform.Root, "s3"));
        using var response = await client.GetAsync(new Uri(pathAndQuery, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{pathAndQuery}: {(int)response.StatusCode} {body}");
        return XDocument.Parse(body, LoadOptions.PreserveWhitespace).Root!;
    }

    [Fact]
    public async Task Given_a_bucket_one_owns_When_created_again_in_us_east_1_Then_200_and_its_objects_stay()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("create-twice");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "create-twice", Key = "k", ContentBody = "x" });

        var again = await s3.PutBucketAsync("create-twice");
        Assert.Equal(HttpStatusCode.OK, again.HttpStatusCode);
        Assert.Equal(["k"], (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "create-twice" })).S3Objects.Select(o => o.Key));
    }

    [Fact]
    public async Task Given_a_region_other_than_us_east_1_When_one_creates_a_bucket_one_owns_Then_BucketAlreadyOwnedByYou()
    {
        var app = new PlatformApp(settings: new Dictionary<string, string?> { ["Platform:Region"] = "eu-west-1" });
        try
        {
            using var s3 = S3Clients.For(app, app.RootCredentials, "eu-west-1");
            await s3.PutBucketAsync("owned-elsewhere");
            var again = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutBucketAsync("owned-elsewhere"));
            Assert.Equal("BucketAlreadyOwnedByYou", again.ErrorCode);
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }
        finally
        {
            // The host first: while it runs, its jobs still write to the data directory (seen: "Directory not empty").
            await app.DisposeAsync();
            Directory.Delete(app.DataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Given_keys_with_spaces_plus_and_non_ASCII_When_listed_with_encoding_type_url_Then_every_element_is_encoded_as_S3s()
    {
        using var s3 = Client();
        const string bucket = "encoding-url";
        await s3.PutBucketAsync(bucket);
        foreach (var key in new[] { "a b", "a+b", "100%", "한글/x.txt", "t~*!'()", "run books/x" })
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "x" });
        }

        await s3.InitiateMultipartUploadAsync(bucket, "up load");

        static string[] Values(XElement root, string container, string name) =>
            [.. root.Elements().Where(e => e.Name.LocalName == container).Select(c => c.Elements().Single(e => e.Name.LocalName == name).Value)];
        static string? Top(XElement root, string name) => root.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

        // V2: Key, Prefix, Delimiter, StartAfter, CommonPrefixes; '+' for a space, '/' and '*' kept, '~' encoded.
        var v2 = await RawGetAsync($"/{bucket}?list-type=2&encoding-type=url&start-after=0%20a");
        Assert.Equal(["100%25", "a+b", "a%2Bb", "run+books/x", "t%7E*%21%27%28%29", "%ED%95%9C%EA%B8%80/x.txt"], Values(v2, "Contents", "Key"));
        Assert.Equal("0+a", Top(v2, "StartAfter"));
        Assert.Equal("url", Top(v2, "EncodingType"));
        var grouped = await RawGetAsync($"/{bucket}?list-type=2&encoding-type=url&delimiter=%20&prefix=a%20");
        Assert.Equal(("a+", "+"), (Top(grouped, "Prefix"), Top(grouped, "Delimiter")));
        Assert.Equal(["a+b"], Values(grouped, "Contents", "Key"));
        var folders = await RawGetAsync($"/{bucket}?list-type=2&encoding-type=url&delimiter=/");
        Assert.Equal(["run+books/", "%ED%95%9C%EA%B8%80/"], Values(folders, "CommonPrefixes", "Prefix"));

        // V1: Marker and NextMarker too.
        var v1 = await RawGetAsync($"/{bucket}?encoding-type=url&marker=a%20b&max-keys=1&delimiter=/");
        Assert.Equal(("a+b", "a%2Bb", "url"), (Top(v1, "Marker"), Top(v1, "NextMarker"), Top(v1, "EncodingType")));
        Assert.Equal(["a%2Bb"], Values(v1, "Contents", "Key"));

        // ListMultipartUploads: Key, KeyMarker, Prefix.
        var uploads = await RawGetAsync($"/{bucket}?uploads&encoding-type=url&prefix=up%20&key-marker=a%20b");
        Assert.Equal(["up+load"], Values(uploads, "Upload", "Key"));
        Assert.Equal(("up+", "a+b", "url"), (Top(uploads, "Prefix"), Top(uploads, "KeyMarker"), Top(uploads, "EncodingType")));

        // Without the parameter nothing is encoded and no EncodingType is answered.
        var plain = await RawGetAsync($"/{bucket}?list-type=2&prefix=a");
        Assert.Equal(["a b", "a+b"], Values(plain, "Contents", "Key"));
        Assert.Null(Top(plain, "EncodingType"));
    }
}
