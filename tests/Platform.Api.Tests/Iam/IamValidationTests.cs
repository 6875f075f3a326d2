using System.Net;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Iam;

/// <summary>Bad input gets AWS's error and changes nothing.</summary>
public sealed class IamValidationTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    [Theory]
    [InlineData("""{"user_name":""", "SerializationException")]
    [InlineData("""not json""", "SerializationException")]
    [InlineData("""{"user_name":"valid-name","colour":"blue"}""", "UnknownParameter")]
    [InlineData("""{}""", "MissingParameter")]
    [InlineData("""{"user_name":"bad name!"}""", "ValidationError")]
    [InlineData("""{"user_name":"this-name-is-far-too-long-for-iam-because-it-has-more-than-sixty-four-chars"}""", "ValidationError")]
    [InlineData("""{"user_name":"x","path":"/team/"}""", "InvalidParameterValue")]
    [InlineData("""{"user_name":7}""", "SerializationException")]
    public async Task Given_a_bad_create_user_body_Then_400_and_nothing_is_created(string body, string code)
    {
        using var root = platform.RootClient();
        var before = await root.UserNamesAsync();
        await (await root.PostRawAsync("/api/v1/iam/users", body)).AssertErrorAsync(HttpStatusCode.BadRequest, code);
        Assert.Equal(before, await root.UserNamesAsync());
    }

    /// <summary>Look-alikes of ASCII names (Cyrillic а, fullwidth ａ, Greek ο, a combining accent) and a trailing newline.</summary>
    public static TheoryData<string> LookAlikeNames => new()
    {
        "\u0430dmin",
        "\uff41dmin",
        "r\u03bfot",
        "ade\u0301le",
        "\u00e9mile",
        "admin\n",
        "admin\u200b",
    };

    [Theory]
    [MemberData(nameof(LookAlikeNames))]
    public async Task Given_a_look_alike_user_or_policy_name_Then_ValidationError_and_nothing_is_created(string name)
    {
        using var root = platform.RootClient();
        var users = await root.UserNamesAsync();
        var error = await (await root.PostJsonAsync("/api/v1/iam/users", new { user_name = name })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        Assert.Contains(@"[\w+=,.@-]+", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(users, await root.UserNamesAsync());

        var policy = new { Version = "2012-10-17", Statement = new[] { new { Effect = "Allow", Action = "iam:GetUser", Resource = "*" } } };
        await (await root.PostJsonAsync("/api/v1/iam/policies", new { policy_name = name, policy_document = policy })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        var local = await (await root.GetAsync("/api/v1/iam/policies?scope=Local")).AssertOkAsync();
        Assert.DoesNotContain(local.GetProperty("policies").EnumerateArray(), p => p.GetProperty("policy_name").GetString() == name);
    }

    [Fact]
    public async Task Given_a_look_alike_name_in_any_IAM_call_Then_ValidationError_not_a_lookup()
    {
        using var root = platform.RootClient();
        await root.CreateUserWithKeyAsync("nadia", platform.Root.AccountId);
        const string LookAlike = "n\u0430dia";
        var escaped = Uri.EscapeDataString(LookAlike);
        var policy = new { Version = "2012-10-17", Statement = new[] { new { Effect = "Allow", Action = "iam:GetUser", Resource = "*" } } };
        var calls = new (string What, Func<Task<HttpResponseMessage>> Call)[]
        {
            ("GetUser", () => root.GetAsync($"/api/v1/iam/users/{escaped}")),
            ("DeleteUser", () => root.DeleteAsync($"/api/v1/iam/users/{escaped}")),
            ("CreateAccessKey", () => root.PostJsonAsync("/api/v1/iam/access-keys", new { user_name = LookAlike })),
            ("ListAccessKeys", () => root.GetAsync($"/api/v1/iam/access-keys?user_name={escaped}")),
            ("UpdateAccessKey", () => root.PatchJsonAsync("/api/v1/iam/access-keys/AKIA\u0410AAAAAAAAAAAAAAA", new { status = "Inactive" })),
            ("DeleteAccessKey", () => root.DeleteAsync($"/api/v1/iam/access-keys/{Uri.EscapeDataString("AKIA\u0410AAAAAAAAAAAAAAA")}")),
            ("GetPolicy", () => root.GetAsync($"/api/v1/iam/policies/{escaped}")),
            ("DeletePolicy", () => root.DeleteAsync($"/api/v1/iam/policies/{escaped}")),
            ("AttachUserPolicy", () => root.PostJsonAsync($"/api/v1/iam/users/{escaped}/attached-policies", new { policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess" })),
            ("ListAttachedUserPolicies", () => root.GetAsync($"/api/v1/iam/users/{escaped}/attached-policies")),
            ("DetachUserPolicy", () => root.DeleteAsync($"/api/v1/iam/users/{escaped}/attached-policies?policy_arn=arn:aws:iam::aws:policy/ReadOnlyAccess")),
            ("PutUserPolicy (user)", () => root.PutJsonAsync($"/api/v1/iam/users/{escaped}/policies/inline", new { policy_document = policy })),
            ("PutUserPolicy (policy)", () => root.PutJsonAsync($"/api/v1/iam/users/nadia/policies/{escaped}", new { policy_document = policy })),
            ("ListUserPolicies", () => root.GetAsync($"/api/v1/iam/users/{escaped}/policies")),
            ("GetUserPolicy", () => root.GetAsync($"/api/v1/iam/users/nadia/policies/{escaped}")),
            ("DeleteUserPolicy", () => root.DeleteAsync($"/api/v1/iam/users/nadia/policies/{escaped}")),
        };
        foreach (var (what, call) in calls)
        {
            var response = await call();
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest && body.Contains("\"ValidationError\"", StringComparison.Ordinal),
                $"{what}: expected 400 ValidationError, got {(int)response.StatusCode} {body}");
        }

        var inline = await (await root.GetAsync("/api/v1/iam/users/nadia/policies")).AssertOkAsync();
        Assert.Equal(0, inline.GetProperty("policy_names").GetArrayLength());
    }

    [Theory]
    [InlineData(64, true)]
    [InlineData(65, false)]
    public async Task Given_a_user_name_at_IAM_s_length_limit_Then_64_is_made_and_65_refused(int length, bool made)
    {
        using var root = platform.RootClient();
        var name = "L" + new string('x', length - 1);
        var response = await root.PostJsonAsync("/api/v1/iam/users", new { user_name = name });
        if (made)
        {
            await response.AssertOkAsync();
        }
        else
        {
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        }

        Assert.Equal(made, (await root.UserNamesAsync()).Contains(name));
    }

    [Fact]
    public async Task Given_an_unknown_field_Then_the_error_names_it()
    {
        using var root = platform.RootClient();
        var error = await (await root.PostRawAsync("/api/v1/iam/users", """{"user_nmae":"typo"}""")).AssertErrorAsync(HttpStatusCode.BadRequest, "UnknownParameter");
        Assert.Contains("user_nmae", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_an_existing_user_name_in_another_case_Then_EntityAlreadyExists()
    {
        using var root = platform.RootClient();
        await (await root.PostJsonAsync("/api/v1/iam/users", new { user_name = "Ivan" })).AssertOkAsync();
        await (await root.PostJsonAsync("/api/v1/iam/users", new { user_name = "ivan" })).AssertErrorAsync(HttpStatusCode.Conflict, "EntityAlreadyExists");
        Assert.Single(await root.UserNamesAsync(), n => n.Equals("ivan", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("""{"policy_name":"p1","policy_document":"{not json"}""", "MalformedPolicyDocument")]
    [InlineData("""{"policy_name":"p2","policy_document":{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"iam:*","Resource":"*"}]}}""", "MalformedPolicyDocument")]
    [InlineData("""{"policy_name":"p3","policy_document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ListUsers","Resource":"*"}]}}""", "MalformedPolicyDocument")]
    [InlineData("""{"policy_name":"p4"}""", "MissingParameter")]
    public async Task Given_a_bad_policy_Then_400_and_no_policy(string body, string code)
    {
        using var root = platform.RootClient();
        await (await root.PostRawAsync("/api/v1/iam/policies", body)).AssertErrorAsync(HttpStatusCode.BadRequest, code);
        var local = await (await root.GetAsync("/api/v1/iam/policies?scope=Local")).AssertOkAsync();
        Assert.DoesNotContain(local.GetProperty("policies").EnumerateArray(), p => p.GetProperty("policy_name").GetString()!.StartsWith('p'));
    }

    [Fact]
    public async Task Given_two_keys_Then_a_third_is_refused_and_a_user_with_keys_cannot_be_deleted()
    {
        using var root = platform.RootClient();
        await root.CreateUserWithKeyAsync("judy", platform.Root.AccountId);
        await (await root.PostJsonAsync("/api/v1/iam/access-keys", new { user_name = "judy" })).AssertOkAsync();
        await (await root.PostJsonAsync("/api/v1/iam/access-keys", new { user_name = "judy" })).AssertErrorAsync(HttpStatusCode.Conflict, "LimitExceeded");
        var keys = await (await root.GetAsync("/api/v1/iam/access-keys?user_name=judy")).AssertOkAsync();
        Assert.Equal(2, keys.GetProperty("access_key_metadata").GetArrayLength());
        Assert.All(keys.GetProperty("access_key_metadata").EnumerateArray(), k => Assert.False(k.TryGetProperty("secret_access_key", out _)));

        await (await root.DeleteAsync("/api/v1/iam/users/judy")).AssertErrorAsync(HttpStatusCode.Conflict, "DeleteConflict");
        Assert.Contains("judy", await root.UserNamesAsync());
    }

    [Fact]
    public async Task Given_a_body_over_the_limit_or_not_json_Then_413_or_415_and_nothing_is_created()
    {
        using var root = platform.RootClient();
        var huge = $$"""{"user_name":"huge","path":"/{{new string('x', 1_100_000)}}/"}""";
        await (await root.PostRawAsync("/api/v1/iam/users", huge)).AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "RequestEntityTooLarge");
        using var text = new StringContent("""{"user_name":"texty"}""", System.Text.Encoding.UTF8, "text/plain");
        await (await root.PostAsync("/api/v1/iam/users", text)).AssertErrorAsync(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType");
        var names = await root.UserNamesAsync();
        Assert.DoesNotContain("huge", names);
        Assert.DoesNotContain("texty", names);
    }

    [Fact]
    public async Task Given_an_unknown_route_Then_an_AWS_style_404()
    {
        using var root = platform.RootClient();
        await (await root.GetAsync("/api/v1/iam/nothing-here")).AssertErrorAsync(HttpStatusCode.NotFound, "UnknownOperation");
    }

    [Fact]
    public async Task Secrets_are_stored_encrypted()
    {
        var root = platform.Root;
        var stored = await Database.ScalarAsync<string>(platform.App.DatabasePath, $"SELECT protected_secret FROM iam_access_keys WHERE id = '{root.AccessKeyId}'");
        Assert.NotNull(stored);
        Assert.DoesNotContain(root.SecretAccessKey, stored, StringComparison.Ordinal);
    }
}
