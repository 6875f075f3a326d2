using System.Globalization;
using System.Text.Json;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Ec2Query;

/// <summary>
/// Spot instances through EC2's query protocol with Debian's awscli 2, as a user would: a maximum price below the spot
/// price refused as AWS refuses it, a spot launch (<c>--instance-market-options</c>), DescribeInstances' lifecycle and spot
/// request id (and its filter), and DescribeSpotPriceHistory with its parameters and filters.
/// </summary>
public sealed class SpotEc2QueryTests : IAsyncLifetime
{
    private Ec2Cloud _cloud = null!;

    public async Task InitializeAsync() => _cloud = await Ec2Cloud.StartAsync();

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task Given_the_aws_CLI_When_it_launches_a_spot_instance_and_reads_the_spot_price_history_Then_it_prints_what_AWS_would()
    {
        var root = _cloud.Api.RootCredentials();
        Task<JsonElement> Ec2(params string[] arguments) => _cloud.JsonAsync(AwsCli.Debian, root, ["ec2", .. arguments]);

        var tooLow = await _cloud.FailsAsync(AwsCli.Debian, root, "SpotMaxPriceTooLow", "RunInstances", "ec2", "run-instances", "--image-id", _cloud.ImageId,
            "--instance-type", "t3.micro", "--instance-market-options", "MarketType=spot,SpotOptions={MaxPrice=0.000001}");
        Assert.Contains("lower than the minimum required Spot request fulfillment price", tooLow, StringComparison.Ordinal);
        await _cloud.FailsAsync(AwsCli.Debian, root, "InvalidParameterValue", "RunInstances", "ec2", "run-instances", "--image-id", _cloud.ImageId,
            "--instance-type", "t3.micro", "--instance-market-options", "MarketType=spot,SpotOptions={InstanceInterruptionBehavior=hibernate}");
        Assert.Equal(0, (await Ec2("describe-instances", "--query", "Reservations[].Instances[]")).GetArrayLength());

        var launched = Assert.Single((await Ec2("run-instances", "--image-id", _cloud.ImageId, "--instance-type", "t3.micro", "--instance-market-options",
            "MarketType=spot,SpotOptions={MaxPrice=0.0104,SpotInstanceType=one-time,InstanceInterruptionBehavior=stop}")).GetProperty("Instances").EnumerateArray());
        var instanceId = launched.GetProperty("InstanceId").GetString()!;
        Assert.Equal("spot", launched.GetProperty("InstanceLifecycle").GetString());
        await Ec2("wait", "instance-running", "--instance-ids", instanceId);

        var spot = await Ec2("describe-instances", "--filters", "Name=instance-lifecycle,Values=spot",
            "--query", "Reservations[].Instances[].[InstanceId,InstanceLifecycle,SpotInstanceRequestId]");
        var row = Assert.Single(spot.EnumerateArray()).EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.Equal(instanceId, row[0]);
        Assert.Equal("spot", row[1]);
        Assert.StartsWith("sir-", row[2], StringComparison.Ordinal);

        // The history: the price the launch was checked against (the server was idle: 10 % of on-demand), and what the
        // filters and parameters leave out.
        var start = DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var end = DateTime.UtcNow.AddMinutes(2).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var history = (await Ec2("describe-spot-price-history", "--instance-types", "t3.micro", "--availability-zone", Ec2Cloud.Zone,
            "--product-descriptions", "Linux/UNIX", "--start-time", start, "--end-time", end)).GetProperty("SpotPriceHistory").EnumerateArray().ToList();
        Assert.NotEmpty(history);
        var first = history[^1];
        Assert.Equal("t3.micro", first.GetProperty("InstanceType").GetString());
        Assert.Equal(Ec2Cloud.Zone, first.GetProperty("AvailabilityZone").GetString());
        Assert.Equal("Linux/UNIX", first.GetProperty("ProductDescription").GetString());
        Assert.Equal("0.001040", first.GetProperty("SpotPrice").GetString());
        Assert.True(first.GetProperty("Timestamp").GetDateTime() > DateTime.UtcNow.AddHours(-1));
        Assert.All(history, h => Assert.InRange(decimal.Parse(h.GetProperty("SpotPrice").GetString()!, CultureInfo.InvariantCulture), 0.00104m, 0.0104m));

        var byFilter = await Ec2("describe-spot-price-history", "--filters", "Name=instance-type,Values=m5.large", "Name=availability-zone,Values=us-east-1*",
            "--start-time", start, "--end-time", end, "--query", "SpotPriceHistory[].InstanceType");
        Assert.NotEmpty(byFilter.EnumerateArray());
        Assert.All(byFilter.EnumerateArray(), t => Assert.Equal("m5.large", t.GetString()));
        Assert.Empty((await Ec2("describe-spot-price-history", "--product-descriptions", "Windows", "--start-time", start, "--end-time", end))
            .GetProperty("SpotPriceHistory").EnumerateArray());
        Assert.Empty((await Ec2("describe-spot-price-history", "--availability-zone", "us-east-1b", "--start-time", start, "--end-time", end))
            .GetProperty("SpotPriceHistory").EnumerateArray());
        await _cloud.FailsAsync(AwsCli.Debian, root, "InvalidParameterValue", "DescribeSpotPriceHistory", "ec2", "describe-spot-price-history",
            "--start-time", end, "--end-time", start);

        await Ec2("terminate-instances", "--instance-ids", instanceId);
        await Ec2("wait", "instance-terminated", "--instance-ids", instanceId);
    }
}
