using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.EndToEnd;

/// <summary>The README's path: the API in its own process, signed calls made by curl's own SigV4 (--aws-sigv4).</summary>
public sealed class CurlEndToEndTests
{
    [Fact]
    public async Task Given_the_printed_root_key_When_curl_signs_requests_Then_users_keys_and_policies_are_made_and_enforced()
    {
        var data = Directory.CreateTempSubdirectory("platform-e2e-").FullName;
        await using var api = await ApiProcess.StartAsync(data);
        var root = api.RootCredentials();
        Assert.Equal("600", Convert.ToString((int)File.GetUnixFileMode(Path.Combine(data, "root-credentials.json")), 8));

        var user = await CurlAsync(api, root, "POST", "/api/v1/iam/users", """{"user_name":"alice"}""");
        Assert.Equal(200, user.Status);
        Assert.Equal("alice", user.Body.GetProperty("user_name").GetString());
        var key = await CurlAsync(api, root, "POST", "/api/v1/iam/access-keys", """{"user_name":"alice"}""");
        var alice = new TestCredentials(key.Body.GetProperty("access_key_id").GetString()!, key.Body.GetProperty("secret_access_key").GetString()!, root.AccountId);
        var policy = await CurlAsync(api, root, "POST", "/api/v1/iam/policies",
            """{"policy_name":"ReadIam","policy_document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*","iam:Get*"],"Resource":"*"}]}}""");
        Assert.Equal(200, policy.Status);
        var attach = await CurlAsync(api, root, "POST", "/api/v1/iam/users/alice/attached-policies",
            $$"""{"policy_arn":"{{policy.Body.GetProperty("arn").GetString()}}"}""");
        Assert.Equal(204, attach.Status);

        var list = await CurlAsync(api, alice, "GET", "/api/v1/iam/users");
        Assert.Equal(200, list.Status);
        var denied = await CurlAsync(api, alice, "POST", "/api/v1/iam/users", """{"user_name":"bob"}""");
        Assert.Equal(403, denied.Status);
        Assert.Equal("AccessDenied", denied.Body.GetProperty("code").GetString());

        var wrong = await CurlAsync(api, root with { SecretAccessKey = "wrong" + root.SecretAccessKey[5..] }, "GET", "/api/v1/iam/users");
        Assert.Equal(403, wrong.Status);
        Assert.Equal("SignatureDoesNotMatch", wrong.Body.GetProperty("code").GetString());

        // curl signs the path as sent, without AWS's second encoding: a percent-encoded name still verifies.
        Assert.Equal(200, (await CurlAsync(api, root, "POST", "/api/v1/iam/users", """{"user_name":"c+d@e"}""")).Status);
        var encoded = await CurlAsync(api, root, "GET", "/api/v1/iam/users/c%2Bd%40e");
        Assert.Equal(200, encoded.Status);
        Assert.Equal("c+d@e", encoded.Body.GetProperty("user_name").GetString());

        // The jobs dashboard is not open to an unsigned local process (JobsDashboardTests has the signed cases).
        using var local = new HttpClient(api.CreateHandler()) { BaseAddress = api.BaseAddress };
        Assert.Equal(HttpStatusCode.Forbidden, (await local.GetAsync("/hangfire")).StatusCode);
    }

    [Fact]
    public async Task Given_a_killed_API_When_it_starts_again_Then_its_data_and_root_key_are_intact()
    {
        var data = Directory.CreateTempSubdirectory("platform-e2e-").FullName;
        TestCredentials root;
        await using (var first = await ApiProcess.StartAsync(data))
        {
            root = first.RootCredentials();
            Assert.Equal(200, (await CurlAsync(first, root, "POST", "/api/v1/iam/users", """{"user_name":"survivor"}""")).Status);
            await first.KillAsync();
        }

        await using var second = await ApiProcess.StartAsync(data);
        Assert.Equal(root, second.RootCredentials());
        var user = await CurlAsync(second, root, "GET", "/api/v1/iam/users/survivor");
        Assert.Equal(200, user.Status);
        var accounts = await CurlAsync(second, root, "GET", "/api/v1/iam/accounts");
        Assert.Single(accounts.Body.GetProperty("accounts").EnumerateArray());
    }

    private static async Task<(int Status, JsonElement Body)> CurlAsync(ApiProcess api, TestCredentials credentials, string method, string path, string? body = null)
    {
        var start = new ProcessStartInfo("curl")
        {
            ArgumentList =
            {
                "-sS", "-X", method, "--aws-sigv4", "aws:amz:us-east-1:iam", "--user", $"{credentials.AccessKeyId}:{credentials.SecretAccessKey}",
                "-w", "\n%{http_code}", new Uri(api.BaseAddress, path).ToString(),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (body is not null)
        {
            foreach (var argument in new[] { "-H", "Content-Type: application/json", "--data-binary", body })
            {
                start.ArgumentList.Add(argument);
            }
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        var split = output.LastIndexOf('\n');
        var status = int.Parse(output[(split + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var json = output[..split];
        using var document = JsonDocument.Parse(json.Length == 0 ? "{}" : json);
        return (status, document.RootElement.Clone());
    }
}
