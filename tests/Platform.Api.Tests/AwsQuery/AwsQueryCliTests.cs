using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.AwsQuery;

/// <summary>
/// IAM and STS on AWS's query protocol (<c>POST /</c> on the API's port), driven by the real aws CLIs against the API as
/// its own process over HTTPS with the platform CA: Debian's awscli 2 and pyenv's awscli 1 see what they would see from AWS,
/// answers and errors alike.
/// One class per CLI, so the two tours run side by side, each on its own API.
/// </summary>
public abstract class AwsQueryCliTests(string cli) : IAsyncLifetime
{
    private const string AllowListUsers = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:GetUser"],"Resource":"*"}]}""";
    private const string AllowGetUserOnly = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}""";
    private const string InlineDocument = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}""";

    private readonly string _work = Directory.CreateTempSubdirectory("platform-awsquery-").FullName;
    private protected ApiProcess _api = null!;

    public async Task InitializeAsync() => _api = await ApiProcess.StartAsync(Path.Combine(_work, "data"), tls: true);

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Given_a_real_aws_CLI_When_it_tours_users_keys_and_policies_Then_it_prints_what_AWS_would()
    {
        var root = _api.RootCredentials();
        var user = cli == AwsCli.Debian ? "tour-v2" : "tour-v1";
        var userArn = $"arn:aws:iam::{root.AccountId}:user/{user}";

        using (var identity = await JsonAsync(cli, root, "sts", "get-caller-identity"))
        {
            Assert.Equal(root.AccountId, identity.RootElement.GetProperty("Account").GetString());
            Assert.Equal($"arn:aws:iam::{root.AccountId}:root", identity.RootElement.GetProperty("Arn").GetString());
        }

        using (var created = await JsonAsync(cli, root, "iam", "create-user", "--user-name", user))
        {
            var createdUser = created.RootElement.GetProperty("User");
            Assert.Equal(user, createdUser.GetProperty("UserName").GetString());
            Assert.Equal(userArn, createdUser.GetProperty("Arn").GetString());
            Assert.Equal("/", createdUser.GetProperty("Path").GetString());
            Assert.StartsWith("AIDA", createdUser.GetProperty("UserId").GetString(), StringComparison.Ordinal);
            var age = DateTime.UtcNow - createdUser.GetProperty("CreateDate").GetDateTime().ToUniversalTime();
            Assert.InRange(age, TimeSpan.FromMinutes(-1), TimeSpan.FromMinutes(5));
        }

        await FailsAsync(cli, root, "EntityAlreadyExists", "CreateUser", "iam", "create-user", "--user-name", user);
        await FailsAsync(cli, root, "NoSuchEntity", "GetUser", "iam", "get-user", "--user-name", "nobody-" + user);

        using (var users = await JsonAsync(cli, root, "iam", "list-users"))
        {
            Assert.Contains(user, users.RootElement.GetProperty("Users").EnumerateArray().Select(u => u.GetProperty("UserName").GetString()));
        }

        TestCredentials key;
        using (var created = await JsonAsync(cli, root, "iam", "create-access-key", "--user-name", user))
        {
            var accessKey = created.RootElement.GetProperty("AccessKey");
            Assert.Equal(user, accessKey.GetProperty("UserName").GetString());
            Assert.Equal("Active", accessKey.GetProperty("Status").GetString());
            key = new TestCredentials(accessKey.GetProperty("AccessKeyId").GetString()!, accessKey.GetProperty("SecretAccessKey").GetString()!, root.AccountId);
        }

        // Who am I needs no permission; everything else waits for a policy.
        using (var identity = await JsonAsync(cli, key, "sts", "get-caller-identity"))
        {
            Assert.Equal(userArn, identity.RootElement.GetProperty("Arn").GetString());
        }

        await FailsAsync(cli, key, "AccessDenied", "ListUsers", "iam", "list-users");

        string policyArn;
        using (var policy = await JsonAsync(cli, root, "iam", "create-policy", "--policy-name", "list-" + user, "--policy-document", AllowListUsers,
                   "--description", "lets the tour list"))
        {
            var created = policy.RootElement.GetProperty("Policy");
            policyArn = created.GetProperty("Arn").GetString()!;
            Assert.Equal($"arn:aws:iam::{root.AccountId}:policy/list-{user}", policyArn);
            Assert.Equal(0, created.GetProperty("AttachmentCount").GetInt32());
            Assert.True(created.GetProperty("IsAttachable").GetBoolean());
        }

        await FailsAsync(cli, root, "EntityAlreadyExists", "CreatePolicy", "iam", "create-policy", "--policy-name", "list-" + user,
            "--policy-document", AllowListUsers);
        await FailsAsync(cli, root, "MalformedPolicyDocument", "CreatePolicy", "iam", "create-policy", "--policy-name", "bad-" + user,
            "--policy-document", """{"Version":"2012-10-17","Statement":[{"Effect":"Perhaps","Action":"*","Resource":"*"}]}""");

        await RunAsync(cli, root, "iam", "attach-user-policy", "--user-name", user, "--policy-arn", policyArn);
        using (var attached = await JsonAsync(cli, root, "iam", "list-attached-user-policies", "--user-name", user))
        {
            var only = Assert.Single(attached.RootElement.GetProperty("AttachedPolicies").EnumerateArray());
            Assert.Equal(policyArn, only.GetProperty("PolicyArn").GetString());
            Assert.Equal("list-" + user, only.GetProperty("PolicyName").GetString());
        }

        using (var policy = await JsonAsync(cli, root, "iam", "get-policy", "--policy-arn", policyArn))
        {
            Assert.Equal(1, policy.RootElement.GetProperty("Policy").GetProperty("AttachmentCount").GetInt32());
        }

        // The same key, now allowed: the policy decides at once.
        using (var users = await JsonAsync(cli, key, "iam", "list-users"))
        {
            Assert.Contains(user, users.RootElement.GetProperty("Users").EnumerateArray().Select(u => u.GetProperty("UserName").GetString()));
        }

        using (var self = await JsonAsync(cli, key, "iam", "get-user"))
        {
            Assert.Equal(user, self.RootElement.GetProperty("User").GetProperty("UserName").GetString());
        }

        // Policy versions: a new default is in force at once, and an older one again once it is made the default.
        using (var version = await JsonAsync(cli, root, "iam", "create-policy-version", "--policy-arn", policyArn, "--policy-document", AllowGetUserOnly,
                   "--set-as-default"))
        {
            Assert.Equal("v2", version.RootElement.GetProperty("PolicyVersion").GetProperty("VersionId").GetString());
            Assert.True(version.RootElement.GetProperty("PolicyVersion").GetProperty("IsDefaultVersion").GetBoolean());
        }

        await FailsAsync(cli, key, "AccessDenied", "ListUsers", "iam", "list-users");
        using (var policy = await JsonAsync(cli, root, "iam", "get-policy", "--policy-arn", policyArn))
        {
            Assert.Equal("v2", policy.RootElement.GetProperty("Policy").GetProperty("DefaultVersionId").GetString());
        }

        using (var versions = await JsonAsync(cli, root, "iam", "list-policy-versions", "--policy-arn", policyArn))
        {
            Assert.Equal(["v2:True", "v1:False"], versions.RootElement.GetProperty("Versions").EnumerateArray()
                .Select(v => $"{v.GetProperty("VersionId").GetString()}:{v.GetProperty("IsDefaultVersion").GetBoolean()}"));
        }

        using (var first = await JsonAsync(cli, root, "iam", "get-policy-version", "--policy-arn", policyArn, "--version-id", "v1"))
        {
            var document = first.RootElement.GetProperty("PolicyVersion").GetProperty("Document");
            Assert.Equal("iam:ListUsers", document.GetProperty("Statement")[0].GetProperty("Action")[0].GetString());
        }

        await FailsAsync(cli, root, "DeleteConflict", "DeletePolicyVersion", "iam", "delete-policy-version", "--policy-arn", policyArn, "--version-id", "v2");
        await FailsAsync(cli, root, "NoSuchEntity", "GetPolicyVersion", "iam", "get-policy-version", "--policy-arn", policyArn, "--version-id", "v7");
        await FailsAsync(cli, root, "ValidationError", "SetDefaultPolicyVersion", "iam", "set-default-policy-version", "--policy-arn", policyArn,
            "--version-id", "x1");
        await RunAsync(cli, root, "iam", "set-default-policy-version", "--policy-arn", policyArn, "--version-id", "v1");
        await RunAsync(cli, key, "iam", "list-users");
        await RunAsync(cli, root, "iam", "delete-policy-version", "--policy-arn", policyArn, "--version-id", "v2");

        await RunAsync(cli, root, "iam", "put-user-policy", "--user-name", user, "--policy-name", "inline", "--policy-document", InlineDocument);
        using (var inline = await JsonAsync(cli, root, "iam", "get-user-policy", "--user-name", user, "--policy-name", "inline"))
        {
            // IAM sends the document URL-encoded; the CLI decodes it and prints the JSON itself.
            var document = inline.RootElement.GetProperty("PolicyDocument");
            Assert.Equal(JsonValueKind.Object, document.ValueKind);
            Assert.Equal("s3:ListAllMyBuckets", document.GetProperty("Statement")[0].GetProperty("Action").GetString());
        }

        using (var names = await JsonAsync(cli, root, "iam", "list-user-policies", "--user-name", user))
        {
            Assert.Equal(["inline"], names.RootElement.GetProperty("PolicyNames").EnumerateArray().Select(n => n.GetString()));
        }

        using (var keys = await JsonAsync(cli, root, "iam", "list-access-keys", "--user-name", user))
        {
            Assert.Equal(key.AccessKeyId, Assert.Single(keys.RootElement.GetProperty("AccessKeyMetadata").EnumerateArray()).GetProperty("AccessKeyId").GetString());
        }

        // A wrong secret is a bad signature, as AWS names it.
        await FailsAsync(cli, key with { SecretAccessKey = key.SecretAccessKey[..^2] + "xx" }, "SignatureDoesNotMatch", "GetCallerIdentity",
            "sts", "get-caller-identity");

        // Roles are served (RoleSessionCliTests tours them): an unknown one is NoSuchEntity.
        await FailsAsync(cli, root, "NoSuchEntity", "GetRole", "iam", "get-role", "--role-name", "nobody-" + user);

        // Groups: members, attached and inline policies; a group in use is not deleted, nor is its member.
        var group = "team-" + user;
        using (var created = await JsonAsync(cli, root, "iam", "create-group", "--group-name", group))
        {
            Assert.Equal($"arn:aws:iam::{root.AccountId}:group/{group}", created.RootElement.GetProperty("Group").GetProperty("Arn").GetString());
            Assert.StartsWith("AGPA", created.RootElement.GetProperty("Group").GetProperty("GroupId").GetString(), StringComparison.Ordinal);
        }

        await FailsAsync(cli, root, "EntityAlreadyExists", "CreateGroup", "iam", "create-group", "--group-name", group.ToUpperInvariant());
        await FailsAsync(cli, root, "ValidationError", "CreateGroup", "iam", "create-group", "--group-name", "no spaces");
        await FailsAsync(cli, root, "NoSuchEntity", "AddUserToGroup", "iam", "add-user-to-group", "--group-name", group, "--user-name", "nobody-" + user);
        await RunAsync(cli, root, "iam", "add-user-to-group", "--group-name", group, "--user-name", user);
        using (var members = await JsonAsync(cli, root, "iam", "get-group", "--group-name", group))
        {
            Assert.Equal([user], members.RootElement.GetProperty("Users").EnumerateArray().Select(u => u.GetProperty("UserName").GetString()));
            Assert.Equal(group, members.RootElement.GetProperty("Group").GetProperty("GroupName").GetString());
        }

        using (var groups = await JsonAsync(cli, root, "iam", "list-groups-for-user", "--user-name", user))
        {
            Assert.Equal([group], groups.RootElement.GetProperty("Groups").EnumerateArray().Select(g => g.GetProperty("GroupName").GetString()));
        }

        using (var groups = await JsonAsync(cli, root, "iam", "list-groups"))
        {
            Assert.Contains(group, groups.RootElement.GetProperty("Groups").EnumerateArray().Select(g => g.GetProperty("GroupName").GetString()));
        }

        await RunAsync(cli, root, "iam", "put-group-policy", "--group-name", group, "--policy-name", "group-inline", "--policy-document", InlineDocument);
        using (var inline = await JsonAsync(cli, root, "iam", "get-group-policy", "--group-name", group, "--policy-name", "group-inline"))
        {
            Assert.Equal("s3:ListAllMyBuckets", inline.RootElement.GetProperty("PolicyDocument").GetProperty("Statement")[0].GetProperty("Action").GetString());
        }

        using (var names = await JsonAsync(cli, root, "iam", "list-group-policies", "--group-name", group))
        {
            Assert.Equal(["group-inline"], names.RootElement.GetProperty("PolicyNames").EnumerateArray().Select(n => n.GetString()));
        }

        await RunAsync(cli, root, "iam", "attach-group-policy", "--group-name", group, "--policy-arn", policyArn);
        using (var attached = await JsonAsync(cli, root, "iam", "list-attached-group-policies", "--group-name", group))
        {
            Assert.Equal([policyArn], attached.RootElement.GetProperty("AttachedPolicies").EnumerateArray().Select(p => p.GetProperty("PolicyArn").GetString()));
        }

        await FailsAsync(cli, root, "DeleteConflict", "DeleteGroup", "iam", "delete-group", "--group-name", group);
        await FailsAsync(cli, root, "DeleteConflict", "DeletePolicy", "iam", "delete-policy", "--policy-arn", policyArn);

        // User tags and UpdateUser: a renamed user keeps its key, which signs as the new name.
        await RunAsync(cli, root, "iam", "tag-user", "--user-name", user, "--tags", "Key=team,Value=blue", "Key=floor,Value=3");
        await RunAsync(cli, root, "iam", "untag-user", "--user-name", user, "--tag-keys", "floor");
        using (var tags = await JsonAsync(cli, root, "iam", "list-user-tags", "--user-name", user))
        {
            Assert.Equal(["team=blue"], tags.RootElement.GetProperty("Tags").EnumerateArray()
                .Select(t => $"{t.GetProperty("Key").GetString()}={t.GetProperty("Value").GetString()}"));
        }

        await FailsAsync(cli, root, "ValidationError", "TagUser", "iam", "tag-user", "--user-name", user, "--tags", $"Key={new string('k', 129)},Value=v");
        using (var tagged = await JsonAsync(cli, root, "iam", "create-user", "--user-name", "tagged-" + user, "--tags", "Key=made,Value=tagged"))
        {
            Assert.Equal("tagged", tagged.RootElement.GetProperty("User").GetProperty("Tags")[0].GetProperty("Value").GetString());
        }

        await RunAsync(cli, root, "iam", "delete-user", "--user-name", "tagged-" + user);
        await RunAsync(cli, root, "iam", "update-user", "--user-name", user, "--new-user-name", user + "-renamed");
        using (var self = await JsonAsync(cli, key, "iam", "get-user"))
        {
            Assert.Equal(user + "-renamed", self.RootElement.GetProperty("User").GetProperty("UserName").GetString());
            Assert.Equal("team", self.RootElement.GetProperty("User").GetProperty("Tags")[0].GetProperty("Key").GetString());
        }

        await FailsAsync(cli, root, "NoSuchEntity", "UpdateUser", "iam", "update-user", "--user-name", user, "--new-user-name", user + "-again");
        await RunAsync(cli, root, "iam", "update-user", "--user-name", user + "-renamed", "--new-user-name", user);

        await FailsAsync(cli, root, "DeleteConflict", "DeleteUser", "iam", "delete-user", "--user-name", user);
        await RunAsync(cli, root, "iam", "remove-user-from-group", "--group-name", group, "--user-name", user);
        await FailsAsync(cli, root, "NoSuchEntity", "RemoveUserFromGroup", "iam", "remove-user-from-group", "--group-name", group, "--user-name", user);
        await RunAsync(cli, root, "iam", "detach-group-policy", "--group-name", group, "--policy-arn", policyArn);
        await RunAsync(cli, root, "iam", "delete-group-policy", "--group-name", group, "--policy-name", "group-inline");
        await RunAsync(cli, root, "iam", "delete-group", "--group-name", group);
        await FailsAsync(cli, root, "NoSuchEntity", "GetGroup", "iam", "get-group", "--group-name", group);

        await RunAsync(cli, root, "iam", "update-access-key", "--user-name", user, "--access-key-id", key.AccessKeyId, "--status", "Inactive");
        await FailsAsync(cli, key, "InvalidClientTokenId", "GetCallerIdentity", "sts", "get-caller-identity");
        await RunAsync(cli, root, "iam", "delete-access-key", "--user-name", user, "--access-key-id", key.AccessKeyId);
        await RunAsync(cli, root, "iam", "detach-user-policy", "--user-name", user, "--policy-arn", policyArn);
        await RunAsync(cli, root, "iam", "delete-user-policy", "--user-name", user, "--policy-name", "inline");
        await RunAsync(cli, root, "iam", "delete-policy", "--policy-arn", policyArn);
        await FailsAsync(cli, root, "NoSuchEntity", "GetPolicy", "iam", "get-policy", "--policy-arn", policyArn);
        await RunAsync(cli, root, "iam", "delete-user", "--user-name", user);
        await FailsAsync(cli, root, "NoSuchEntity", "GetUser", "iam", "get-user", "--user-name", user);
    }

    private protected static StringContent Form(string body) => new(body, Encoding.UTF8, "application/x-www-form-urlencoded");

    private protected static async Task<(string Code, string Message)> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, XNamespace? ns = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{response.StatusCode}: {text}");
        var root = XDocument.Parse(text).Root!;
        Assert.Equal("ErrorResponse", root.Name.LocalName);
        if (ns is not null)
        {
            Assert.Equal(ns, root.Name.Namespace);
        }

        var error = root.Elements().Single(e => e.Name.LocalName == "Error");
        Assert.Equal("Sender", error.Elements().Single(e => e.Name.LocalName == "Type").Value);
        Assert.Equal(response.Headers.GetValues("x-amz-request-id").Single(), root.Elements().Single(e => e.Name.LocalName == "RequestId").Value);
        return (error.Elements().Single(e => e.Name.LocalName == "Code").Value, error.Elements().Single(e => e.Name.LocalName == "Message").Value);
    }

    private async Task<JsonDocument> JsonAsync(string cli, TestCredentials credentials, params string[] arguments)
    {
        var (exit, output, error) = await CliAsync(cli, credentials, arguments);
        Assert.True(exit == 0, $"aws {string.Join(' ', arguments)} exited {exit}: {error}");
        return JsonDocument.Parse(output);
    }

    private async Task RunAsync(string cli, TestCredentials credentials, params string[] arguments)
    {
        var (exit, _, error) = await CliAsync(cli, credentials, arguments);
        Assert.True(exit == 0, $"aws {string.Join(' ', arguments)} exited {exit}: {error}");
    }

    /// <summary>The CLI fails as it does against AWS: "An error occurred (Code) when calling the Operation operation: …".</summary>
    private async Task FailsAsync(string cli, TestCredentials credentials, string code, string operation, params string[] arguments)
    {
        var (exit, _, error) = await CliAsync(cli, credentials, arguments);
        Assert.True(exit != 0, $"aws {string.Join(' ', arguments)} succeeded");
        Assert.Contains($"An error occurred ({code}) when calling the {operation} operation", error, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output, string Error)> CliAsync(string cli, TestCredentials credentials, string[] arguments)
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
}

/// <summary>The tour with Debian's awscli 2, and the query requests no CLI sends.</summary>
public sealed class AwsQueryAwsCli2Tests() : AwsQueryCliTests(AwsCli.Debian)
{
    [Fact]
    public async Task Given_query_requests_outside_the_CLI_When_sent_Then_answers_and_errors_are_AWS_XML_and_change_nothing()
    {
        var root = _api.RootCredentials();
        XNamespace iam = "https://iam.amazonaws.com/doc/2010-05-08/";

        // Unsigned: refused in XML before anything runs.
        using (var anonymous = new HttpClient(_api.CreateHandler()) { BaseAddress = _api.BaseAddress })
        {
            var response = await anonymous.PostAsync("/", Form("Action=ListUsers&Version=2010-05-08"));
            var error = await ErrorAsync(response, HttpStatusCode.Forbidden);
            Assert.Equal("MissingAuthenticationToken", error.Code);
        }

        using var signed = new HttpClient(new SdkSigningHandler(root, "iam") { InnerHandler = _api.CreateHandler() }) { BaseAddress = _api.BaseAddress };

        // GET /?Action=… as AWS accepts it, with the XML shape the SDKs parse.
        var list = await signed.GetAsync("/?Action=ListUsers&Version=2010-05-08&MaxItems=5");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.StartsWith("text/xml", list.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var document = XDocument.Parse(await list.Content.ReadAsStringAsync()).Root!;
        Assert.Equal(iam + "ListUsersResponse", document.Name);
        Assert.Equal("false", document.Element(iam + "ListUsersResult")!.Element(iam + "IsTruncated")!.Value);
        Assert.Equal(list.Headers.GetValues("x-amz-request-id").Single(), document.Element(iam + "ResponseMetadata")!.Element(iam + "RequestId")!.Value);

        // Paging as IAM pages: MaxItems, IsTruncated and the Marker to go on from.
        foreach (var name in new[] { "page-a", "page-b", "page-c" })
        {
            Assert.Equal(HttpStatusCode.OK, (await signed.PostAsync("/", Form($"Action=CreateUser&Version=2010-05-08&UserName={name}"))).StatusCode);
        }

        var first = XDocument.Parse(await (await signed.PostAsync("/", Form("Action=ListUsers&Version=2010-05-08&MaxItems=2"))).Content.ReadAsStringAsync())
            .Root!.Element(iam + "ListUsersResult")!;
        Assert.Equal(["page-a", "page-b"], first.Element(iam + "Users")!.Elements(iam + "member").Select(m => m.Element(iam + "UserName")!.Value));
        Assert.Equal("true", first.Element(iam + "IsTruncated")!.Value);
        var marker = first.Element(iam + "Marker")!.Value;
        var rest = XDocument.Parse(await (await signed.PostAsync("/", Form($"Action=ListUsers&Version=2010-05-08&MaxItems=2&Marker={Uri.EscapeDataString(marker)}")))
            .Content.ReadAsStringAsync()).Root!.Element(iam + "ListUsersResult")!;
        Assert.Equal(["page-c"], rest.Element(iam + "Users")!.Elements(iam + "member").Select(m => m.Element(iam + "UserName")!.Value));
        Assert.Equal("false", rest.Element(iam + "IsTruncated")!.Value);
        Assert.Null(rest.Element(iam + "Marker"));

        // A parameter the platform does not implement is refused, and the user is not created without its boundary.
        var bounded = await signed.PostAsync("/", Form("Action=CreateUser&Version=2010-05-08&UserName=bounded&PermissionsBoundary=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess"));
        Assert.Equal("UnknownParameter", (await ErrorAsync(bounded, HttpStatusCode.BadRequest, iam)).Code);
        var absent = await signed.PostAsync("/", Form("Action=GetUser&Version=2010-05-08&UserName=bounded"));
        Assert.Equal("NoSuchEntity", (await ErrorAsync(absent, HttpStatusCode.NotFound, iam)).Code);

        foreach (var (form, status, code) in new[]
        {
            ("Version=2010-05-08", HttpStatusCode.BadRequest, "MissingAction"),
            ("Action=AssumeRole&Version=2010-05-08", HttpStatusCode.BadRequest, "InvalidAction"), // STS's, not IAM's
            ("Action=CreateAccount&Version=2010-05-08&AccountName=x", HttpStatusCode.BadRequest, "InvalidAction"),
            ("Action=ListUsers&Version=2011-01-01", HttpStatusCode.BadRequest, "NoSuchVersion"),
            ("Action=ListUsers", HttpStatusCode.BadRequest, "MissingParameter"),
            ("Action=DeleteUser&Version=2010-05-08", HttpStatusCode.BadRequest, "MissingParameter"),
            ("Action=ListUsers&Version=2010-05-08&MaxItems=0", HttpStatusCode.BadRequest, "ValidationError"),
            ("Action=ListUsers&Version=2010-05-08&MaxItems=many", HttpStatusCode.BadRequest, "InvalidParameterValue"),
            ("Action=ListUsers&Action=DeleteUser&Version=2010-05-08", HttpStatusCode.BadRequest, "MalformedQueryString"),
            ("Action=ListUsers&Version=2010-05-08&Marker=%zz", HttpStatusCode.BadRequest, "MalformedQueryString"),
        })
        {
            var response = await signed.PostAsync("/", Form(form));
            Assert.Equal(code, (await ErrorAsync(response, status)).Code);
        }

        // A body over the limit is refused before it is parsed.
        var huge = await signed.PostAsync("/", Form("Action=ListUsers&Version=2010-05-08&Marker=" + new string('a', 2 * 1024 * 1024)));
        Assert.Equal("RequestEntityTooLarge", (await ErrorAsync(huge, HttpStatusCode.RequestEntityTooLarge)).Code);

        // A signature scoped to a service the endpoint does not serve is refused; the native API keeps its JSON errors.
        // (EC2 and RDS are served here too since their slices: Lambda is not.)
        using var lambdaScoped = new HttpClient(new SdkSigningHandler(root, "lambda") { InnerHandler = _api.CreateHandler() }) { BaseAddress = _api.BaseAddress };
        Assert.Equal("SignatureDoesNotMatch", (await ErrorAsync(await lambdaScoped.PostAsync("/", Form("Action=ListUsers&Version=2010-05-08")), HttpStatusCode.Forbidden)).Code);
        var native = await signed.GetAsync("/api/v1/iam/users/nobody");
        Assert.Equal(HttpStatusCode.NotFound, native.StatusCode);
        Assert.Equal("NoSuchEntity", JsonDocument.Parse(await native.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());

        // STS answers on the same endpoint when the signature is scoped to sts.
        using var sts = new HttpClient(new SdkSigningHandler(root, "sts") { InnerHandler = _api.CreateHandler() }) { BaseAddress = _api.BaseAddress };
        var who = XDocument.Parse(await (await sts.PostAsync("/", Form("Action=GetCallerIdentity&Version=2011-06-15"))).Content.ReadAsStringAsync()).Root!;
        XNamespace stsNs = "https://sts.amazonaws.com/doc/2011-06-15/";
        Assert.Equal(root.AccountId, who.Element(stsNs + "GetCallerIdentityResult")!.Element(stsNs + "Account")!.Value);
    }
}

/// <summary>The tour with pyenv's awscli 1.</summary>
public sealed class AwsQueryAwsCli1Tests() : AwsQueryCliTests(AwsCli.Pyenv);
