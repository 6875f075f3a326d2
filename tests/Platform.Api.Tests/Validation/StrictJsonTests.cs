using System.Net;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Validation;

/// <summary>
/// JSON types are kept as written, for every module at once (the shared JSON options): a string where a number
/// belongs, or a number where a string or boolean belongs, is a SerializationException naming the field, and
/// nothing is made. Before, <c>{"size":"1"}</c> made a volume.
/// </summary>
public sealed class StrictJsonTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    [Theory]
    [InlineData("""{"availability_zone":"us-east-1a","size":"1"}""", "size", "a number")]
    [InlineData("""{"availability_zone":"us-east-1a","size":"0x10"}""", "size", "a number")]
    [InlineData("""{"availability_zone":"us-east-1a","size":"NaN"}""", "size", "a number")]
    [InlineData("""{"availability_zone":1,"size":1}""", "availability_zone", "a string")]
    public async Task Given_a_volume_with_a_value_of_the_wrong_type_Then_SerializationException_names_it_and_no_volume(string body, string field, string expected)
    {
        using var root = platform.RootClient();
        var before = await VolumeCountAsync(root);
        var error = await (await root.PostRawAsync("/api/v1/ec2/volumes", body)).AssertErrorAsync(HttpStatusCode.BadRequest, "SerializationException");
        Assert.Equal($"The value of {field} must be {expected}.", error.GetProperty("message").GetString());
        Assert.Equal(before, await VolumeCountAsync(root));
    }

    [Theory]
    [InlineData("/api/v1/vpc/vpcs", """{"cidr_block":167772160}""", "cidr_block", "a string")]
    [InlineData("/api/v1/iam/users", """{"user_name":true}""", "user_name", "a string")]
    [InlineData("/api/v1/ec2/images", """{"name":"strict","format":"kernel","public":"true"}""", "public", "a boolean (true or false)")]
    [InlineData("/api/v1/ec2/images", """{"name":"strict","format":"kernel","public":1}""", "public", "a boolean (true or false)")]
    public async Task Given_a_wrong_type_in_any_module_Then_SerializationException_names_the_field(string path, string body, string field, string expected)
    {
        using var root = platform.RootClient();
        var error = await (await root.PostRawAsync(path, body)).AssertErrorAsync(HttpStatusCode.BadRequest, "SerializationException");
        Assert.Equal($"The value of {field} must be {expected}.", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Given_the_same_volume_with_a_number_Then_it_is_made()
    {
        // The control: the refusals above are about the type, not the request.
        using var root = platform.RootClient();
        var volume = await (await root.PostRawAsync("/api/v1/ec2/volumes", """{"availability_zone":"us-east-1a","size":1,"client_token":"strict-control"}""")).AssertOkAsync();
        Assert.Equal(1, volume.GetProperty("size").GetInt32());
    }

    private static async Task<int> VolumeCountAsync(HttpClient client) =>
        (await (await client.GetAsync("/api/v1/ec2/volumes")).AssertOkAsync()).GetProperty("volumes").GetArrayLength();
}
