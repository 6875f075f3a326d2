using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Iam;

/// <summary>
/// Session credentials against the in-process API with a clock the test moves: they work until their expiry and are
/// refused with ExpiredToken after it (no sleeping 900 s), survive an API restart, and need their token signed.
/// </summary>
public sealed class SessionExpiryTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("platform-sessions-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Given_session_credentials_When_the_clock_passes_their_expiry_Then_they_are_refused_with_ExpiredToken()
    {
        var clock = new MovableClock();
        TestCredentials root;
        JsonElement credentials;
        string roleArn;
        using (var app = new PlatformApp(_data, runJobs: false))
        {
            root = app.RootCredentials;
            using var admin = app.SignedClient(root, "iam");
            var trust = IamSetup.Document(new { Effect = "Allow", Principal = new { AWS = root.AccountId }, Action = "sts:AssumeRole" });
            var role = await (await admin.PostJsonAsync("/api/v1/iam/roles", new { role_name = "clocked", assume_role_policy_document = trust })).AssertOkAsync();
            roleArn = role.GetProperty("arn").GetString()!;
            await (await admin.PutJsonAsync("/api/v1/iam/roles/clocked/policies/who", new
            {
                policy_document = IamSetup.Document(new { Effect = "Allow", Action = new[] { "iam:ListRoles", "iam:ListUsers" }, Resource = "*" }),
            })).AssertOkAsync();

            // Out of bounds: refused and nothing issued.
            var tooShort = await admin.PostJsonAsync("/api/v1/iam/sts/assume-role", new { role_arn = roleArn, role_session_name = "s", duration_seconds = 900 });
            Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
            var tooLong = await admin.PostJsonAsync("/api/v1/iam/sts/assume-role", new { role_arn = roleArn, role_session_name = "clock", duration_seconds = 3601 });
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
            var badPolicy = await admin.PostJsonAsync("/api/v1/iam/sts/assume-role", new { role_arn = roleArn, role_session_name = "clock", policy = "{" });
            Assert.Equal(HttpStatusCode.BadRequest, badPolicy.StatusCode);

            var assumed = await (await admin.PostJsonAsync("/api/v1/iam/sts/assume-role", new
            {
                role_arn = roleArn,
                role_session_name = "clock",
                duration_seconds = 900,
                // The session policy narrows the role's: listing roles is allowed by the role, not by this.
                policy = IamSetup.Document(new { Effect = "Allow", Action = "iam:ListUsers", Resource = "*" }),
            })).AssertOkAsync();
            credentials = assumed.GetProperty("credentials").Clone();
        }

        var session = new TestCredentials(credentials.GetProperty("access_key_id").GetString()!, credentials.GetProperty("secret_access_key").GetString()!, root.AccountId);
        var token = credentials.GetProperty("session_token").GetString()!;
        var expiration = credentials.GetProperty("expiration").GetDateTime().ToUniversalTime();

        // A restarted API (same data directory, the test's clock) still knows the session.
        await using var restarted = new PlatformApp(_data, runJobs: false).WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        var signer = new SdkSigningHandler(session, "iam") { InnerHandler = restarted.Server.CreateHandler() };
        using var client = new HttpClient(signer) { BaseAddress = restarted.Server.BaseAddress };

        async Task<HttpResponseMessage> Send(string path, string? sessionToken)
        {
            signer.SignedAt = clock.GetUtcNow().UtcDateTime;
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (sessionToken is not null)
            {
                request.Headers.Add("x-amz-security-token", sessionToken);
            }

            return await client.SendAsync(request);
        }

        var who = await (await Send("/api/v1/iam/caller-identity", token)).AssertOkAsync();
        Assert.Equal($"arn:aws:sts::{root.AccountId}:assumed-role/clocked/clock", who.GetProperty("arn").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Send("/api/v1/iam/users", token)).StatusCode);
        // Role allows ListRoles, the session policy does not: denied.
        Assert.Equal(HttpStatusCode.Forbidden, (await Send("/api/v1/iam/roles", token)).StatusCode);
        await AssertCodeAsync(await Send("/api/v1/iam/users", token[..^2] + "xx"), "InvalidClientTokenId");
        await AssertCodeAsync(await Send("/api/v1/iam/users", null), "InvalidClientTokenId");

        // The token added after signing (not covered by the signature) is refused for session credentials.
        using (var unsigned = new HttpClient(new SdkSigningHandler(session, "iam") { InnerHandler = new TokenAfterSigning(token) { InnerHandler = restarted.Server.CreateHandler() } })
               { BaseAddress = restarted.Server.BaseAddress })
        {
            clock.Now = DateTimeOffset.UtcNow;
            var response = await unsigned.GetAsync("/api/v1/iam/users");
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        clock.Now = new DateTimeOffset(expiration.AddSeconds(-1), TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, (await Send("/api/v1/iam/users", token)).StatusCode);
        clock.Now = new DateTimeOffset(expiration.AddSeconds(1), TimeSpan.Zero);
        await AssertCodeAsync(await Send("/api/v1/iam/users", token), "ExpiredToken");
    }

    private static async Task AssertCodeAsync(HttpResponseMessage response, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{response.StatusCode}: {text}");
        Assert.Equal(code, JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
    }

    private sealed class MovableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class TokenAfterSigning(string token) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Add("x-amz-security-token", token);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
