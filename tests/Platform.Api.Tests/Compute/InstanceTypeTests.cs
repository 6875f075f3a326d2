using System.Net;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Compute;

public sealed class InstanceTypeTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    [Fact]
    public async Task The_catalog_lists_every_type_and_named_ones_on_request()
    {
        using var ec2 = platform.App.SignedClient(platform.Root);
        var all = await (await ec2.GetAsync("/api/v1/ec2/instance-types")).AssertOkAsync();
        var micro = all.GetProperty("instance_types").EnumerateArray().Single(t => t.GetProperty("instance_type").GetString() == "t3.micro");
        Assert.Equal(2, micro.GetProperty("vcpus").GetInt32());
        Assert.Equal(1024, micro.GetProperty("memory_mib").GetInt32());

        var two = await (await ec2.GetAsync("/api/v1/ec2/instance-types?instance_type=m5.large&instance_type=t3.nano")).AssertOkAsync();
        Assert.Equal(["m5.large", "t3.nano"], two.GetProperty("instance_types").EnumerateArray().Select(t => t.GetProperty("instance_type").GetString()));
    }

    [Fact]
    public async Task Given_an_unknown_type_Then_InvalidInstanceType_names_it()
    {
        using var ec2 = platform.App.SignedClient(platform.Root);
        var error = await (await ec2.GetAsync("/api/v1/ec2/instance-types?instance_type=t3.micro&instance_type=x9.huge")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceType");
        Assert.Contains("[x9.huge]", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_needs_ec2_DescribeInstanceTypes()
    {
        using var root = platform.RootClient();
        var nia = await root.CreateUserWithKeyAsync("nia", platform.Root.AccountId);
        using var ec2 = platform.App.SignedClient(nia);
        await (await ec2.GetAsync("/api/v1/ec2/instance-types")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");

        await (await root.PutJsonAsync("/api/v1/iam/users/nia/policies/describe", new
        {
            policy_document = IamSetup.Document(new { Effect = "Allow", Action = "ec2:Describe*", Resource = "*" }),
        })).AssertOkAsync();
        await (await ec2.GetAsync("/api/v1/ec2/instance-types")).AssertOkAsync();
    }
}
