using System.Net;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Iam;

/// <summary>A user's requests are allowed or denied exactly as its policies say.</summary>
public sealed class PolicyEnforcementTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    [Fact]
    public async Task Given_a_new_user_without_policies_Then_every_action_is_denied_but_who_am_i()
    {
        using var root = platform.RootClient();
        var carol = await root.CreateUserWithKeyAsync("carol", platform.Root.AccountId);
        using var client = platform.App.SignedClient(carol);

        await (await client.GetAsync("/api/v1/iam/users")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        await (await client.PostJsonAsync("/api/v1/iam/users", new { user_name = "mallory" })).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        Assert.DoesNotContain("mallory", await root.UserNamesAsync());

        var identity = await (await client.GetAsync("/api/v1/iam/caller-identity")).AssertOkAsync();
        Assert.Equal($"arn:aws:iam::{platform.Root.AccountId}:user/carol", identity.GetProperty("arn").GetString());
    }

    [Fact]
    public async Task Given_a_read_only_policy_Then_reads_are_allowed_and_writes_denied()
    {
        using var root = platform.RootClient();
        var dave = await root.CreateUserWithKeyAsync("dave", platform.Root.AccountId);
        var policy = await root.CreatePolicyAsync("ReadIamForDave", IamSetup.Document(new { Effect = "Allow", Action = new[] { "iam:List*", "iam:Get*" }, Resource = "*" }));
        await root.AttachAsync("dave", policy);
        using var client = platform.App.SignedClient(dave);

        Assert.Contains("dave", await client.UserNamesAsync());
        await (await client.GetAsync("/api/v1/iam/users/dave")).AssertOkAsync();
        await (await client.PostJsonAsync("/api/v1/iam/users", new { user_name = "dave2" })).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        await (await client.DeleteAsync("/api/v1/iam/users/dave")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        Assert.DoesNotContain("dave2", await root.UserNamesAsync());
    }

    [Fact]
    public async Task Given_an_allow_on_one_resource_Then_only_that_resource_is_allowed()
    {
        using var root = platform.RootClient();
        var erin = await root.CreateUserWithKeyAsync("erin", platform.Root.AccountId);
        await root.CreateUserWithKeyAsync("frank", platform.Root.AccountId);
        await (await root.PutJsonAsync("/api/v1/iam/users/erin/policies/own-user", new
        {
            policy_document = IamSetup.Document(new { Effect = "Allow", Action = "iam:GetUser", Resource = "arn:aws:iam::*:user/${aws:username}" }),
        })).AssertOkAsync();
        using var client = platform.App.SignedClient(erin);

        await (await client.GetAsync("/api/v1/iam/users/erin")).AssertOkAsync();
        await (await client.GetAsync("/api/v1/iam/users/frank")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
    }

    [Fact]
    public async Task Given_an_explicit_deny_beside_administrator_access_Then_the_deny_wins()
    {
        using var root = platform.RootClient();
        var grace = await root.CreateUserWithKeyAsync("grace", platform.Root.AccountId);
        await root.AttachAsync("grace", "arn:aws:iam::aws:policy/AdministratorAccess");
        await (await root.PutJsonAsync("/api/v1/iam/users/grace/policies/no-user-creation", new
        {
            policy_document = IamSetup.Document(new { Effect = "Deny", Action = "iam:CreateUser", Resource = "*" }),
        })).AssertOkAsync();
        using var client = platform.App.SignedClient(grace);

        await (await client.GetAsync("/api/v1/iam/users")).AssertOkAsync();
        var denied = await (await client.PostJsonAsync("/api/v1/iam/users", new { user_name = "grace-made" })).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        Assert.Contains("explicit deny", denied.GetProperty("message").GetString(), StringComparison.Ordinal);

        await (await root.DeleteAsync("/api/v1/iam/users/grace/policies/no-user-creation")).AssertOkAsync();
        await (await client.PostJsonAsync("/api/v1/iam/users", new { user_name = "grace-made" })).AssertOkAsync();
    }

    [Fact]
    public async Task Given_a_deactivated_or_deleted_key_Then_its_signatures_are_refused()
    {
        using var root = platform.RootClient();
        var heidi = await root.CreateUserWithKeyAsync("heidi", platform.Root.AccountId);
        await root.AttachAsync("heidi", "arn:aws:iam::aws:policy/IAMReadOnlyAccess");
        using var client = platform.App.SignedClient(heidi);
        await (await client.GetAsync("/api/v1/iam/users")).AssertOkAsync();

        await (await root.PatchJsonAsync($"/api/v1/iam/access-keys/{heidi.AccessKeyId}", new { user_name = "heidi", status = "Inactive" })).AssertOkAsync();
        await (await client.GetAsync("/api/v1/iam/users")).AssertErrorAsync(HttpStatusCode.Forbidden, "InvalidAccessKeyId");

        await (await root.DeleteAsync($"/api/v1/iam/access-keys/{heidi.AccessKeyId}?user_name=heidi")).AssertOkAsync();
        await (await client.GetAsync("/api/v1/iam/users")).AssertErrorAsync(HttpStatusCode.Forbidden, "InvalidAccessKeyId");
    }
}
