using System.Text.Json;

namespace Platform.Api.Tests.TestEngine;

/// <summary>Helpers that set up IAM entities through the API, signed as the given principal.</summary>
public static class IamSetup
{
    public static async Task<TestCredentials> CreateUserWithKeyAsync(this HttpClient admin, string userName, string accountId)
    {
        await (await admin.PostJsonAsync("/api/v1/iam/users", new { user_name = userName })).AssertOkAsync();
        var key = await (await admin.PostJsonAsync("/api/v1/iam/access-keys", new { user_name = userName })).AssertOkAsync();
        return new TestCredentials(key.GetProperty("access_key_id").GetString()!, key.GetProperty("secret_access_key").GetString()!, accountId);
    }

    public static async Task<string> CreatePolicyAsync(this HttpClient admin, string policyName, string document)
    {
        var policy = await (await admin.PostJsonAsync("/api/v1/iam/policies", new { policy_name = policyName, policy_document = document })).AssertOkAsync();
        return policy.GetProperty("arn").GetString()!;
    }

    public static async Task AttachAsync(this HttpClient admin, string userName, string policyArn) =>
        await (await admin.PostJsonAsync($"/api/v1/iam/users/{userName}/attached-policies", new { policy_arn = policyArn })).AssertOkAsync();

    public static async Task<IReadOnlyList<string>> UserNamesAsync(this HttpClient client)
    {
        var list = await (await client.GetAsync("/api/v1/iam/users")).AssertOkAsync();
        return list.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("user_name").GetString()!).ToList();
    }

    public static async Task<TestCredentials> CreateAccountAsync(this HttpClient management, string name)
    {
        var account = await (await management.PostJsonAsync("/api/v1/iam/accounts", new { account_name = name })).AssertOkAsync();
        var key = account.GetProperty("root_access_key");
        return new TestCredentials(key.GetProperty("access_key_id").GetString()!, key.GetProperty("secret_access_key").GetString()!,
            account.GetProperty("account_id").GetString()!);
    }

    public static string Document(params object[] statements) =>
        JsonSerializer.Serialize(new Dictionary<string, object> { ["Version"] = "2012-10-17", ["Statement"] = statements });
}
