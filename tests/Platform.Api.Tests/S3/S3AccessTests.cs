using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>Who may do what: tenants, IAM users, bucket policies, anonymous callers, presigned URLs; SSE-S3; the native API.</summary>
public sealed class S3AccessTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    private AmazonS3Client Client() => S3Clients.For(platform.App, platform.Root);

    [Fact]
    public async Task Given_another_accounts_bucket_When_accessed_Then_AccessDenied_until_its_policy_grants_it()
    {
        using var owner = Client();
        await owner.PutBucketAsync("tenant-a-private");
        await owner.PutObjectAsync(new PutObjectRequest { BucketName = "tenant-a-private", Key = "secret", ContentBody = "tenant a" });
        using var management = platform.RootClient();
        var tenantB = await management.CreateAccountAsync("s3-tenant-b");
        using var other = S3Clients.For(platform.App, tenantB);

        foreach (var attempt in new Func<Task>[]
        {
            () => other.GetObjectAsync("tenant-a-private", "secret"),
            () => other.PutObjectAsync(new PutObjectRequest { BucketName = "tenant-a-private", Key = "planted", ContentBody = "b" }),
            () => other.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "tenant-a-private" }),
            () => other.DeleteObjectAsync("tenant-a-private", "secret"),
            () => other.DeleteBucketAsync("tenant-a-private"),
        })
        {
            var denied = await Assert.ThrowsAnyAsync<AmazonS3Exception>(attempt);
            Assert.Equal("AccessDenied", denied.ErrorCode);
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }

        Assert.DoesNotContain((await other.ListBucketsAsync()).Buckets ?? [], b => b.BucketName == "tenant-a-private");
        Assert.Equal(["secret"], (await owner.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "tenant-a-private" })).S3Objects.Select(o => o.Key));

        await owner.PutBucketPolicyAsync("tenant-a-private", IamSetup.Document(new Dictionary<string, object>
        {
            ["Effect"] = "Allow",
            ["Principal"] = new Dictionary<string, object> { ["AWS"] = $"arn:aws:iam::{tenantB.AccountId}:root" },
            ["Action"] = "s3:GetObject",
            ["Resource"] = "arn:aws:s3:::tenant-a-private/*",
        }));
        using var granted = await other.GetObjectAsync("tenant-a-private", "secret");
        Assert.Equal("tenant a", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(granted.ResponseStream)));
        var stillNoPut = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
            other.PutObjectAsync(new PutObjectRequest { BucketName = "tenant-a-private", Key = "planted", ContentBody = "b" }));
        Assert.Equal("AccessDenied", stillNoPut.ErrorCode);
    }

    private static async Task<string> ErrorOf(Func<Task> call)
    {
        var error = await Assert.ThrowsAnyAsync<AmazonS3Exception>(call);
        return $"{(int)error.StatusCode} {error.ErrorCode}";
    }

    [Fact]
    public async Task Given_a_new_bucket_When_ACLs_are_sent_Then_ownership_is_BucketOwnerEnforced_and_only_the_owners_full_control_is_accepted()
    {
        using var s3 = Client();
        var owner = platform.Root.AccountId;
        await s3.PutBucketAsync("acl-enforced");
        var controls = await s3.GetBucketOwnershipControlsAsync(new GetBucketOwnershipControlsRequest { BucketName = "acl-enforced" });
        Assert.Equal(ObjectOwnership.BucketOwnerEnforced, controls.OwnershipControls.Rules.Single().ObjectOwnership);
        var acl = await s3.GetBucketAclAsync(new GetBucketAclRequest { BucketName = "acl-enforced" });
        Assert.Equal(owner, acl.Owner.Id);
        var grant = Assert.Single(acl.Grants);
        Assert.Equal((owner, S3Permission.FULL_CONTROL), (grant.Grantee.CanonicalUser, grant.Permission));

        Assert.Equal("400 AccessControlListNotSupported", await ErrorOf(() =>
            s3.PutBucketAclAsync(new PutBucketAclRequest { BucketName = "acl-enforced", ACL = S3CannedACL.PublicRead })));
        Assert.Equal("400 AccessControlListNotSupported", await ErrorOf(() =>
            s3.PutObjectAsync(new PutObjectRequest { BucketName = "acl-enforced", Key = "public", ContentBody = "x", CannedACL = S3CannedACL.PublicRead })));
        var granted = new PutObjectRequest { BucketName = "acl-enforced", Key = "granted", ContentBody = "x" };
        granted.Headers["x-amz-grant-read"] = "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"";
        Assert.Equal("400 AccessControlListNotSupported", await ErrorOf(() => s3.PutObjectAsync(granted)));
        Assert.Empty((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "acl-enforced" })).S3Objects ?? []);

        // The owner's full control (the canned bucket-owner-full-control, or private) is what a bucket without ACLs accepts.
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "acl-enforced", Key = "k", ContentBody = "x", CannedACL = S3CannedACL.BucketOwnerFullControl });
        await s3.PutBucketAclAsync(new PutBucketAclRequest { BucketName = "acl-enforced", ACL = S3CannedACL.Private });
        var objectAcl = await s3.GetObjectAclAsync(new GetObjectAclRequest { BucketName = "acl-enforced", Key = "k" });
        Assert.Equal(owner, objectAcl.Owner.Id);
        Assert.Equal([(owner, S3Permission.FULL_CONTROL)], objectAcl.Grants.Select(g => (g.Grantee.CanonicalUser, g.Permission)));
        Assert.Equal("404 NoSuchKey", await ErrorOf(() => s3.GetObjectAclAsync(new GetObjectAclRequest { BucketName = "acl-enforced", Key = "none" })));

        // CreateBucket with a public ACL and no ownership header: refused, no bucket made.
        Assert.Equal("400 InvalidBucketAclWithObjectOwnership", await ErrorOf(() =>
            s3.PutBucketAsync(new PutBucketRequest { BucketName = "acl-enforced-public", CannedACL = S3CannedACL.PublicRead })));
        Assert.DoesNotContain((await s3.ListBucketsAsync()).Buckets ?? [], b => b.BucketName == "acl-enforced-public");
    }

    [Fact]
    public async Task Given_ACLs_enabled_When_objects_and_the_bucket_are_granted_Then_anonymous_and_other_accounts_get_exactly_what_is_granted()
    {
        using var s3 = Client();
        using var anonymous = S3Clients.Anonymous(platform.App);
        using var management = platform.RootClient();
        var tenantB = await management.CreateAccountAsync("s3-acl-tenant-b");
        using var other = S3Clients.For(platform.App, tenantB);
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = "acl-granted", ObjectOwnership = ObjectOwnership.ObjectWriter });
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "acl-granted", Key = "page", ContentBody = "public", CannedACL = S3CannedACL.PublicRead });
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "acl-granted", Key = "hidden", ContentBody = "hidden" });

        using (var page = await anonymous.GetObjectAsync("acl-granted", "page"))
        {
            Assert.Equal("public", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(page.ResponseStream)));
        }

        Assert.Equal("403 AccessDenied", await ErrorOf(() => anonymous.GetObjectAsync("acl-granted", "hidden")));
        Assert.Equal("403 AccessDenied", await ErrorOf(() => anonymous.GetObjectAclAsync(new GetObjectAclRequest { BucketName = "acl-granted", Key = "page" })));
        Assert.Equal("403 AccessDenied", await ErrorOf(() => anonymous.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "acl-granted" })));
        Assert.Equal("403 AccessDenied", await ErrorOf(() => other.GetObjectAsync("acl-granted", "hidden")));

        // A grant to another account's canonical id (its account id here) lets that account read; an id of no account is refused.
        await s3.PutObjectAclAsync(new PutObjectAclRequest { BucketName = "acl-granted", Key = "hidden", GrantRead = $"id=\"{tenantB.AccountId}\"" });
        using (var granted = await other.GetObjectAsync("acl-granted", "hidden"))
        {
            Assert.Equal("hidden", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(granted.ResponseStream)));
        }

        Assert.Equal("403 AccessDenied", await ErrorOf(() => other.GetObjectAclAsync(new GetObjectAclRequest { BucketName = "acl-granted", Key = "hidden" })));
        Assert.Equal("403 AccessDenied", await ErrorOf(() => anonymous.GetObjectAsync("acl-granted", "hidden")));
        Assert.Equal("400 InvalidArgument", await ErrorOf(() =>
            s3.PutObjectAclAsync(new PutObjectAclRequest { BucketName = "acl-granted", Key = "hidden", GrantRead = "id=\"999999999999\"" })));
        var kept = await s3.GetObjectAclAsync(new GetObjectAclRequest { BucketName = "acl-granted", Key = "hidden" });
        Assert.Contains(kept.Grants, g => g.Grantee.CanonicalUser == tenantB.AccountId && g.Permission == S3Permission.READ);

        // The bucket's ACL: READ lists, WRITE lets another account write its own objects (owned by it under ObjectWriter).
        await s3.PutBucketAclAsync(new PutBucketAclRequest { BucketName = "acl-granted", ACL = S3CannedACL.PublicRead });
        Assert.Equal(2, (await anonymous.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "acl-granted" })).S3Objects.Count);
        Assert.Equal("403 AccessDenied", await ErrorOf(() => other.PutObjectAsync(new PutObjectRequest { BucketName = "acl-granted", Key = "from-b", ContentBody = "b" })));
        await s3.PutBucketAclAsync(new PutBucketAclRequest { BucketName = "acl-granted", GrantWrite = $"id=\"{tenantB.AccountId}\"", GrantFullControl = $"id=\"{platform.Root.AccountId}\"" });
        await other.PutObjectAsync(new PutObjectRequest { BucketName = "acl-granted", Key = "from-b", ContentBody = "b" });
        await other.PutObjectAsync(new PutObjectRequest { BucketName = "acl-granted", Key = "from-b-shared", ContentBody = "b", CannedACL = S3CannedACL.BucketOwnerFullControl });
        var writerOwned = await other.GetObjectAclAsync(new GetObjectAclRequest { BucketName = "acl-granted", Key = "from-b" });
        Assert.Equal(tenantB.AccountId, writerOwned.Owner.Id);
        // The bucket owner reads another account's object only where that object's ACL grants it.
        Assert.Equal("403 AccessDenied", await ErrorOf(() => s3.GetObjectAsync("acl-granted", "from-b")));
        using (var shared = await s3.GetObjectAsync("acl-granted", "from-b-shared"))
        {
            Assert.Equal("b", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(shared.ResponseStream)));
        }

        // Public access block: BlockPublicAcls refuses public ACLs, IgnorePublicAcls makes them grant nothing.
        await s3.PutPublicAccessBlockAsync(new PutPublicAccessBlockRequest
        {
            BucketName = "acl-granted", PublicAccessBlockConfiguration = new PublicAccessBlockConfiguration { BlockPublicAcls = true, IgnorePublicAcls = true },
        });
        Assert.Equal("403 AccessDenied", await ErrorOf(() =>
            s3.PutObjectAclAsync(new PutObjectAclRequest { BucketName = "acl-granted", Key = "hidden", ACL = S3CannedACL.PublicRead })));
        Assert.Equal("403 AccessDenied", await ErrorOf(() =>
            s3.PutObjectAsync(new PutObjectRequest { BucketName = "acl-granted", Key = "new-public", ContentBody = "x", CannedACL = S3CannedACL.PublicReadWrite })));
        Assert.Equal("403 AccessDenied", await ErrorOf(() => anonymous.GetObjectAsync("acl-granted", "page")));
        await s3.DeletePublicAccessBlockAsync(new DeletePublicAccessBlockRequest { BucketName = "acl-granted" });
        (await anonymous.GetObjectAsync("acl-granted", "page")).Dispose();

        // ACLs disabled again: refused while the bucket's ACL grants others, then every ACL stops counting.
        Assert.Equal("400 InvalidBucketAclWithObjectOwnership", await ErrorOf(() => s3.PutBucketOwnershipControlsAsync(new PutBucketOwnershipControlsRequest
        {
            BucketName = "acl-granted", OwnershipControls = new OwnershipControls { Rules = [new OwnershipControlsRule { ObjectOwnership = ObjectOwnership.BucketOwnerEnforced }] },
        })));
        await s3.PutBucketAclAsync(new PutBucketAclRequest { BucketName = "acl-granted", ACL = S3CannedACL.Private });
        await s3.PutBucketOwnershipControlsAsync(new PutBucketOwnershipControlsRequest
        {
            BucketName = "acl-granted", OwnershipControls = new OwnershipControls { Rules = [new OwnershipControlsRule { ObjectOwnership = ObjectOwnership.BucketOwnerEnforced }] },
        });
        Assert.Equal("403 AccessDenied", await ErrorOf(() => anonymous.GetObjectAsync("acl-granted", "page")));
        Assert.Equal("403 AccessDenied", await ErrorOf(() => other.GetObjectAsync("acl-granted", "hidden")));
        var enforced = await s3.GetObjectAclAsync(new GetObjectAclRequest { BucketName = "acl-granted", Key = "from-b" });
        Assert.Equal(platform.Root.AccountId, enforced.Owner.Id);
        (await s3.GetObjectAsync("acl-granted", "from-b")).Dispose();

        // Another tenant learns nothing of the bucket's ACL or ownership.
        Assert.Equal("403 AccessDenied", await ErrorOf(() => other.GetBucketAclAsync(new GetBucketAclRequest { BucketName = "acl-granted" })));
        Assert.Equal("403 AccessDenied", await ErrorOf(() =>
            other.GetBucketOwnershipControlsAsync(new GetBucketOwnershipControlsRequest { BucketName = "acl-granted" })));
    }

    [Fact]
    public async Task Given_a_policy_allowing_anyone_to_read_a_prefix_Then_anonymous_reads_there_only_and_an_explicit_deny_wins()
    {
        using var owner = Client();
        await owner.PutBucketAsync("public-prefix");
        await owner.PutObjectAsync(new PutObjectRequest { BucketName = "public-prefix", Key = "public/page.html", ContentBody = "<p>hi</p>" });
        await owner.PutObjectAsync(new PutObjectRequest { BucketName = "public-prefix", Key = "private/key", ContentBody = "no" });
        using var anonymous = S3Clients.Anonymous(platform.App);
        var before = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => anonymous.GetObjectAsync("public-prefix", "public/page.html"));
        Assert.Equal("AccessDenied", before.ErrorCode);

        await owner.PutBucketPolicyAsync("public-prefix", IamSetup.Document(
            new Dictionary<string, object> { ["Effect"] = "Allow", ["Principal"] = "*", ["Action"] = "s3:GetObject", ["Resource"] = "arn:aws:s3:::public-prefix/*" },
            new Dictionary<string, object> { ["Effect"] = "Deny", ["Principal"] = "*", ["Action"] = "s3:GetObject", ["Resource"] = "arn:aws:s3:::public-prefix/private/*" }));
        using (var page = await anonymous.GetObjectAsync("public-prefix", "public/page.html"))
        {
            Assert.Equal("<p>hi</p>", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(page.ResponseStream)));
        }

        var denied = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => anonymous.GetObjectAsync("public-prefix", "private/key"));
        Assert.Equal("AccessDenied", denied.ErrorCode);
        // The explicit deny binds the owner's own account too.
        var ownerDenied = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => owner.GetObjectAsync("public-prefix", "private/key"));
        Assert.Equal("AccessDenied", ownerDenied.ErrorCode);
        var anonymousWrite = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
            anonymous.PutObjectAsync(new PutObjectRequest { BucketName = "public-prefix", Key = "public/x", ContentBody = "x" }));
        Assert.Equal("AccessDenied", anonymousWrite.ErrorCode);

        var malformed = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => owner.PutBucketPolicyAsync("public-prefix", "{\"Statement\": 5}"));
        Assert.Equal("MalformedPolicy", malformed.ErrorCode);
        var kept = await owner.GetBucketPolicyAsync("public-prefix");
        Assert.Contains("private/*", kept.Policy);
    }

    [Fact]
    public async Task Given_an_IAM_user_When_its_policies_allow_only_reads_Then_writes_are_denied()
    {
        using var owner = Client();
        await owner.PutBucketAsync("user-scoped");
        await owner.PutObjectAsync(new PutObjectRequest { BucketName = "user-scoped", Key = "k", ContentBody = "v" });
        using var iam = platform.RootClient();
        var reader = await iam.CreateUserWithKeyAsync("s3-reader", platform.Root.AccountId);
        var policy = await iam.CreatePolicyAsync("S3ReadUserScoped", IamSetup.Document(new Dictionary<string, object>
        {
            ["Effect"] = "Allow", ["Action"] = new[] { "s3:GetObject", "s3:ListBucket" },
            ["Resource"] = new[] { "arn:aws:s3:::user-scoped", "arn:aws:s3:::user-scoped/*" },
        }));
        await iam.AttachAsync("s3-reader", policy);
        using var s3 = S3Clients.For(platform.App, reader);

        using (var get = await s3.GetObjectAsync("user-scoped", "k"))
        {
            Assert.Equal("v", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(get.ResponseStream)));
        }

        var denied = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutObjectAsync(new PutObjectRequest { BucketName = "user-scoped", Key = "k", ContentBody = "w" }));
        Assert.Equal("AccessDenied", denied.ErrorCode);
    }

    [Fact]
    public async Task Given_a_user_allowed_GetObject_but_not_GetObjectVersion_When_it_names_a_version_Then_AccessDenied_and_the_current_version_still_reads()
    {
        using var owner = Client();
        await owner.PutBucketAsync("version-perms");
        await owner.PutBucketVersioningAsync(new PutBucketVersioningRequest
        {
            BucketName = "version-perms", VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled },
        });
        var v1 = (await owner.PutObjectAsync(new PutObjectRequest { BucketName = "version-perms", Key = "k", ContentBody = "one" })).VersionId;
        await owner.PutObjectAsync(new PutObjectRequest { BucketName = "version-perms", Key = "k", ContentBody = "two" });
        using var iam = platform.RootClient();
        var reader = await iam.CreateUserWithKeyAsync("s3-current-reader", platform.Root.AccountId);
        var policy = await iam.CreatePolicyAsync("S3CurrentOnly", IamSetup.Document(new Dictionary<string, object>
        {
            ["Effect"] = "Allow", ["Action"] = new[] { "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging", "s3:PutObjectTagging" },
            ["Resource"] = "arn:aws:s3:::version-perms/*",
        }));
        await iam.AttachAsync("s3-current-reader", policy);
        using var s3 = S3Clients.For(platform.App, reader);

        using (var current = await s3.GetObjectAsync("version-perms", "k"))
        {
            Assert.Equal("two", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(current.ResponseStream)));
        }

        foreach (var attempt in new Func<Task>[]
        {
            () => s3.GetObjectAsync(new GetObjectRequest { BucketName = "version-perms", Key = "k", VersionId = v1 }),
            () => s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = "version-perms", Key = "k", VersionId = v1 }),
            () => s3.CopyObjectAsync(new CopyObjectRequest
            {
                SourceBucket = "version-perms", SourceKey = "k", SourceVersionId = v1, DestinationBucket = "version-perms", DestinationKey = "restored",
            }),
            () => s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = "version-perms", Key = "k", VersionId = v1 }),
            () => s3.PutObjectTaggingAsync(new PutObjectTaggingRequest
            {
                BucketName = "version-perms", Key = "k", VersionId = v1, Tagging = new Tagging { TagSet = [new Tag { Key = "a", Value = "b" }] },
            }),
            () => s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = "version-perms", Key = "k", VersionId = v1 }),
        })
        {
            var denied = await Assert.ThrowsAnyAsync<AmazonS3Exception>(attempt);
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }

        // Nothing changed: the old version is there with no tags, no copy was made.
        using (var old = await owner.GetObjectAsync(new GetObjectRequest { BucketName = "version-perms", Key = "k", VersionId = v1 }))
        {
            Assert.Equal("one", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(old.ResponseStream)));
        }

        Assert.Empty((await owner.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = "version-perms", Key = "k", VersionId = v1 })).Tagging ?? []);
        Assert.DoesNotContain((await owner.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "version-perms" })).S3Objects ?? [], o => o.Key == "restored");

        var versionPolicy = await iam.CreatePolicyAsync("S3VersionReads", IamSetup.Document(new Dictionary<string, object>
        {
            ["Effect"] = "Allow", ["Action"] = "s3:GetObjectVersion", ["Resource"] = "arn:aws:s3:::version-perms/*",
        }));
        await iam.AttachAsync("s3-current-reader", versionPolicy);
        using (var granted = await s3.GetObjectAsync(new GetObjectRequest { BucketName = "version-perms", Key = "k", VersionId = v1 }))
        {
            Assert.Equal("one", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(granted.ResponseStream)));
        }

        Assert.Equal(v1, (await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = "version-perms", Key = "k", VersionId = v1 })).VersionId);
    }

    [Fact]
    public async Task Given_presigned_urls_When_used_without_credentials_Then_GET_and_PUT_work_and_tampering_fails()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("presigned");
        var putUrl = await s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = "presigned", Key = "up load.txt", Verb = HttpVerb.PUT, Expires = DateTime.UtcNow.AddMinutes(10), Protocol = Protocol.HTTP,
        });
        using var raw = S3Clients.RawClient(platform.App);
        var put = await raw.PutAsync(putUrl, new ByteArrayContent(Encoding.UTF8.GetBytes("via presigned put")));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var getUrl = await s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = "presigned", Key = "up load.txt", Verb = HttpVerb.GET, Expires = DateTime.UtcNow.AddMinutes(10), Protocol = Protocol.HTTP,
        });
        var get = await raw.GetAsync(getUrl);
        Assert.Equal("via presigned put", await get.Content.ReadAsStringAsync());

        var tampered = await raw.GetAsync(getUrl.Replace("up%20load.txt", "other.txt", StringComparison.Ordinal));
        await S3ErrorTests.AssertS3ErrorAsync(tampered, HttpStatusCode.Forbidden, "SignatureDoesNotMatch");
    }

    [Fact]
    public async Task Given_a_write_with_an_ACL_When_the_writer_lacks_s3_PutObjectAcl_Then_AccessDenied_and_aws_exec_read_grants_as_S3s()
    {
        using var s3 = Client();
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = "acl-permission", ObjectOwnership = ObjectOwnership.BucketOwnerPreferred });
        using var iam = platform.RootClient();
        var writer = await iam.CreateUserWithKeyAsync("acl-writer", platform.Root.AccountId);
        await iam.AttachAsync("acl-writer", await iam.CreatePolicyAsync("AclWriterPuts", IamSetup.Document(new Dictionary<string, object>
        {
            ["Effect"] = "Allow", ["Action"] = new[] { "s3:PutObject", "s3:GetObjectAcl" }, ["Resource"] = "arn:aws:s3:::acl-permission/*",
        })));
        using var writerS3 = S3Clients.For(platform.App, writer);

        await writerS3.PutObjectAsync(new PutObjectRequest { BucketName = "acl-permission", Key = "plain", ContentBody = "x" });
        foreach (var call in new Func<Task>[]
        {
            () => writerS3.PutObjectAsync(new PutObjectRequest { BucketName = "acl-permission", Key = "canned", ContentBody = "x", CannedACL = S3CannedACL.AuthenticatedRead }),
            () => writerS3.CopyObjectAsync(new CopyObjectRequest
            {
                SourceBucket = "acl-permission", SourceKey = "plain", DestinationBucket = "acl-permission", DestinationKey = "copied", CannedACL = S3CannedACL.PublicRead,
            }),
            () => writerS3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = "acl-permission", Key = "parts", CannedACL = S3CannedACL.PublicRead }),
        })
        {
            Assert.Equal("403 AccessDenied", await ErrorOf(call));
        }

        Assert.Equal(["plain"], (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "acl-permission" })).S3Objects.Select(o => o.Key));
        Assert.Empty((await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = "acl-permission" })).MultipartUploads ?? []);

        await iam.AttachAsync("acl-writer", await iam.CreatePolicyAsync("AclWriterAcls", IamSetup.Document(new Dictionary<string, object>
        {
            ["Effect"] = "Allow", ["Action"] = "s3:PutObjectAcl", ["Resource"] = "arn:aws:s3:::acl-permission/*",
        })));
        await writerS3.PutObjectAsync(new PutObjectRequest { BucketName = "acl-permission", Key = "exec", ContentBody = "x", CannedACL = S3CannedACL.AWSExecRead });
        var grants = (await writerS3.GetObjectAclAsync(new GetObjectAclRequest { BucketName = "acl-permission", Key = "exec" })).Grants
            .Select(g => $"{g.Permission} {g.Grantee.CanonicalUser}").Order(StringComparer.Ordinal);
        Assert.Equal([$"FULL_CONTROL {platform.Root.AccountId}", "READ 6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c"], grants);
        using var anonymous = S3Clients.Anonymous(platform.App);
        Assert.Equal("403 AccessDenied", await ErrorOf(() => anonymous.GetObjectAsync("acl-permission", "exec")));
    }

    /// <summary>A browser's form: the SDK's fields in order, then the file last, as S3 wants it.</summary>
    private static MultipartFormDataContent Form(CreatePresignedPostResponse post, string body, params (string Name, string Value)[] extra)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in post.Fields.Select(f => (f.Key, f.Value)).Concat(extra))
        {
            form.Add(new StringContent(value), name);
        }

        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(body)), "file", "picture.txt");
        return form;
    }

    [Fact]
    public async Task Given_the_SDKs_presigned_post_When_a_form_is_posted_Then_it_is_decided_as_its_signer_with_the_buckets_ACL_rules()
    {
        using var s3 = Client();
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = "post-acl", ObjectOwnership = ObjectOwnership.BucketOwnerPreferred });
        await s3.PutBucketAsync("post-enforced");
        using var raw = S3Clients.RawClient(platform.App);
        using var anonymous = S3Clients.Anonymous(platform.App);

        var publicRead = await s3.CreatePresignedPostAsync(new CreatePresignedPostRequest
        {
            BucketName = "post-acl", Key = "forms/${filename}", Expires = DateTime.UtcNow.AddMinutes(10),
            Fields = new Dictionary<string, string> { ["acl"] = "public-read" },
            Conditions = [S3PostCondition.ExactMatch("acl", "public-read"), S3PostCondition.ContentLengthRange(1, 1024)],
        });
        using (var posted = await raw.PostAsync("/post-acl", Form(publicRead, "from a browser")))
        {
            Assert.True(posted.StatusCode == HttpStatusCode.NoContent, await posted.Content.ReadAsStringAsync());
        }

        // The acl field made it public: anyone reads it.
        using (var read = await anonymous.GetObjectAsync("post-acl", "forms/picture.txt"))
        {
            Assert.Equal("from a browser", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(read.ResponseStream)));
        }

        var enforced = await s3.CreatePresignedPostAsync(new CreatePresignedPostRequest
        {
            BucketName = "post-enforced", Key = "k", Expires = DateTime.UtcNow.AddMinutes(10),
            Fields = new Dictionary<string, string> { ["acl"] = "public-read" }, Conditions = [S3PostCondition.ExactMatch("acl", "public-read")],
        });
        using (var refused = await raw.PostAsync("/post-enforced", Form(enforced, "x")))
        {
            await S3ErrorTests.AssertS3ErrorAsync(refused, HttpStatusCode.BadRequest, "AccessControlListNotSupported");
        }

        // Signed by a user whose policies allow reads only: refused as that user, nothing stored.
        using var iam = platform.RootClient();
        var reader = await iam.CreateUserWithKeyAsync("post-reader", platform.Root.AccountId);
        await iam.AttachAsync("post-reader", await iam.CreatePolicyAsync("PostReaderReads", IamSetup.Document(new Dictionary<string, object>
        {
            ["Effect"] = "Allow", ["Action"] = "s3:GetObject", ["Resource"] = "arn:aws:s3:::post-acl/*",
        })));
        using var readerS3 = S3Clients.For(platform.App, reader);
        var byReader = await readerS3.CreatePresignedPostAsync(new CreatePresignedPostRequest
        {
            BucketName = "post-acl", Key = "reader.txt", Expires = DateTime.UtcNow.AddMinutes(10),
        });
        using (var denied = await raw.PostAsync("/post-acl", Form(byReader, "not allowed")))
        {
            await S3ErrorTests.AssertS3ErrorAsync(denied, HttpStatusCode.Forbidden, "AccessDenied");
        }

        Assert.Equal(["forms/picture.txt"], (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "post-acl" })).S3Objects.Select(o => o.Key));
    }

    [Fact]
    public async Task Given_default_encryption_When_objects_are_stored_Then_disk_holds_ciphertext_and_ranges_still_read()
    {
        using var s3 = Client();
        await s3.PutBucketAsync("encrypted");
        await s3.PutBucketEncryptionAsync(new PutBucketEncryptionRequest
        {
            BucketName = "encrypted",
            ServerSideEncryptionConfiguration = new ServerSideEncryptionConfiguration
            {
                ServerSideEncryptionRules = [new ServerSideEncryptionRule { ServerSideEncryptionByDefault = new ServerSideEncryptionByDefault { ServerSideEncryptionAlgorithm = ServerSideEncryptionMethod.AES256 } }],
            },
        });
        var marker = "PLAINTEXT-MARKER-" + Guid.NewGuid().ToString("N");
        var body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(marker, 20_000)));
        var put = await s3.PutObjectAsync(new PutObjectRequest { BucketName = "encrypted", Key = "sealed", InputStream = new MemoryStream(body) });
        Assert.Equal(ServerSideEncryptionMethod.AES256, put.ServerSideEncryptionMethod);
        Assert.Equal($"\"{Convert.ToHexStringLower(S3ObjectTests.Md5(body))}\"", put.ETag);

        using (var whole = await s3.GetObjectAsync("encrypted", "sealed"))
        {
            Assert.Equal(body, await S3ObjectTests.ReadAllAsync(whole.ResponseStream));
        }

        using (var range = await s3.GetObjectAsync(new GetObjectRequest { BucketName = "encrypted", Key = "sealed", ByteRange = new ByteRange(65_530, 200_000) }))
        {
            Assert.Equal(body[65_530..200_001], await S3ObjectTests.ReadAllAsync(range.ResponseStream));
        }

        var needle = Encoding.ASCII.GetBytes(marker);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(platform.App.DataDirectory, "objects", "blobs"), "*", SearchOption.AllDirectories))
        {
            Assert.True(File.ReadAllBytes(file).AsSpan().IndexOf(needle) < 0, $"{file} holds plaintext");
        }
    }

    [Fact]
    public async Task Given_the_native_API_When_an_object_is_put_got_listed_and_deleted_Then_the_seed_shapes_hold()
    {
        using var native = platform.App.SignedClient(platform.Root, "s3");
        (await native.PutAsync("/api/v1/s3/native-bucket", null)).EnsureSuccessStatusCode();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("native bytes"));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        var put = await (await native.PutAsync("/api/v1/s3/native-bucket/dir/file.txt", content)).AssertOkAsync();
        Assert.Equal($"\"{Convert.ToHexStringLower(S3ObjectTests.Md5(Encoding.UTF8.GetBytes("native bytes")))}\"", put.GetProperty("etag").GetString());
        Assert.Equal("/native-bucket/dir/file.txt", put.GetProperty("location").GetString());

        var get = await native.GetAsync("/api/v1/s3/native-bucket/dir/file.txt");
        Assert.Equal("native bytes", await get.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", get.Content.Headers.ContentType?.MediaType);

        var listing = await (await native.GetAsync("/api/v1/s3/native-bucket?delimiter=/")).AssertOkAsync();
        Assert.Equal("dir/", listing.GetProperty("common_prefixes")[0].GetString());

        // The same object through the S3 REST API.
        using var s3 = Client();
        using (var viaS3 = await s3.GetObjectAsync("native-bucket", "dir/file.txt"))
        {
            Assert.Equal("native bytes", Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(viaS3.ResponseStream)));
        }

        // A sub-resource the native API does not have is refused, never taken for the plain operation: PUT ?tagging is not
        // CreateBucket, DELETE key?tagging is not DeleteObject.
        await (await native.PutAsync("/api/v1/s3/native-bucket?tagging", new StringContent("<Tagging/>"))).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidRequest");
        await (await native.DeleteAsync("/api/v1/s3/native-bucket/dir/file.txt?tagging")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidRequest");
        await (await native.DeleteAsync("/api/v1/s3/native-bucket?policy")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidRequest");
        Assert.Equal("native bytes", await (await native.GetAsync("/api/v1/s3/native-bucket/dir/file.txt")).Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NoContent, (await native.DeleteAsync("/api/v1/s3/native-bucket/dir/file.txt")).StatusCode);
        await (await native.GetAsync("/api/v1/s3/native-bucket/dir/file.txt")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchKey");
        await (await native.PutAsync("/api/v1/s3/Bad_Bucket", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidBucketName");
    }
}
