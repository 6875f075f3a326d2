using System.Net;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Iam;

/// <summary>Managed policy versions on the native API: the default version is the one authorization uses, at once.</summary>
public sealed class PolicyVersionTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    private static readonly string ListUsers = IamSetup.Document(new { Effect = "Allow", Action = "iam:ListUsers", Resource = "*" });
    private static readonly string ListRoles = IamSetup.Document(new { Effect = "Allow", Action = "iam:ListRoles", Resource = "*" });

    [Fact]
    public async Task Given_a_new_default_version_Then_an_attached_user_is_allowed_what_it_says_at_once_and_the_old_one_comes_back()
    {
        using var root = platform.RootClient();
        var kim = await root.CreateUserWithKeyAsync("kim", platform.Root.AccountId);
        var policy = await root.CreatePolicyAsync("KimsLists", ListUsers);
        await root.AttachAsync("kim", policy);
        using var asKim = platform.App.SignedClient(kim);
        await (await asKim.GetAsync("/api/v1/iam/users")).AssertOkAsync();
        await (await asKim.GetAsync("/api/v1/iam/roles")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");

        // Not the default: nothing changes for kim.
        var v2 = await (await root.PostJsonAsync("/api/v1/iam/policies/KimsLists/versions", new { policy_document = ListRoles })).AssertOkAsync();
        Assert.Equal("v2", v2.GetProperty("version_id").GetString());
        Assert.False(v2.GetProperty("is_default_version").GetBoolean());
        await (await asKim.GetAsync("/api/v1/iam/roles")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");

        await (await root.PutJsonAsync("/api/v1/iam/policies/KimsLists/default-version", new { version_id = "v2" })).AssertOkAsync();
        await (await asKim.GetAsync("/api/v1/iam/roles")).AssertOkAsync();
        await (await asKim.GetAsync("/api/v1/iam/users")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        var got = await (await root.GetAsync("/api/v1/iam/policies/KimsLists")).AssertOkAsync();
        Assert.Equal("v2", got.GetProperty("default_version_id").GetString());
        Assert.Contains("iam:ListRoles", got.GetProperty("policy_document").GetString(), StringComparison.Ordinal);

        var v3 = await (await root.PostJsonAsync("/api/v1/iam/policies/KimsLists/versions", new { policy_document = ListUsers, set_as_default = true }))
            .AssertOkAsync();
        Assert.Equal("v3", v3.GetProperty("version_id").GetString());
        await (await asKim.GetAsync("/api/v1/iam/users")).AssertOkAsync();
        await (await asKim.GetAsync("/api/v1/iam/roles")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");

        var v1 = await (await root.GetAsync("/api/v1/iam/policies/KimsLists/versions/v1")).AssertOkAsync();
        Assert.Contains("iam:ListUsers", v1.GetProperty("document").GetString(), StringComparison.Ordinal);
        var list = await (await root.GetAsync("/api/v1/iam/policies/KimsLists/versions")).AssertOkAsync();
        Assert.Equal(["v3", "v2", "v1"], list.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version_id").GetString()));
        Assert.Equal(["v3"], list.GetProperty("versions").EnumerateArray().Where(v => v.GetProperty("is_default_version").GetBoolean())
            .Select(v => v.GetProperty("version_id").GetString()));

        await (await root.DeleteAsync("/api/v1/iam/policies/KimsLists/versions/v3")).AssertErrorAsync(HttpStatusCode.Conflict, "DeleteConflict");
        await (await root.DeleteAsync("/api/v1/iam/policies/KimsLists/versions/v2")).AssertOkAsync();
        await (await root.GetAsync("/api/v1/iam/policies/KimsLists/versions/v2")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        // Ids are not reused: the next is v4.
        var v4 = await (await root.PostJsonAsync("/api/v1/iam/policies/KimsLists/versions", new { policy_document = ListRoles })).AssertOkAsync();
        Assert.Equal("v4", v4.GetProperty("version_id").GetString());
    }

    [Fact]
    public async Task Given_five_versions_or_bad_input_Then_IAMs_error_and_nothing_changes()
    {
        using var root = platform.RootClient();
        await root.CreatePolicyAsync("Crowded", ListUsers);
        for (var i = 2; i <= 5; i++)
        {
            await (await root.PostJsonAsync("/api/v1/iam/policies/Crowded/versions", new { policy_document = ListRoles })).AssertOkAsync();
        }

        await (await root.PostJsonAsync("/api/v1/iam/policies/Crowded/versions", new { policy_document = ListRoles, set_as_default = true }))
            .AssertErrorAsync(HttpStatusCode.Conflict, "LimitExceeded");
        await (await root.PostJsonAsync("/api/v1/iam/policies/Crowded/versions", new { policy_document = "{\"Version\":\"2012-10-17\"" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "MalformedPolicyDocument");
        await (await root.PutJsonAsync("/api/v1/iam/policies/Crowded/default-version", new { version_id = "x1" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await root.PutJsonAsync("/api/v1/iam/policies/Crowded/default-version", new { version_id = "v9" }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        var policy = await (await root.GetAsync("/api/v1/iam/policies/Crowded")).AssertOkAsync();
        Assert.Equal("v1", policy.GetProperty("default_version_id").GetString());
        Assert.Equal(5, (await (await root.GetAsync("/api/v1/iam/policies/Crowded/versions")).AssertOkAsync()).GetProperty("versions").GetArrayLength());

        // A policy with versions besides its default is not deleted until they are.
        await (await root.DeleteAsync("/api/v1/iam/policies/Crowded")).AssertErrorAsync(HttpStatusCode.Conflict, "DeleteConflict");
        for (var i = 2; i <= 5; i++)
        {
            await (await root.DeleteAsync($"/api/v1/iam/policies/Crowded/versions/v{i}")).AssertOkAsync();
        }

        // Another account's policy does not exist for it; a user needs the action on the policy's ARN.
        var tenant = await root.CreateAccountAsync("versions-tenant");
        using var other = platform.App.SignedClient(tenant);
        await (await other.GetAsync("/api/v1/iam/policies/Crowded/versions")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        await (await other.PostJsonAsync("/api/v1/iam/policies/Crowded/versions", new { policy_document = ListRoles }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        var lee = await root.CreateUserWithKeyAsync("lee", platform.Root.AccountId);
        using var asLee = platform.App.SignedClient(lee);
        await (await asLee.PostJsonAsync("/api/v1/iam/policies/Crowded/versions", new { policy_document = ListRoles }))
            .AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        Assert.Equal(1, (await (await root.GetAsync("/api/v1/iam/policies/Crowded/versions")).AssertOkAsync()).GetProperty("versions").GetArrayLength());

        await (await root.DeleteAsync("/api/v1/iam/policies/Crowded")).AssertOkAsync();
        await (await root.GetAsync("/api/v1/iam/policies/Crowded/versions/v1")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
    }
}
