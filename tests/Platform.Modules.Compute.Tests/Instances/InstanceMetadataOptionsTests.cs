using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Tests.Instances;

/// <summary>EC2's MetadataOptions: the values it accepts, and the server's desired state carrying the instance's own.</summary>
public sealed class InstanceMetadataOptionsTests
{
    [Theory]
    [InlineData(null, null, null)]
    [InlineData("optional", 1, "enabled")]
    [InlineData("required", 64, "disabled")]
    public void Given_EC2s_values_Then_they_are_accepted(string? tokens, int? hopLimit, string? endpoint) =>
        new MetadataOptionsBody(tokens, hopLimit, endpoint).Validate();

    [Theory]
    [InlineData("Required", null, null)]
    [InlineData("", null, null)]
    [InlineData(null, 0, null)]
    [InlineData(null, 65, null)]
    [InlineData(null, -1, null)]
    [InlineData(null, null, "on")]
    public void Given_other_values_Then_InvalidParameterValue(string? tokens, int? hopLimit, string? endpoint)
    {
        var error = Assert.Throws<ApiException>(() => new MetadataOptionsBody(tokens, hopLimit, endpoint).Validate());
        Assert.Equal((400, "InvalidParameterValue"), (error.StatusCode, error.Code));
    }

    [Fact]
    public void Given_an_instance_with_its_own_options_Then_its_desired_metadata_carries_them_and_one_without_gets_EC2s_defaults()
    {
        static Instance Instance() => new()
        {
            Id = "i-0123456789abcdef0", AccountId = "123456789012", InstanceType = "t3.nano", ImageId = "ami-0123456789abcdef0", ImageFormat = "kernel",
            State = InstanceStates.Running, HostId = "h-1", AvailabilityZone = "us-east-1a", DesiredPower = DesiredPowers.Running, PrivateIpAddress = "10.0.1.5",
        };

        var defaults = HostDesiredStates.Metadata(Instance(), "us-east-1");
        Assert.Equal(("optional", 1, "enabled"), (defaults.HttpTokens, defaults.HttpPutResponseHopLimit, defaults.HttpEndpoint));

        var own = Instance();
        own.HttpTokens = "required";
        own.HttpPutResponseHopLimit = 3;
        own.HttpEndpoint = "disabled";
        var metadata = HostDesiredStates.Metadata(own, "us-east-1");
        Assert.Equal(("required", 3, "disabled"), (metadata.HttpTokens, metadata.HttpPutResponseHopLimit, metadata.HttpEndpoint));
    }
}
