using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Iam;

/// <summary>IAM groups on the native API: members, attached and inline policies, and their policies applying to members.</summary>
public sealed class GroupTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    [Fact]
    public async Task Given_a_group_with_a_member_and_policies_Then_it_lists_them_and_is_deleted_only_once_emptied()
    {
        using var root = platform.RootClient();
        await root.CreateUserWithKeyAsync("gina", platform.Root.AccountId);
        var created = await (await root.PostJsonAsync("/api/v1/iam/groups", new { group_name = "Builders" })).AssertOkAsync();
        Assert.Equal($"arn:aws:iam::{platform.Root.AccountId}:group/Builders", created.GetProperty("arn").GetString());
        Assert.StartsWith("AGPA", created.GetProperty("group_id").GetString(), StringComparison.Ordinal);
        await (await root.PostJsonAsync("/api/v1/iam/groups", new { group_name = "builders" })).AssertErrorAsync(HttpStatusCode.Conflict, "EntityAlreadyExists");

        await (await root.PutAsync("/api/v1/iam/groups/Builders/users/gina", null)).AssertOkAsync();
        await (await root.PutAsync("/api/v1/iam/groups/Builders/users/gina", null)).AssertOkAsync();
        var group = await (await root.GetAsync("/api/v1/iam/groups/builders")).AssertOkAsync();
        Assert.Equal("Builders", group.GetProperty("group").GetProperty("group_name").GetString());
        Assert.Equal(["gina"], group.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("user_name").GetString()));
        var ofUser = await (await root.GetAsync("/api/v1/iam/users/gina/groups")).AssertOkAsync();
        Assert.Equal(["Builders"], ofUser.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("group_name").GetString()));

        var policy = await root.CreatePolicyAsync("BuildersRead", IamSetup.Document(new { Effect = "Allow", Action = "iam:Get*", Resource = "*" }));
        await (await root.PostJsonAsync("/api/v1/iam/groups/Builders/attached-policies", new { policy_arn = policy })).AssertOkAsync();
        await (await root.PutJsonAsync("/api/v1/iam/groups/Builders/policies/list", new
        {
            policy_document = IamSetup.Document(new { Effect = "Allow", Action = "iam:List*", Resource = "*" }),
        })).AssertOkAsync();
        var attached = await (await root.GetAsync("/api/v1/iam/groups/Builders/attached-policies")).AssertOkAsync();
        Assert.Equal([policy], attached.GetProperty("attached_policies").EnumerateArray().Select(p => p.GetProperty("policy_arn").GetString()));
        Assert.Equal(1, (await (await root.GetAsync("/api/v1/iam/policies/BuildersRead")).AssertOkAsync()).GetProperty("attachment_count").GetInt32());
        var inline = await (await root.GetAsync("/api/v1/iam/groups/Builders/policies/list")).AssertOkAsync();
        Assert.Contains("iam:List*", inline.GetProperty("policy_document").GetString(), StringComparison.Ordinal);

        // In use: a group with members or policies, a user in a group, a policy attached to a group.
        await (await root.DeleteAsync("/api/v1/iam/groups/Builders")).AssertErrorAsync(HttpStatusCode.Conflict, "DeleteConflict");
        await (await root.DeleteAsync("/api/v1/iam/policies/BuildersRead")).AssertErrorAsync(HttpStatusCode.Conflict, "DeleteConflict");
        var keys = await (await root.GetAsync("/api/v1/iam/access-keys?user_name=gina")).AssertOkAsync();
        foreach (var key in keys.GetProperty("access_key_metadata").EnumerateArray())
        {
            await (await root.DeleteAsync($"/api/v1/iam/access-keys/{key.GetProperty("access_key_id").GetString()}?user_name=gina")).AssertOkAsync();
        }

        var inGroup = await (await root.DeleteAsync("/api/v1/iam/users/gina")).AssertErrorAsync(HttpStatusCode.Conflict, "DeleteConflict");
        Assert.Contains("groups", inGroup.GetProperty("message").GetString(), StringComparison.Ordinal);

        await (await root.DeleteAsync("/api/v1/iam/groups/Builders/users/gina")).AssertOkAsync();
        await (await root.DeleteAsync("/api/v1/iam/groups/Builders/users/gina")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        await (await root.DeleteAsync("/api/v1/iam/groups/Builders")).AssertErrorAsync(HttpStatusCode.Conflict, "DeleteConflict");
        await (await root.DeleteAsync($"/api/v1/iam/groups/Builders/attached-policies?policy_arn={Uri.EscapeDataString(policy)}")).AssertOkAsync();
        await (await root.DeleteAsync("/api/v1/iam/groups/Builders")).AssertErrorAsync(HttpStatusCode.Conflict, "DeleteConflict");
        await (await root.DeleteAsync("/api/v1/iam/groups/Builders/policies/list")).AssertOkAsync();
        await (await root.DeleteAsync("/api/v1/iam/groups/Builders")).AssertOkAsync();
        await (await root.GetAsync("/api/v1/iam/groups/Builders")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        await (await root.DeleteAsync("/api/v1/iam/users/gina")).AssertOkAsync();
    }

    [Fact]
    public async Task Given_bad_input_or_another_account_Then_the_answer_is_IAMs_error_and_nothing_changes()
    {
        using var root = platform.RootClient();
        await (await root.PostJsonAsync("/api/v1/iam/groups", new { group_name = "has space" })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await root.PostJsonAsync("/api/v1/iam/groups", new { group_name = new string('g', 129) })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await root.PostJsonAsync("/api/v1/iam/groups", new { group_name = "pathed", path = "/team/" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await root.GetAsync("/api/v1/iam/groups?max_items=0")).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        var groups = await (await root.GetAsync("/api/v1/iam/groups")).AssertOkAsync();
        Assert.DoesNotContain(groups.GetProperty("groups").EnumerateArray(), g => g.GetProperty("group_name").GetString() is "pathed" or "has space");

        await (await root.PostJsonAsync("/api/v1/iam/groups", new { group_name = "Private" })).AssertOkAsync();
        await (await root.PutJsonAsync("/api/v1/iam/groups/Private/policies/broken", new { policy_document = "{\"Statement\":[]" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "MalformedPolicyDocument");
        await (await root.PostJsonAsync("/api/v1/iam/groups/Private/attached-policies", new { policy_arn = "arn:aws:iam::aws:policy/NoSuchThing" }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        Assert.Empty((await (await root.GetAsync("/api/v1/iam/groups/Private/policies")).AssertOkAsync()).GetProperty("policy_names").EnumerateArray());

        var tenant = await root.CreateAccountAsync("groups-tenant");
        using var other = platform.App.SignedClient(tenant);
        await (await other.GetAsync("/api/v1/iam/groups/Private")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        await (await other.DeleteAsync("/api/v1/iam/groups/Private")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        await (await other.PutJsonAsync("/api/v1/iam/groups/Private/policies/mine", new
        {
            policy_document = IamSetup.Document(new { Effect = "Allow", Action = "*", Resource = "*" }),
        })).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        Assert.Empty((await (await other.GetAsync("/api/v1/iam/groups")).AssertOkAsync()).GetProperty("groups").EnumerateArray());
        // Its own user cannot join this account's group either: the group does not exist for it.
        await other.CreateUserWithKeyAsync("outsider", tenant.AccountId);
        await (await other.PutAsync("/api/v1/iam/groups/Private/users/outsider", null)).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        Assert.Empty((await (await root.GetAsync("/api/v1/iam/groups/Private")).AssertOkAsync()).GetProperty("users").EnumerateArray());

        // A user needs iam:CreateGroup / iam:AddUserToGroup on the group's ARN like any other action.
        var ivan = await root.CreateUserWithKeyAsync("ivan", platform.Root.AccountId);
        using var asIvan = platform.App.SignedClient(ivan);
        await (await asIvan.PostJsonAsync("/api/v1/iam/groups", new { group_name = "IvansOwn" })).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        await (await asIvan.PutAsync("/api/v1/iam/groups/Private/users/ivan", null)).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        Assert.Empty((await (await root.GetAsync("/api/v1/iam/users/ivan/groups")).AssertOkAsync()).GetProperty("groups").EnumerateArray());
    }

    [Fact]
    public async Task Given_a_user_with_no_policy_of_its_own_When_its_group_grants_S3_Then_it_may_and_leaving_the_group_revokes_it_at_once()
    {
        using var root = platform.RootClient();
        using var owner = S3Clients.For(platform.App, platform.Root);
        await owner.PutBucketAsync("group-granted");
        var judy = await root.CreateUserWithKeyAsync("judy", platform.Root.AccountId);
        using var s3 = S3Clients.For(platform.App, judy);
        var put = new PutObjectRequest { BucketName = "group-granted", Key = "report", ContentBody = "by judy" };
        Assert.Equal("AccessDenied", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutObjectAsync(put))).ErrorCode);

        await (await root.PostJsonAsync("/api/v1/iam/groups", new { group_name = "Writers" })).AssertOkAsync();
        var policy = await root.CreatePolicyAsync("WritersBucket", IamSetup.Document(new
        {
            Effect = "Allow",
            Action = new[] { "s3:PutObject", "s3:ListBucket" },
            Resource = new[] { "arn:aws:s3:::group-granted", "arn:aws:s3:::group-granted/*" },
        }));
        await (await root.PostJsonAsync("/api/v1/iam/groups/Writers/attached-policies", new { policy_arn = policy })).AssertOkAsync();
        await (await root.PutAsync("/api/v1/iam/groups/Writers/users/judy", null)).AssertOkAsync();

        await s3.PutObjectAsync(put);
        Assert.Equal(["report"], (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "group-granted" })).S3Objects.Select(o => o.Key));
        // The group grants what its policy says and no more.
        Assert.Equal("AccessDenied", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectAsync("group-granted", "report"))).ErrorCode);

        await (await root.DeleteAsync("/api/v1/iam/groups/Writers/users/judy")).AssertOkAsync();
        Assert.Equal("AccessDenied", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutObjectAsync(put))).ErrorCode);

        // A group's inline policy applies as well, and so does an explicit deny in it, over the user's own allow.
        await (await root.PutJsonAsync("/api/v1/iam/groups/Writers/policies/read", new
        {
            policy_document = IamSetup.Document(new { Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::group-granted/*" }),
        })).AssertOkAsync();
        await (await root.PutAsync("/api/v1/iam/groups/Writers/users/judy", null)).AssertOkAsync();
        using (var read = await s3.GetObjectAsync("group-granted", "report"))
        {
            Assert.Equal(HttpStatusCode.OK, read.HttpStatusCode);
        }

        await root.AttachAsync("judy", "arn:aws:iam::aws:policy/AdministratorAccess");
        await (await root.PutJsonAsync("/api/v1/iam/groups/Writers/policies/no-delete", new
        {
            policy_document = IamSetup.Document(new { Effect = "Deny", Action = "s3:DeleteObject", Resource = "*" }),
        })).AssertOkAsync();
        Assert.Equal("AccessDenied", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.DeleteObjectAsync("group-granted", "report"))).ErrorCode);
        await (await root.DeleteAsync($"/api/v1/iam/users/judy/attached-policies?policy_arn={Uri.EscapeDataString("arn:aws:iam::aws:policy/AdministratorAccess")}"))
            .AssertOkAsync();

        await (await root.DeleteAsync($"/api/v1/iam/groups/Writers/attached-policies?policy_arn={Uri.EscapeDataString(policy)}")).AssertOkAsync();
        Assert.Equal("AccessDenied", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutObjectAsync(put))).ErrorCode);
        Assert.Single((await owner.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "group-granted" })).S3Objects);
    }
}
