using System.Net;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Iam;

/// <summary>Every IAM endpoint, through the life of its entity: create, read, list, change, refuse, delete.</summary>
public sealed class IamLifecycleTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    [Fact]
    public async Task A_user_with_keys_and_policies_is_taken_apart_in_IAM_order()
    {
        using var root = platform.RootClient();
        var account = platform.Root.AccountId;
        var key = await root.CreateUserWithKeyAsync("kim", account);
        var policyArn = await root.CreatePolicyAsync("KimRead", IamSetup.Document(new { Effect = "Allow", Action = "iam:Get*", Resource = "*" }));

        var user = await (await root.GetAsync("/api/v1/iam/users/KIM")).AssertOkAsync();
        Assert.Equal("kim", user.GetProperty("user_name").GetString());

        await root.AttachAsync("kim", policyArn);
        await root.AttachAsync("kim", policyArn);
        var attached = await (await root.GetAsync("/api/v1/iam/users/kim/attached-policies")).AssertOkAsync();
        Assert.Equal("KimRead", Assert.Single(attached.GetProperty("attached_policies").EnumerateArray()).GetProperty("policy_name").GetString());
        var policy = await (await root.GetAsync("/api/v1/iam/policies/KimRead")).AssertOkAsync();
        Assert.Equal(1, policy.GetProperty("attachment_count").GetInt32());
        Assert.Contains("iam:Get*", policy.GetProperty("policy_document").GetString(), StringComparison.Ordinal);
        await (await root.DeleteAsync("/api/v1/iam/policies/KimRead")).AssertErrorAsync(HttpStatusCode.Conflict, "DeleteConflict");

        await (await root.PutJsonAsync("/api/v1/iam/users/kim/policies/inline-one", new
        {
            policy_document = IamSetup.Document(new { Effect = "Deny", Action = "iam:DeleteUser", Resource = "*" }),
        })).AssertOkAsync();
        var names = await (await root.GetAsync("/api/v1/iam/users/kim/policies")).AssertOkAsync();
        Assert.Equal("inline-one", Assert.Single(names.GetProperty("policy_names").EnumerateArray()).GetString());
        var inline = await (await root.GetAsync("/api/v1/iam/users/kim/policies/inline-one")).AssertOkAsync();
        Assert.Contains("iam:DeleteUser", inline.GetProperty("policy_document").GetString(), StringComparison.Ordinal);

        // IAM's order: keys, attached policies and inline policies go before the user.
        await (await root.DeleteAsync("/api/v1/iam/users/kim")).AssertErrorAsync(HttpStatusCode.Conflict, "DeleteConflict");
        await (await root.DeleteAsync($"/api/v1/iam/access-keys/{key.AccessKeyId}?user_name=kim")).AssertOkAsync();
        await (await root.DeleteAsync("/api/v1/iam/users/kim")).AssertErrorAsync(HttpStatusCode.Conflict, "DeleteConflict");
        await (await root.DeleteAsync($"/api/v1/iam/users/kim/attached-policies?policy_arn={Uri.EscapeDataString(policyArn)}")).AssertOkAsync();
        await (await root.DeleteAsync($"/api/v1/iam/users/kim/attached-policies?policy_arn={Uri.EscapeDataString(policyArn)}")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        await (await root.DeleteAsync("/api/v1/iam/users/kim")).AssertErrorAsync(HttpStatusCode.Conflict, "DeleteConflict");
        await (await root.DeleteAsync("/api/v1/iam/users/kim/policies/inline-one")).AssertOkAsync();
        await (await root.DeleteAsync("/api/v1/iam/users/kim")).AssertOkAsync();
        await (await root.GetAsync("/api/v1/iam/users/kim")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");

        await (await root.DeleteAsync("/api/v1/iam/policies/KimRead")).AssertOkAsync();
        await (await root.GetAsync("/api/v1/iam/policies/KimRead")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
    }

    [Fact]
    public async Task An_access_key_can_be_turned_off_and_on_again()
    {
        using var root = platform.RootClient();
        var lee = await root.CreateUserWithKeyAsync("lee", platform.Root.AccountId);
        await root.AttachAsync("lee", "arn:aws:iam::aws:policy/IAMReadOnlyAccess");
        using var client = platform.App.SignedClient(lee);

        var off = await (await root.PatchJsonAsync($"/api/v1/iam/access-keys/{lee.AccessKeyId}", new { user_name = "lee", status = "Inactive" })).AssertOkAsync();
        Assert.Equal("Inactive", off.GetProperty("status").GetString());
        await (await client.GetAsync("/api/v1/iam/users")).AssertErrorAsync(HttpStatusCode.Forbidden, "InvalidAccessKeyId");
        await (await root.PatchJsonAsync($"/api/v1/iam/access-keys/{lee.AccessKeyId}", new { user_name = "lee", status = "Sleeping" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await root.PatchJsonAsync($"/api/v1/iam/access-keys/{lee.AccessKeyId}", new { user_name = "lee", status = "Active" })).AssertOkAsync();
        await (await client.GetAsync("/api/v1/iam/users")).AssertOkAsync();
    }

    [Fact]
    public async Task A_user_manages_its_own_keys_without_naming_itself()
    {
        using var root = platform.RootClient();
        var mia = await root.CreateUserWithKeyAsync("mia", platform.Root.AccountId);
        await (await root.PutJsonAsync("/api/v1/iam/users/mia/policies/own-keys", new
        {
            policy_document = IamSetup.Document(new { Effect = "Allow", Action = new[] { "iam:ListAccessKeys", "iam:CreateAccessKey" }, Resource = "arn:aws:iam::*:user/${aws:username}" }),
        })).AssertOkAsync();
        using var client = platform.App.SignedClient(mia);

        var second = await (await client.PostAsync("/api/v1/iam/access-keys", null)).AssertOkAsync();
        Assert.Equal("mia", second.GetProperty("user_name").GetString());
        var keys = await (await client.GetAsync("/api/v1/iam/access-keys")).AssertOkAsync();
        Assert.Equal(2, keys.GetProperty("access_key_metadata").GetArrayLength());
        await (await client.GetAsync("/api/v1/iam/access-keys?user_name=carl")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
    }

    [Fact]
    public async Task Listing_users_pages_with_a_marker()
    {
        using var root = platform.RootClient();
        foreach (var name in new[] { "page-a", "page-b", "page-c" })
        {
            await (await root.PostJsonAsync("/api/v1/iam/users", new { user_name = name })).AssertOkAsync();
        }

        var first = await (await root.GetAsync("/api/v1/iam/users?path_prefix=/&max_items=2&marker=page-")).AssertOkAsync();
        Assert.True(first.GetProperty("is_truncated").GetBoolean());
        Assert.Equal(["page-a", "page-b"], first.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("user_name").GetString()));
        var next = await (await root.GetAsync($"/api/v1/iam/users?max_items=2&marker={first.GetProperty("marker").GetString()}")).AssertOkAsync();
        Assert.Equal("page-c", next.GetProperty("users")[0].GetProperty("user_name").GetString());
        await (await root.GetAsync("/api/v1/iam/users?max_items=0")).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await root.GetAsync("/api/v1/iam/users?max_items=many")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
    }

    [Fact]
    public async Task Built_in_policies_are_listed_and_attachable_but_not_deletable()
    {
        using var root = platform.RootClient();
        var aws = await (await root.GetAsync("/api/v1/iam/policies?scope=AWS")).AssertOkAsync();
        var arns = aws.GetProperty("policies").EnumerateArray().Select(p => p.GetProperty("arn").GetString()).ToList();
        Assert.Contains("arn:aws:iam::aws:policy/AdministratorAccess", arns);
        await (await root.GetAsync("/api/v1/iam/policies?scope=Everything")).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await root.DeleteAsync("/api/v1/iam/policies/AdministratorAccess")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
    }
}
