using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>
/// Issue 16 item 3 (object lock) with the AWS SDK for .NET: a bucket made with object lock, its default retention, a version's
/// retention in governance and compliance mode, legal holds, and who may lift what (s3:BypassGovernanceRetention with its header).
/// </summary>
public sealed class S3ObjectLockTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    private AmazonS3Client Client() => S3Clients.For(platform.App, platform.Root);

    private static async Task<string> ErrorOf(Func<Task> call)
    {
        var error = await Assert.ThrowsAnyAsync<AmazonS3Exception>(call);
        return $"{(int)error.StatusCode} {error.ErrorCode}";
    }

    private static async Task<string> PutAsync(AmazonS3Client s3, string bucket, string key, string body, Action<PutObjectRequest>? more = null)
    {
        var request = new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = body };
        more?.Invoke(request);
        return (await s3.PutObjectAsync(request)).VersionId;
    }

    private static async Task<List<string>> VersionIdsAsync(AmazonS3Client s3, string bucket, string key) =>
        [.. ((await s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, Prefix = key })).Versions ?? []).Where(v => v.Key == key && v.IsDeleteMarker != true)
            .Select(v => v.VersionId)];

    [Fact]
    public async Task Given_a_bucket_made_with_object_lock_When_its_default_retention_is_governance_Then_versions_stay_until_the_bypass_lifts_it()
    {
        using var s3 = Client();
        const string bucket = "lock-governance";
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket, ObjectLockEnabledForBucket = true });
        Assert.Equal(VersionStatus.Enabled, (await s3.GetBucketVersioningAsync(new GetBucketVersioningRequest { BucketName = bucket })).VersioningConfig.Status);
        Assert.Equal("409 InvalidBucketState", await ErrorOf(() => s3.PutBucketVersioningAsync(new PutBucketVersioningRequest
        {
            BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Suspended },
        })));
        var bare = await s3.GetObjectLockConfigurationAsync(new GetObjectLockConfigurationRequest { BucketName = bucket });
        Assert.Equal(ObjectLockEnabled.Enabled, bare.ObjectLockConfiguration.ObjectLockEnabled);
        Assert.Null(bare.ObjectLockConfiguration.Rule);

        // Written before a default retention: no lock, deleted for good as any version.
        var unlocked = await PutAsync(s3, bucket, "before", "free");
        await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "before", VersionId = unlocked });

        Assert.Equal("400 MalformedXML", await ErrorOf(() => s3.PutObjectLockConfigurationAsync(new PutObjectLockConfigurationRequest
        {
            BucketName = bucket,
            ObjectLockConfiguration = new ObjectLockConfiguration
            {
                ObjectLockEnabled = ObjectLockEnabled.Enabled,
                Rule = new ObjectLockRule { DefaultRetention = new DefaultRetention { Mode = ObjectLockRetentionMode.Governance, Days = 1, Years = 1 } },
            },
        })));
        Assert.Equal("400 InvalidArgument", await ErrorOf(() => s3.PutObjectLockConfigurationAsync(new PutObjectLockConfigurationRequest
        {
            BucketName = bucket,
            ObjectLockConfiguration = new ObjectLockConfiguration
            {
                ObjectLockEnabled = ObjectLockEnabled.Enabled,
                Rule = new ObjectLockRule { DefaultRetention = new DefaultRetention { Mode = ObjectLockRetentionMode.Governance, Days = 0 } },
            },
        })));
        Assert.Null((await s3.GetObjectLockConfigurationAsync(new GetObjectLockConfigurationRequest { BucketName = bucket })).ObjectLockConfiguration.Rule);

        await s3.PutObjectLockConfigurationAsync(new PutObjectLockConfigurationRequest
        {
            BucketName = bucket,
            ObjectLockConfiguration = new ObjectLockConfiguration
            {
                ObjectLockEnabled = ObjectLockEnabled.Enabled,
                Rule = new ObjectLockRule { DefaultRetention = new DefaultRetention { Mode = ObjectLockRetentionMode.Governance, Days = 2 } },
            },
        });
        var rule = (await s3.GetObjectLockConfigurationAsync(new GetObjectLockConfigurationRequest { BucketName = bucket })).ObjectLockConfiguration.Rule;
        Assert.Equal((ObjectLockRetentionMode.Governance, 2, (int?)null), (rule.DefaultRetention.Mode, rule.DefaultRetention.Days, rule.DefaultRetention.Years));

        var before = DateTime.UtcNow;
        var v1 = await PutAsync(s3, bucket, "k", "one");
        var head = await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = "k", VersionId = v1 });
        Assert.Equal(ObjectLockMode.Governance, head.ObjectLockMode);
        Assert.InRange(head.ObjectLockRetainUntilDate!.Value.ToUniversalTime(), before.AddDays(2).AddMinutes(-1), DateTime.UtcNow.AddDays(2).AddMinutes(1));
        var retention = await s3.GetObjectRetentionAsync(new GetObjectRetentionRequest { BucketName = bucket, Key = "k", VersionId = v1 });
        Assert.Equal(ObjectLockRetentionMode.Governance, retention.Retention.Mode);

        // Overwriting and deleting without a version id keep the locked version: a new version, a delete marker.
        var v2 = await PutAsync(s3, bucket, "k", "two");
        var marker = await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "k" });
        Assert.Equal("true", marker.DeleteMarker);

        Assert.Equal("403 AccessDenied", await ErrorOf(() => s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "k", VersionId = v1 })));
        // The SDK throws for a DeleteObjects answer with errors in it: the answer is the exception's.
        var many = await Assert.ThrowsAsync<DeleteObjectsException>(() =>
            s3.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = bucket, Objects = [new KeyVersion { Key = "k", VersionId = v2 }] }));
        var refused = Assert.Single(many.Response.DeleteErrors);
        Assert.Equal(("k", v2, "AccessDenied"), (refused.Key, refused.VersionId, refused.Code));
        // Shortening a governance retention needs the bypass; extending it does not.
        Assert.Equal("403 AccessDenied", await ErrorOf(() => s3.PutObjectRetentionAsync(new PutObjectRetentionRequest
        {
            BucketName = bucket, Key = "k", VersionId = v1,
            Retention = new ObjectLockRetention { Mode = ObjectLockRetentionMode.Governance, RetainUntilDate = DateTime.UtcNow.AddDays(1) },
        })));
        await s3.PutObjectRetentionAsync(new PutObjectRetentionRequest
        {
            BucketName = bucket, Key = "k", VersionId = v1,
            Retention = new ObjectLockRetention { Mode = ObjectLockRetentionMode.Governance, RetainUntilDate = DateTime.UtcNow.AddDays(3) },
        });
        Assert.Equal(["one", "two"], await BodiesAsync(s3, bucket, "k", v1, v2));

        // The bypass header with the permission (the account's root has every one) lifts governance.
        await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "k", VersionId = v1, BypassGovernanceRetention = true });
        var bypassed = await s3.DeleteObjectsAsync(new DeleteObjectsRequest
        {
            BucketName = bucket, Objects = [new KeyVersion { Key = "k", VersionId = v2 }], BypassGovernanceRetention = true,
        });
        Assert.Empty(bypassed.DeleteErrors ?? []);
        Assert.Empty(await VersionIdsAsync(s3, bucket, "k"));
    }

    private static async Task<List<string>> BodiesAsync(AmazonS3Client s3, string bucket, string key, params string[] versions)
    {
        var bodies = new List<string>();
        foreach (var version in versions)
        {
            using var get = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, VersionId = version });
            bodies.Add(Encoding.UTF8.GetString(await S3ObjectTests.ReadAllAsync(get.ResponseStream)));
        }

        return bodies;
    }

    [Fact]
    public async Task Given_a_version_in_compliance_mode_or_under_legal_hold_When_anyone_deletes_or_shortens_it_Then_AccessDenied_until_it_is_released()
    {
        using var s3 = Client();
        const string bucket = "lock-compliance";
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket, ObjectLockEnabledForBucket = true });
        var until = DateTime.UtcNow.AddDays(1);
        var compliant = await PutAsync(s3, bucket, "c", "kept", r => (r.ObjectLockMode, r.ObjectLockRetainUntilDate) = (ObjectLockMode.Compliance, until));
        var retention = (await s3.GetObjectRetentionAsync(new GetObjectRetentionRequest { BucketName = bucket, Key = "c" })).Retention;
        Assert.Equal(ObjectLockRetentionMode.Compliance, retention.Mode);
        Assert.InRange(retention.RetainUntilDate!.Value.ToUniversalTime(), until.AddSeconds(-1), until.AddSeconds(1));
        Assert.Equal("403 AccessDenied", await ErrorOf(() =>
            s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "c", VersionId = compliant, BypassGovernanceRetention = true })));
        foreach (var weaker in new[]
        {
            new ObjectLockRetention { Mode = ObjectLockRetentionMode.Compliance, RetainUntilDate = until.AddHours(-1) },
            new ObjectLockRetention { Mode = ObjectLockRetentionMode.Governance, RetainUntilDate = until.AddDays(1) },
        })
        {
            Assert.Equal("403 AccessDenied", await ErrorOf(() => s3.PutObjectRetentionAsync(new PutObjectRetentionRequest
            {
                BucketName = bucket, Key = "c", VersionId = compliant, Retention = weaker, BypassGovernanceRetention = true,
            })));
        }

        await s3.PutObjectRetentionAsync(new PutObjectRetentionRequest
        {
            BucketName = bucket, Key = "c", Retention = new ObjectLockRetention { Mode = ObjectLockRetentionMode.Compliance, RetainUntilDate = until.AddDays(1) },
        });
        Assert.Equal(["kept"], await BodiesAsync(s3, bucket, "c", compliant));

        // A copy takes its own x-amz-object-lock-*; an upload's own lock is not built (NotImplemented, no upload made).
        var copy = await s3.CopyObjectAsync(new CopyObjectRequest
        {
            SourceBucket = bucket, SourceKey = "c", DestinationBucket = bucket, DestinationKey = "copy",
            ObjectLockMode = ObjectLockMode.Compliance, ObjectLockRetainUntilDate = until,
        });
        Assert.Equal("403 AccessDenied", await ErrorOf(() => s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "copy", VersionId = copy.VersionId })));
        var uploadError = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = bucket, Key = "parts", ObjectLockLegalHoldStatus = ObjectLockLegalHoldStatus.On,
        }));
        Assert.Equal("NotImplemented", uploadError.ErrorCode);
        Assert.Empty((await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket })).MultipartUploads ?? []);

        // A date in the past, or a lock on a bucket without object lock: refused, nothing stored.
        Assert.Equal("400 InvalidArgument", await ErrorOf(() => PutAsync(s3, bucket, "past", "x",
            r => (r.ObjectLockMode, r.ObjectLockRetainUntilDate) = (ObjectLockMode.Governance, DateTime.UtcNow.AddDays(-1)))));
        Assert.Empty(await VersionIdsAsync(s3, bucket, "past"));
        await s3.PutBucketAsync("lock-none");
        Assert.Equal("400 InvalidRequest", await ErrorOf(() => PutAsync(s3, "lock-none", "k", "x", r => r.ObjectLockLegalHoldStatus = ObjectLockLegalHoldStatus.On)));
        Assert.Empty((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lock-none" })).S3Objects ?? []);
        Assert.Equal("404 ObjectLockConfigurationNotFoundError", await ErrorOf(() =>
            s3.GetObjectLockConfigurationAsync(new GetObjectLockConfigurationRequest { BucketName = "lock-none" })));

        // A legal hold: no retention at all, and still no delete, bypass or not, until it is OFF.
        var held = await PutAsync(s3, bucket, "h", "held", r => r.ObjectLockLegalHoldStatus = ObjectLockLegalHoldStatus.On);
        Assert.Equal(ObjectLockLegalHoldStatus.On, (await s3.GetObjectLegalHoldAsync(new GetObjectLegalHoldRequest { BucketName = bucket, Key = "h" })).LegalHold.Status);
        Assert.Equal("404 NoSuchObjectLockConfiguration", await ErrorOf(() => s3.GetObjectRetentionAsync(new GetObjectRetentionRequest { BucketName = bucket, Key = "h" })));
        Assert.Equal("403 AccessDenied", await ErrorOf(() =>
            s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "h", VersionId = held, BypassGovernanceRetention = true })));
        await s3.PutObjectLegalHoldAsync(new PutObjectLegalHoldRequest
        {
            BucketName = bucket, Key = "h", VersionId = held, LegalHold = new ObjectLockLegalHold { Status = ObjectLockLegalHoldStatus.Off },
        });
        Assert.Equal(ObjectLockLegalHoldStatus.Off, (await s3.GetObjectLegalHoldAsync(new GetObjectLegalHoldRequest { BucketName = bucket, Key = "h" })).LegalHold.Status);
        await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "h", VersionId = held });
        Assert.Empty(await VersionIdsAsync(s3, bucket, "h"));
        // A never-held version of a key without one: no legal hold to answer.
        var plain = await PutAsync(s3, bucket, "plain", "p");
        Assert.Equal("404 NoSuchObjectLockConfiguration", await ErrorOf(() =>
            s3.GetObjectLegalHoldAsync(new GetObjectLegalHoldRequest { BucketName = bucket, Key = "plain", VersionId = plain })));
    }

    [Fact]
    public async Task Given_an_IAM_user_When_it_sends_the_bypass_header_Then_governance_is_lifted_only_once_it_holds_s3_BypassGovernanceRetention()
    {
        using var s3 = Client();
        using var admin = platform.RootClient();
        const string bucket = "lock-bypass";
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket, ObjectLockEnabledForBucket = true });
        var user = await admin.CreateUserWithKeyAsync("lock-deleter", platform.Root.AccountId);
        var everythingBut = await admin.CreatePolicyAsync("lock-everything-but-bypass", IamSetup.Document(
            new Dictionary<string, object> { ["Effect"] = "Allow", ["Action"] = "s3:*", ["Resource"] = "*" },
            new Dictionary<string, object> { ["Effect"] = "Deny", ["Action"] = "s3:BypassGovernanceRetention", ["Resource"] = "*" }));
        await admin.AttachAsync("lock-deleter", everythingBut);
        using var userS3 = S3Clients.For(platform.App, user);
        var until = DateTime.UtcNow.AddDays(1);
        var locked = await PutAsync(userS3, bucket, "g", "governed", r => (r.ObjectLockMode, r.ObjectLockRetainUntilDate) = (ObjectLockMode.Governance, until));

        Assert.Equal("403 AccessDenied", await ErrorOf(() =>
            userS3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "g", VersionId = locked, BypassGovernanceRetention = true })));
        Assert.Equal("403 AccessDenied", await ErrorOf(() => userS3.PutObjectRetentionAsync(new PutObjectRetentionRequest
        {
            BucketName = bucket, Key = "g", VersionId = locked, BypassGovernanceRetention = true,
            Retention = new ObjectLockRetention { Mode = ObjectLockRetentionMode.Governance, RetainUntilDate = until.AddHours(-12) },
        })));
        Assert.Single(await VersionIdsAsync(s3, bucket, "g"));

        await (await admin.DeleteAsync($"/api/v1/iam/users/lock-deleter/attached-policies?policy_arn={Uri.EscapeDataString(everythingBut)}")).AssertOkAsync();
        var withBypass = await admin.CreatePolicyAsync("lock-everything", IamSetup.Document(
            new Dictionary<string, object> { ["Effect"] = "Allow", ["Action"] = "s3:*", ["Resource"] = "*" }));
        await admin.AttachAsync("lock-deleter", withBypass);
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await userS3.PutObjectRetentionAsync(new PutObjectRetentionRequest
                {
                    BucketName = bucket, Key = "g", VersionId = locked, BypassGovernanceRetention = true,
                    Retention = new ObjectLockRetention { Mode = ObjectLockRetentionMode.Governance, RetainUntilDate = until.AddHours(-12) },
                });
                return true;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.Forbidden)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(90), "the user's new policy never let it shorten the governance retention");
        // Without the header the permission alone lifts nothing.
        Assert.Equal("403 AccessDenied", await ErrorOf(() => userS3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "g", VersionId = locked })));
        await userS3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "g", VersionId = locked, BypassGovernanceRetention = true });
        Assert.Empty(await VersionIdsAsync(s3, bucket, "g"));
    }

    [Fact]
    public async Task Given_a_retention_of_seconds_When_it_has_passed_Then_the_version_can_be_deleted_and_a_versioned_bucket_takes_object_lock_later()
    {
        using var s3 = Client();
        const string bucket = "lock-expiring";
        await s3.PutBucketAsync(bucket);
        var enable = new PutObjectLockConfigurationRequest
        {
            BucketName = bucket, ObjectLockConfiguration = new ObjectLockConfiguration { ObjectLockEnabled = ObjectLockEnabled.Enabled },
        };
        // Object lock on an existing bucket needs its versioning Enabled first, as on S3.
        Assert.Equal("409 InvalidBucketState", await ErrorOf(() => s3.PutObjectLockConfigurationAsync(enable)));
        await s3.PutBucketVersioningAsync(new PutBucketVersioningRequest
        {
            BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled },
        });
        await s3.PutObjectLockConfigurationAsync(enable);
        Assert.Equal("409 InvalidBucketState", await ErrorOf(() => s3.PutBucketVersioningAsync(new PutBucketVersioningRequest
        {
            BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Suspended },
        })));

        var version = await PutAsync(s3, bucket, "soon", "short");
        await s3.PutObjectRetentionAsync(new PutObjectRetentionRequest
        {
            BucketName = bucket, Key = "soon", VersionId = version,
            Retention = new ObjectLockRetention { Mode = ObjectLockRetentionMode.Compliance, RetainUntilDate = DateTime.UtcNow.AddSeconds(5) },
        });
        Assert.Equal("403 AccessDenied", await ErrorOf(() => s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "soon", VersionId = version })));
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "soon", VersionId = version });
                return true;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.Forbidden)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(90), "the version stayed locked after its retention passed");
        Assert.Empty(await VersionIdsAsync(s3, bucket, "soon"));
    }
}
