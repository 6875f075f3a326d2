using System.Net;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Iam;

/// <summary>User tags (TagUser, UntagUser, ListUserTags, tags at creation) and UpdateUser on the native API.</summary>
public sealed class UserTagsAndRenameTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    [Fact]
    public async Task Given_tags_at_creation_and_after_Then_keys_are_unique_without_case_and_IAMs_limits_hold()
    {
        using var root = platform.RootClient();
        var created = await (await root.PostJsonAsync("/api/v1/iam/users", new
        {
            user_name = "mona",
            tags = new[] { new { key = "team", value = "blue" }, new { key = "cost", value = "" } },
        })).AssertOkAsync();
        Assert.Equal(["team=blue", "cost="], Tags(created.GetProperty("tags")));

        await (await root.PostJsonAsync("/api/v1/iam/users/mona/tags", new { tags = new[] { new { key = "TEAM", value = "red" }, new { key = "floor", value = "3" } } }))
            .AssertOkAsync();
        Assert.Equal(["TEAM=red", "cost=", "floor=3"], await TagsOfAsync(root, "mona"));
        Assert.Equal(["TEAM=red", "cost=", "floor=3"], Tags((await (await root.GetAsync("/api/v1/iam/users/mona")).AssertOkAsync()).GetProperty("tags")));
        await (await root.DeleteAsync("/api/v1/iam/users/mona/tags?tag_key=team&tag_key=nothing")).AssertOkAsync();
        Assert.Equal(["cost=", "floor=3"], await TagsOfAsync(root, "mona"));

        // Bad input changes nothing.
        var many = Enumerable.Range(0, 49).Select(i => new { key = $"k{i}", value = "v" }).ToArray();
        await (await root.PostJsonAsync("/api/v1/iam/users/mona/tags", new { tags = many })).AssertErrorAsync(HttpStatusCode.Conflict, "LimitExceeded");
        await (await root.PostJsonAsync("/api/v1/iam/users/mona/tags", new { tags = new[] { new { key = new string('k', 129), value = "v" } } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await root.PostJsonAsync("/api/v1/iam/users/mona/tags", new { tags = new[] { new { key = "k", value = new string('v', 257) } } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await root.PostJsonAsync("/api/v1/iam/users/mona/tags", new { tags = new[] { new { key = "a", value = "1" }, new { key = "A", value = "2" } } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await root.PostJsonAsync("/api/v1/iam/users/mona/tags", new { tags = Array.Empty<object>() }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "MissingParameter");
        Assert.Equal(["cost=", "floor=3"], await TagsOfAsync(root, "mona"));
        await (await root.PostJsonAsync("/api/v1/iam/users", new { user_name = "overtagged", tags = Enumerable.Range(0, 51).Select(i => new { key = $"k{i}", value = "" }) }))
            .AssertErrorAsync(HttpStatusCode.Conflict, "LimitExceeded");
        await (await root.GetAsync("/api/v1/iam/users/overtagged")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");

        var tenant = await root.CreateAccountAsync("user-tags-tenant");
        using var other = platform.App.SignedClient(tenant);
        await (await other.GetAsync("/api/v1/iam/users/mona/tags")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        await (await other.PostJsonAsync("/api/v1/iam/users/mona/tags", new { tags = new[] { new { key = "owned", value = "by b" } } }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        var nina = await root.CreateUserWithKeyAsync("nina", platform.Root.AccountId);
        using var asNina = platform.App.SignedClient(nina);
        await (await asNina.PostJsonAsync("/api/v1/iam/users/mona/tags", new { tags = new[] { new { key = "by", value = "nina" } } }))
            .AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        await (await asNina.GetAsync("/api/v1/iam/users/mona/tags")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        Assert.Equal(["cost=", "floor=3"], await TagsOfAsync(root, "mona"));
    }

    [Fact]
    public async Task Given_a_renamed_user_Then_it_keeps_its_id_keys_policies_and_groups_and_signs_as_its_new_name()
    {
        using var root = platform.RootClient();
        var oscar = await root.CreateUserWithKeyAsync("oscar", platform.Root.AccountId);
        var before = await (await root.GetAsync("/api/v1/iam/users/oscar")).AssertOkAsync();
        await root.AttachAsync("oscar", "arn:aws:iam::aws:policy/IAMReadOnlyAccess");
        await (await root.PostJsonAsync("/api/v1/iam/groups", new { group_name = "Renamers" })).AssertOkAsync();
        await (await root.PutAsync("/api/v1/iam/groups/Renamers/users/oscar", null)).AssertOkAsync();
        using var asOscar = platform.App.SignedClient(oscar);
        Assert.Equal($"arn:aws:iam::{platform.Root.AccountId}:user/oscar",
            (await (await asOscar.GetAsync("/api/v1/iam/caller-identity")).AssertOkAsync()).GetProperty("arn").GetString());

        await root.CreateUserWithKeyAsync("taken", platform.Root.AccountId);
        await (await root.PatchJsonAsync("/api/v1/iam/users/oscar", new { new_user_name = "TAKEN" })).AssertErrorAsync(HttpStatusCode.Conflict, "EntityAlreadyExists");
        await (await root.PatchJsonAsync("/api/v1/iam/users/oscar", new { new_user_name = "bad name" })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await root.PatchJsonAsync("/api/v1/iam/users/oscar", new { new_user_name = "oscar2", new_path = "/elsewhere/" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await root.PatchJsonAsync("/api/v1/iam/users/nobody", new { new_user_name = "oscar3" })).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        await (await root.GetAsync("/api/v1/iam/users/oscar")).AssertOkAsync();

        await (await root.PatchJsonAsync("/api/v1/iam/users/oscar", new { new_user_name = "oscar-renamed" })).AssertOkAsync();
        await (await root.GetAsync("/api/v1/iam/users/oscar")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");
        var after = await (await root.GetAsync("/api/v1/iam/users/oscar-renamed")).AssertOkAsync();
        Assert.Equal(before.GetProperty("user_id").GetString(), after.GetProperty("user_id").GetString());
        Assert.Equal($"arn:aws:iam::{platform.Root.AccountId}:user/oscar-renamed", after.GetProperty("arn").GetString());
        var attached = await (await root.GetAsync("/api/v1/iam/users/oscar-renamed/attached-policies")).AssertOkAsync();
        Assert.Single(attached.GetProperty("attached_policies").EnumerateArray());
        var groups = await (await root.GetAsync("/api/v1/iam/users/oscar-renamed/groups")).AssertOkAsync();
        Assert.Equal(["Renamers"], groups.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("group_name").GetString()));
        var keys = await (await root.GetAsync("/api/v1/iam/access-keys?user_name=oscar-renamed")).AssertOkAsync();
        Assert.Equal([oscar.AccessKeyId], keys.GetProperty("access_key_metadata").EnumerateArray().Select(k => k.GetProperty("access_key_id").GetString()));

        // The same key signs as the new name at once, and keeps the permissions it had.
        Assert.Equal($"arn:aws:iam::{platform.Root.AccountId}:user/oscar-renamed",
            (await (await asOscar.GetAsync("/api/v1/iam/caller-identity")).AssertOkAsync()).GetProperty("arn").GetString());
        await (await asOscar.GetAsync("/api/v1/iam/users")).AssertOkAsync();
        await (await asOscar.PostJsonAsync("/api/v1/iam/users", new { user_name = "by-oscar" })).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
    }

    private static async Task<IReadOnlyList<string>> TagsOfAsync(HttpClient client, string user) =>
        Tags((await (await client.GetAsync($"/api/v1/iam/users/{user}/tags")).AssertOkAsync()).GetProperty("tags"));

    private static List<string> Tags(System.Text.Json.JsonElement tags) =>
        tags.EnumerateArray().Select(t => $"{t.GetProperty("key").GetString()}={t.GetProperty("value").GetString()}").ToList();
}
