using System.Net;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Iam;

/// <summary>An account never sees, changes or learns of another account's resources.</summary>
public sealed class TenantIsolationTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    [Fact]
    public async Task Given_two_accounts_Then_neither_sees_nor_touches_the_others_users_and_policies()
    {
        using var a = platform.RootClient();
        var tenantB = await a.CreateAccountAsync("tenant-b");
        using var b = platform.App.SignedClient(tenantB);
        await a.CreateUserWithKeyAsync("alice", platform.Root.AccountId);
        var policyOfA = await a.CreatePolicyAsync("OnlyA", IamSetup.Document(new { Effect = "Allow", Action = "iam:*", Resource = "*" }));

        Assert.DoesNotContain("alice", await b.UserNamesAsync());
        var notFound = await (await b.GetAsync("/api/v1/iam/users/alice")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        Assert.DoesNotContain(platform.Root.AccountId, notFound.GetProperty("message").GetString(), StringComparison.Ordinal);
        await (await b.DeleteAsync("/api/v1/iam/users/alice")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        await (await b.GetAsync("/api/v1/iam/policies/OnlyA")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        await (await b.GetAsync($"/api/v1/iam/access-keys?user_name=alice")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");

        // B may have its own alice: names are per account. Attaching A's policy to it reads as "no such policy".
        await b.CreateUserWithKeyAsync("alice", tenantB.AccountId);
        await (await b.PostJsonAsync("/api/v1/iam/users/alice/attached-policies", new { policy_arn = policyOfA }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");

        var policiesOfB = await (await b.GetAsync("/api/v1/iam/policies?scope=Local")).AssertOkAsync();
        Assert.Empty(policiesOfB.GetProperty("policies").EnumerateArray());
        Assert.Contains("alice", await a.UserNamesAsync());
        var aliceOfA = await (await a.GetAsync("/api/v1/iam/users/alice")).AssertOkAsync();
        Assert.Equal($"arn:aws:iam::{platform.Root.AccountId}:user/alice", aliceOfA.GetProperty("arn").GetString());
        Assert.EndsWith("Z", aliceOfA.GetProperty("create_date").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_tenant_account_Then_it_cannot_create_or_list_accounts()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("tenant-c");
        using var client = platform.App.SignedClient(tenant);
        await (await client.PostJsonAsync("/api/v1/iam/accounts", new { account_name = "sneaky" })).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        await (await client.GetAsync("/api/v1/iam/accounts")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");

        var accounts = await (await management.GetAsync("/api/v1/iam/accounts")).AssertOkAsync();
        var names = accounts.GetProperty("accounts").EnumerateArray().Select(x => x.GetProperty("account_name").GetString()).ToList();
        Assert.Contains("tenant-c", names);
        Assert.DoesNotContain("sneaky", names);
    }
}
