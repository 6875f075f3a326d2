using System.Diagnostics;
using System.Text.Json;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Iam;

/// <summary>
/// Roles and STS sessions driven by the real aws CLIs against the API as its own process over HTTPS: create-role, assume-role,
/// then calls signed with the session credentials (x-amz-security-token), allowed or denied by the role's policy alone.
/// One class per CLI, so the two tours run side by side, each on its own API.
/// </summary>
public abstract class RoleSessionCliTests(string cli) : IAsyncLifetime
{
    private const string ListUsersOnly = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:ListRoles"],"Resource":"*"}]}""";

    private readonly string _work = Directory.CreateTempSubdirectory("platform-roles-").FullName;
    private ApiProcess _api = null!;

    public async Task InitializeAsync() => _api = await ApiProcess.StartAsync(Path.Combine(_work, "data"), tls: true);

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Given_a_role_trusting_the_account_When_the_CLI_assumes_it_Then_the_session_may_do_what_the_role_allows_and_nothing_else()
    {
        var root = Session.Of(_api.RootCredentials());
        var role = cli == AwsCli.Debian ? "reader-v2" : "reader-v1";
        var roleArn = $"arn:aws:iam::{root.AccountId}:role/{role}";
        var trust = IamSetup.Document(new
        {
            Effect = "Allow",
            Principal = new { AWS = $"arn:aws:iam::{root.AccountId}:root" },
            Action = "sts:AssumeRole",
            Condition = new { StringEquals = new Dictionary<string, string> { ["sts:ExternalId"] = "shared-secret" } },
        });

        using (var created = await JsonAsync(cli, root, "iam", "create-role", "--role-name", role, "--assume-role-policy-document", trust,
                   "--max-session-duration", "7200", "--tags", "Key=team,Value=blue"))
        {
            var createdRole = created.RootElement.GetProperty("Role");
            Assert.Equal(roleArn, createdRole.GetProperty("Arn").GetString());
            Assert.StartsWith("AROA", createdRole.GetProperty("RoleId").GetString(), StringComparison.Ordinal);
            // IAM sends the trust policy URL-encoded; the CLI decodes it and prints the JSON.
            Assert.Equal("sts:AssumeRole", createdRole.GetProperty("AssumeRolePolicyDocument").GetProperty("Statement")[0].GetProperty("Action").GetString());
        }

        // The refusals and the other account run with one CLI only (the test time budget); both CLIs assume and use the role.
        var full = cli == AwsCli.Debian;
        if (full)
        {
            await FailsAsync(cli, root, "EntityAlreadyExists", "CreateRole", "iam", "create-role", "--role-name", role, "--assume-role-policy-document", trust);
            await FailsAsync(cli, root, "MalformedPolicyDocument", "CreateRole", "iam", "create-role", "--role-name", "bad-" + role,
                "--assume-role-policy-document", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}""");
        }

        await RunAsync(cli, root, "iam", "put-role-policy", "--role-name", role, "--policy-name", "list", "--policy-document", ListUsersOnly);
        if (full)
        {
            using (var roles = await JsonAsync(cli, root, "iam", "list-roles"))
            {
                Assert.Contains(role, roles.RootElement.GetProperty("Roles").EnumerateArray().Select(r => r.GetProperty("RoleName").GetString()));
            }

            // The trust policy's condition decides: no external id, no session.
            await FailsAsync(cli, root, "AccessDenied", "AssumeRole", "sts", "assume-role", "--role-arn", roleArn, "--role-session-name", "tour");
            await FailsAsync(cli, root, "ValidationError", "AssumeRole", "sts", "assume-role", "--role-arn", roleArn, "--role-session-name", "tour",
                "--external-id", "shared-secret", "--duration-seconds", "7201");
        }

        Session session;
        using (var assumed = await JsonAsync(cli, root, "sts", "assume-role", "--role-arn", roleArn, "--role-session-name", "tour",
                   "--external-id", "shared-secret", "--duration-seconds", "900"))
        {
            var credentials = assumed.RootElement.GetProperty("Credentials");
            session = new Session(credentials.GetProperty("AccessKeyId").GetString()!, credentials.GetProperty("SecretAccessKey").GetString()!,
                credentials.GetProperty("SessionToken").GetString()!, root.AccountId);
            Assert.StartsWith("ASIA", session.AccessKeyId, StringComparison.Ordinal);
            var expires = credentials.GetProperty("Expiration").GetDateTime().ToUniversalTime() - DateTime.UtcNow;
            Assert.InRange(expires, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(16));
            Assert.Equal($"arn:aws:sts::{root.AccountId}:assumed-role/{role}/tour", assumed.RootElement.GetProperty("AssumedRoleUser").GetProperty("Arn").GetString());
        }

        using (var identity = await JsonAsync(cli, session, "sts", "get-caller-identity"))
        {
            Assert.Equal($"arn:aws:sts::{root.AccountId}:assumed-role/{role}/tour", identity.RootElement.GetProperty("Arn").GetString());
            Assert.EndsWith(":tour", identity.RootElement.GetProperty("UserId").GetString(), StringComparison.Ordinal);
        }

        // The role's policy allows listing and nothing else; the root that assumed it could do anything.
        await RunAsync(cli, session, "iam", "list-users");
        await FailsAsync(cli, session, "AccessDenied", "CreateUser", "iam", "create-user", "--user-name", "made-by-" + role);
        var token = session.Token!;
        await FailsAsync(cli, session with { Token = token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA") },
            "InvalidClientTokenId", "GetCallerIdentity", "sts", "get-caller-identity");
        if (!full)
        {
            return;
        }

        await FailsAsync(cli, session, "UnauthorizedOperation", "DescribeVpcs", "ec2", "describe-vpcs");
        await FailsAsync(cli, session with { Token = null }, "InvalidClientTokenId", "GetCallerIdentity", "sts", "get-caller-identity");
        await FailsAsync(cli, session, "AccessDenied", "GetSessionToken", "sts", "get-session-token");

        // Another account sees no role and cannot assume one whose trust policy does not name it.
        var other = Session.Of(await CreateAccountAsync("other-" + role));
        using (var roles = await JsonAsync(cli, other, "iam", "list-roles"))
        {
            Assert.Empty(roles.RootElement.GetProperty("Roles").EnumerateArray());
        }

        await FailsAsync(cli, other, "NoSuchEntity", "GetRole", "iam", "get-role", "--role-name", role);
        await FailsAsync(cli, other, "AccessDenied", "AssumeRole", "sts", "assume-role", "--role-arn", roleArn, "--role-session-name", "intruder",
            "--external-id", "shared-secret");

        await FailsAsync(cli, root, "DeleteConflict", "DeleteRole", "iam", "delete-role", "--role-name", role);
        await RunAsync(cli, root, "iam", "delete-role-policy", "--role-name", role, "--policy-name", "list");
        await RunAsync(cli, root, "iam", "delete-role", "--role-name", role);
        await FailsAsync(cli, root, "NoSuchEntity", "GetRole", "iam", "get-role", "--role-name", role);
    }

    private async Task<TestCredentials> CreateAccountAsync(string name)
    {
        using var client = new HttpClient(new SdkSigningHandler(_api.RootCredentials(), "iam") { InnerHandler = _api.CreateHandler() }) { BaseAddress = _api.BaseAddress };
        return await client.CreateAccountAsync(name);
    }

    private async Task<JsonDocument> JsonAsync(string cli, Session credentials, params string[] arguments)
    {
        var (exit, output, error) = await CliAsync(cli, credentials, arguments);
        Assert.True(exit == 0, $"aws {string.Join(' ', arguments)} exited {exit}: {error}");
        return JsonDocument.Parse(output);
    }

    private async Task RunAsync(string cli, Session credentials, params string[] arguments)
    {
        var (exit, _, error) = await CliAsync(cli, credentials, arguments);
        Assert.True(exit == 0, $"aws {string.Join(' ', arguments)} exited {exit}: {error}");
    }

    private async Task FailsAsync(string cli, Session credentials, string code, string operation, params string[] arguments)
    {
        var (exit, _, error) = await CliAsync(cli, credentials, arguments);
        Assert.True(exit != 0, $"aws {string.Join(' ', arguments)} succeeded");
        Assert.Contains($"An error occurred ({code}) when calling the {operation} operation", error, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output, string Error)> CliAsync(string cli, Session credentials, string[] arguments)
    {
        Assert.True(File.Exists(cli), $"{cli} is missing");
        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _work };
        foreach (var argument in (string[])["--endpoint-url", _api.BaseAddress.ToString().TrimEnd('/'), "--ca-bundle", _api.CaCertificatePath!,
                     "--output", "json", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = credentials.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = credentials.SecretAccessKey;
        if (credentials.Token is not null)
        {
            start.Environment["AWS_SESSION_TOKEN"] = credentials.Token;
        }

        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_CONFIG_FILE"] = Path.Combine(_work, "no-config");
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_work, "no-credentials");
        start.Environment["AWS_PAGER"] = "";
        start.Environment["AWS_MAX_ATTEMPTS"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private sealed record Session(string AccessKeyId, string SecretAccessKey, string? Token, string AccountId)
    {
        public static Session Of(TestCredentials credentials) => new(credentials.AccessKeyId, credentials.SecretAccessKey, null, credentials.AccountId);
    }
}

/// <summary>The role tour with Debian's awscli 2.</summary>
public sealed class RoleSessionAwsCli2Tests() : RoleSessionCliTests(AwsCli.Debian);

/// <summary>The role tour with pyenv's awscli 1.</summary>
public sealed class RoleSessionAwsCli1Tests() : RoleSessionCliTests(AwsCli.Pyenv);
