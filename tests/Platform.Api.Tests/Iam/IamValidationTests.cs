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
