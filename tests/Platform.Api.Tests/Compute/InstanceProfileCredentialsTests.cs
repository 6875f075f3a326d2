using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Metadata;
using Platform.HostAgent.Protocol;

namespace Platform.Api.Tests.Compute;

/// <summary>
/// An instance's IAM instance profile, from the API to a real client: the API as its own process over HTTPS, two simulated
/// servers' agents, and on the instance's server the agent's metadata path (its API client, credential cache and responder)
/// answering iam/security-credentials/&lt;role&gt;; pyenv's awscli 1 then signs with exactly those keys. Rotation, another
/// server asking, and a profile that changes or cannot be assumed, all against the same API.
/// </summary>
public sealed class InstanceProfileCredentialsTests : IAsyncLifetime, IDisposable
{
    private const string Cli = AwsCli.Pyenv;
    private const string RolePolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles"],"Resource":"*"}]}""";
    private readonly string _work = Directory.CreateTempSubdirectory("platform-imds-role-").FullName;
    private readonly List<(CancellationTokenSource Stop, Task Running, LibvirtConnection Libvirt)> _agents = [];
    private ApiProcess _api = null!;
    private HttpClient _root = null!;
    private HttpClient _iam = null!;

    public async Task InitializeAsync()
    {
        _api = await ApiProcess.StartAsync(Path.Combine(_work, "data"), new Dictionary<string, string>
        {
            ["Platform__AvailabilityZones__0"] = "us-east-1a",
            ["Platform__AvailabilityZones__1"] = "us-east-1b",
        }, tls: true);
        var root = _api.RootCredentials();
        _root = new HttpClient(new SdkSigningHandler(root) { InnerHandler = _api.CreateHandler() }) { BaseAddress = _api.BaseAddress };
        _iam = new HttpClient(new SdkSigningHandler(root, "iam") { InnerHandler = _api.CreateHandler() }) { BaseAddress = _api.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        foreach (var (stop, running, libvirt) in _agents)
        {
            await stop.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
            stop.Dispose();
            libvirt.Dispose();
        }

        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    public void Dispose()
    {
        _root.Dispose();
        _iam.Dispose();
    }

    [Fact]
    public async Task Given_an_instance_with_a_profile_When_its_guest_reads_the_role_credentials_Then_the_AWS_CLI_acts_as_the_role_and_only_its_server_gets_them()
    {
        var account = _api.RootCredentials().AccountId;
        var server = await StartAgentAsync("us-east-1a");
        var other = await StartAgentAsync("us-east-1b");
        var imageId = await _root.RegisterKernelImageAsync("profile-image", [1, 2, 3], [4, 5, 6], isPublic: true);

        var ec2Trust = IamSetup.Document(new { Effect = "Allow", Principal = new { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" });
        await (await _iam.PostJsonAsync("/api/v1/iam/roles", new { role_name = "app-role", assume_role_policy_document = ec2Trust })).AssertOkAsync();
        await (await _iam.PutAsync("/api/v1/iam/roles/app-role/policies/list-roles",
            JsonContent(new { policy_document = RolePolicy }))).AssertOkAsync();
        var profile = await (await _iam.PostJsonAsync("/api/v1/iam/instance-profiles", new { instance_profile_name = "app-profile" })).AssertOkAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await _iam.PutAsync("/api/v1/iam/instance-profiles/app-profile/roles/app-role", null)).StatusCode);

        var instanceId = (await _root.LaunchAsync(new
        {
            instance_type = "t3.nano", image_id = imageId, availability_zone = "us-east-1a", iam_instance_profile = new { name = "app-profile" },
        })).GetProperty("instance_id").GetString()!;
        var plainId = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = imageId, availability_zone = "us-east-1a" }))
            .GetProperty("instance_id").GetString()!;

        // The instance's server: the desired state names the profile (and no keys); its metadata path answers the role's keys.
        var guest = await GuestAsync(server, instanceId, g => g.Metadata.IamInstanceProfile is not null);
        Assert.Equal((profile.GetProperty("arn").GetString(), profile.GetProperty("instance_profile_id").GetString()),
            (guest.Metadata.IamInstanceProfile!.Arn, guest.Metadata.IamInstanceProfile.Id));
        Assert.DoesNotContain("ASIA", JsonSerializer.Serialize(guest, AgentApi.Json), StringComparison.Ordinal);
        var metadata = Metadata(server, TimeSpan.FromHours(1));
        Assert.Equal("info\nsecurity-credentials/", (await GetAsync(metadata, guest, "/latest/meta-data/iam/")).Text);
        Assert.Equal("app-role", (await GetAsync(metadata, guest, "/latest/meta-data/iam/security-credentials/")).Text);
        var info = Json(await GetAsync(metadata, guest, "/latest/meta-data/iam/info"));
        Assert.Equal(("Success", profile.GetProperty("arn").GetString()), (info["Code"], info["InstanceProfileArn"]));
        var first = Json(await GetAsync(metadata, guest, "/latest/meta-data/iam/security-credentials/app-role"));
        Assert.Equal("AWS-HMAC", first["Type"]);
        Assert.StartsWith("ASIA", first["AccessKeyId"], StringComparison.Ordinal);
        var expires = DateTimeOffset.ParseExact(first["Expiration"], "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        // The role's MaxSessionDuration (an hour by default) bounds EC2's six hours.
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(50), TimeSpan.FromMinutes(61));
        Assert.Equal(404, (await GetAsync(metadata, guest, "/latest/meta-data/iam/security-credentials/other-role")).Status);
        // The cache answers again without a new session.
        Assert.Equal(first["AccessKeyId"], Json(await GetAsync(metadata, guest, "/latest/meta-data/iam/security-credentials/app-role"))["AccessKeyId"]);

        // Fetched ahead: the metadata path told of the guest (as every apply of its server tells it) fetches the keys before any
        // request, so the guest's first request is answered from memory, also while the API cannot be reached. Without that, the
        // first request waits on the API and, with the API away, has no keys to give (EC2's 500, which the SDKs retry).
        var link = new LinkGate();
        var ahead = Metadata(server, TimeSpan.FromHours(1), link);
        await ahead.PrefetchAsync([guest]);
        link.Down = true;
        var prefetched = Json(await GetAsync(ahead, guest, "/latest/meta-data/iam/security-credentials/app-role"));
        Assert.StartsWith("ASIA", prefetched["AccessKeyId"], StringComparison.Ordinal);
        Assert.NotEqual(first["AccessKeyId"], prefetched["AccessKeyId"]);
        Assert.Equal(0, link.Refused);
        var cold = Metadata(server, TimeSpan.FromHours(1), new LinkGate { Down = true });
        Assert.Equal(500, (await GetAsync(cold, guest, "/latest/meta-data/iam/security-credentials/app-role")).Status);

        // Exactly those keys, with the machine's awscli 1: the role's session named by the instance id, allowed what the role allows only.
        var identity = await JsonAsync(first, "sts", "get-caller-identity");
        Assert.Equal($"arn:aws:sts::{account}:assumed-role/app-role/{instanceId}", identity.GetProperty("Arn").GetString());
        Assert.Equal(account, identity.GetProperty("Account").GetString());
        Assert.Contains("app-role", (await JsonAsync(first, "iam", "list-roles")).GetProperty("Roles").EnumerateArray().Select(r => r.GetProperty("RoleName").GetString()));
        await FailsAsync(first, "AccessDenied", "CreateUser", "iam", "create-user", "--user-name", "made-by-the-instance");

        // Another server's agent, with its own valid credential, gets nothing for this instance (as for one that does not exist);
        // the instance's own server gets nothing for an instance without a profile; no credential, no answer.
        var refused = await Assert.ThrowsAsync<AgentApiException>(() => other.Api.GetInstanceCredentialsAsync(instanceId, CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, refused.Status);
        Assert.Contains("InvalidInstanceID.NotFound", refused.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<AgentApiException>(() =>
            other.Api.GetInstanceCredentialsAsync("i-0000000000000000f", CancellationToken.None))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<AgentApiException>(() =>
            server.Api.GetInstanceCredentialsAsync(plainId, CancellationToken.None))).Status);
        using (var anonymous = new HttpClient(_api.CreateHandler()) { BaseAddress = _api.BaseAddress })
        {
            var answer = await anonymous.GetAsync($"{AgentApi.Instances}/{instanceId}/iam-credentials");
            Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
            Assert.DoesNotContain("ASIA", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var plain = await GuestAsync(server, plainId, _ => true);
        Assert.Equal(404, (await GetAsync(metadata, plain, "/latest/meta-data/iam/")).Status);
        Assert.DoesNotContain("iam/", (await GetAsync(metadata, plain, "/latest/meta-data/")).Text.Split('\n'));

        // Rotation: an agent renewing after two seconds hands out new keys; the old ones work on until they expire.
        var rotating = Metadata(server, TimeSpan.FromSeconds(2));
        var before = Json(await GetAsync(rotating, guest, "/latest/meta-data/iam/security-credentials/app-role"));
        Dictionary<string, string> after = before;
        await Eventually.TrueAsync(async () =>
        {
            after = Json(await GetAsync(rotating, guest, "/latest/meta-data/iam/security-credentials/app-role"));
            return after["AccessKeyId"] != before["AccessKeyId"];
        }, TimeSpan.FromSeconds(90), "the agent never renewed the credentials", TimeSpan.FromMilliseconds(500));
        Assert.NotEqual(before["SecretAccessKey"], after["SecretAccessKey"]);
        Assert.True(string.CompareOrdinal(after["Expiration"], before["Expiration"]) >= 0, "the renewed credentials expire before the old ones");
        foreach (var keys in new[] { before, after, first })
        {
            Assert.Equal($"arn:aws:sts::{account}:assumed-role/app-role/{instanceId}",
                (await JsonAsync(keys, "sts", "get-caller-identity")).GetProperty("Arn").GetString());
        }

        // The role's trust no longer names EC2: a fresh agent (a restart) gets EC2's error in iam/info and no keys; trusted again, keys.
        var accountTrust = IamSetup.Document(new { Effect = "Allow", Principal = new { AWS = $"arn:aws:iam::{account}:root" }, Action = "sts:AssumeRole" });
        Assert.Equal(HttpStatusCode.NoContent, (await _iam.PutAsync("/api/v1/iam/roles/app-role/assume-role-policy",
            JsonContent(new { policy_document = accountTrust }))).StatusCode);
        var restarted = Metadata(server, TimeSpan.FromHours(1));
        var untrusted = Json(await GetAsync(restarted, guest, "/latest/meta-data/iam/info"));
        Assert.Equal("AssumeRoleUnauthorizedAccess", untrusted["Code"]);
        Assert.Contains("EC2 cannot assume the role app-role", untrusted["Message"], StringComparison.Ordinal);
        var entry = Json(await GetAsync(restarted, guest, "/latest/meta-data/iam/security-credentials/app-role"));
        Assert.Equal("AssumeRoleUnauthorizedAccess", entry["Code"]);
        Assert.False(entry.ContainsKey("AccessKeyId"));
        Assert.Equal(HttpStatusCode.NoContent, (await _iam.PutAsync("/api/v1/iam/roles/app-role/assume-role-policy",
            JsonContent(new { policy_document = ec2Trust }))).StatusCode);

        // The role removed from the profile: InstanceProfileNotFound and no role listed.
        Assert.Equal(HttpStatusCode.NoContent, (await _iam.DeleteAsync("/api/v1/iam/instance-profiles/app-profile/roles/app-role")).StatusCode);
        var roleless = Metadata(server, TimeSpan.FromHours(1));
        Assert.Equal("InstanceProfileNotFound", Json(await GetAsync(roleless, guest, "/latest/meta-data/iam/info"))["Code"]);
        Assert.Equal(404, (await GetAsync(roleless, guest, "/latest/meta-data/iam/security-credentials/")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await _iam.PutAsync("/api/v1/iam/instance-profiles/app-profile/roles/app-role", null)).StatusCode);

        // Disassociated: the next desired state has no profile (no iam/), and the API issues nothing more for the instance.
        var associationId = guest.Metadata.IamInstanceProfile.AssociationId;
        await (await _root.DeleteAsync($"/api/v1/ec2/iam-instance-profile-associations/{associationId}")).AssertOkAsync();
        var bare = await GuestAsync(server, instanceId, g => g.Metadata.IamInstanceProfile is null);
        Assert.Equal(404, (await GetAsync(metadata, bare, "/latest/meta-data/iam/security-credentials/app-role")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<AgentApiException>(() =>
            server.Api.GetInstanceCredentialsAsync(instanceId, CancellationToken.None))).Status);
    }

    private sealed record Agent(string StateDirectory, AgentApiClient Api);

    /// <summary>A simulated server's agent (its libvirt the test driver) enrolled in <paramref name="zone"/>, and an API client with its credential.</summary>
    private async Task<Agent> StartAgentAsync(string zone)
    {
        var token = (await (await _root.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { availability_zone = zone })).AssertOkAsync())
            .GetProperty("join_token").GetString()!;
        var directory = Path.Combine(_work, zone);
        Directory.CreateDirectory(directory);
        var hostXml = Path.Combine(directory, "host.xml");
        await File.WriteAllTextAsync(hostXml, """
            <node>
              <cpu><mhz>2400</mhz><model>simulated</model><active>8</active><max>8</max><nodes>1</nodes><sockets>1</sockets><cores>8</cores><threads>1</threads></cpu>
              <memory>8388608</memory>
            </node>
            """);
        var libvirt = LibvirtConnection.Open($"test://{hostXml}");
        var options = new AgentOptions
        {
            ApiUrl = _api.BaseAddress.ToString(),
            JoinToken = token,
            StateDirectory = Path.Combine(directory, "agent"),
            LibvirtUri = "test:///simulated",
            HeartbeatInterval = TimeSpan.FromMilliseconds(500),
            LongPollWait = TimeSpan.FromSeconds(10),
        };
        var runtime = new HostAgentRuntime(options, new AgentApiClient(new HttpClient(_api.CreateHandler()) { BaseAddress = _api.BaseAddress }),
            NullLogger.Instance, TimeProvider.System, () => libvirt);
        var stop = new CancellationTokenSource();
        _agents.Add((stop, Task.Run(() => runtime.RunAsync(stop.Token)), libvirt));
        await Eventually.TrueAsync(() => Task.FromResult(HostCredential.Load(options.StateDirectory) is not null), TimeSpan.FromSeconds(90), "the agent did not enrol");
        var api = new AgentApiClient(new HttpClient(_api.CreateHandler()) { BaseAddress = _api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) });
        api.UseCredential(HostCredential.Load(options.StateDirectory)!);
        return new Agent(options.StateDirectory, api);
    }

    /// <summary>The agent's metadata path on <paramref name="agent"/>'s server, as its metadata endpoint builds it (a new one: an agent just started).</summary>
    /// <param name="link">Stands between this path's API client and the API (a link that can go down); null: the agent's own client.</param>
    private GuestMetadata Metadata(Agent agent, TimeSpan renewAfter, LinkGate? link = null)
    {
        IInstanceCredentialSource source = agent.Api;
        if (link is not null)
        {
            link.InnerHandler = _api.CreateHandler();
            var api = new AgentApiClient(new HttpClient(link) { BaseAddress = _api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) });
            api.UseCredential(HostCredential.Load(agent.StateDirectory)!);
            source = api;
        }

        return new(new MetadataResponder(MetadataTokens.Load(Path.Combine(agent.StateDirectory, "imds-token.key"), TimeProvider.System)),
            new InstanceCredentialCache(source, TimeProvider.System, new CredentialRenewal(renewAfter, TimeSpan.FromMinutes(15), TimeSpan.FromMilliseconds(500)),
                NullLogger.Instance));
    }

    /// <summary>
    /// The agent's link to the API, which the test takes down: the API process itself cannot be stopped and started again within
    /// the test cheaply, and what the agent sees of it (a connection refused) is the same failure.
    /// </summary>
    private sealed class LinkGate : DelegatingHandler
    {
        private int _refused;

        public bool Down { get; set; }

        public int Refused => _refused;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Down)
            {
                Interlocked.Increment(ref _refused);
                throw new HttpRequestException("Connection refused (the test took the link to the API down)");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>The instance as the server's desired state has it, once <paramref name="ready"/>.</summary>
    private static async Task<MetadataGuest> GuestAsync(Agent agent, string instanceId, Func<MetadataGuest, bool> ready)
    {
        MetadataGuest? found = null;
        await Eventually.TrueAsync(async () =>
        {
            var state = await agent.Api.WaitForDesiredStateAsync(-1, TimeSpan.Zero, CancellationToken.None);
            found = state?.Instances.Where(i => i.InstanceId == instanceId && i.Metadata is not null).Select(i => new MetadataGuest(i, i.Metadata!)).SingleOrDefault();
            return found is not null && ready(found);
        }, TimeSpan.FromSeconds(90), $"the desired state never showed {instanceId} as expected");
        return found!;
    }

    private static Task<MetadataAnswer> GetAsync(GuestMetadata metadata, MetadataGuest guest, string path) =>
        metadata.AnswerAsync(guest, new MetadataRequest("GET", path), CancellationToken.None);

    private static Dictionary<string, string> Json(MetadataAnswer answer)
    {
        Assert.True(answer.Status == 200, $"{answer.Status}: {answer.Text}");
        return JsonSerializer.Deserialize<Dictionary<string, string>>(answer.Text)!;
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    private async Task<JsonElement> JsonAsync(Dictionary<string, string> keys, params string[] arguments)
    {
        var (exit, output, error) = await CliAsync(keys, arguments);
        Assert.True(exit == 0, $"aws {string.Join(' ', arguments)} exited {exit}: {error}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private async Task FailsAsync(Dictionary<string, string> keys, string code, string operation, params string[] arguments)
    {
        var (exit, _, error) = await CliAsync(keys, arguments);
        Assert.True(exit != 0, $"aws {string.Join(' ', arguments)} succeeded");
        Assert.Contains($"An error occurred ({code}) when calling the {operation} operation", error, StringComparison.Ordinal);
    }

    /// <summary>The CLI with the keys the metadata service answered (AccessKeyId, SecretAccessKey, Token) and no configuration of the machine's own.</summary>
    private async Task<(int Exit, string Output, string Error)> CliAsync(Dictionary<string, string> keys, string[] arguments)
    {
        Assert.True(File.Exists(Cli), $"{Cli} is missing");
        var start = new ProcessStartInfo(Cli) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _work };
        foreach (var argument in (string[])["--endpoint-url", _api.BaseAddress.ToString().TrimEnd('/'), "--ca-bundle", _api.CaCertificatePath!,
                     "--output", "json", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = keys["AccessKeyId"];
        start.Environment["AWS_SECRET_ACCESS_KEY"] = keys["SecretAccessKey"];
        start.Environment["AWS_SESSION_TOKEN"] = keys["Token"];
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_CONFIG_FILE"] = Path.Combine(_work, "no-config");
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_work, "no-credentials");
        start.Environment["AWS_PAGER"] = "";
        start.Environment["AWS_MAX_ATTEMPTS"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
