using System.Globalization;
using System.Net;
using System.Text.Json;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Metadata;
using Platform.HostAgent.Protocol;

namespace Platform.Api.Tests.Billing;

/// <summary>
/// Spot instances on a simulated server (libvirt's test driver), end to end: a tenant's spot launch at the spot price worked
/// out from the server's free capacity, bad spot options refused with nothing made, then an on-demand launch that finds no
/// room takes the spot capacity back: the spot instance gets its notice in its metadata (as the server's agent answers it)
/// and as an event, is terminated when the notice runs out, the on-demand launch then runs, and the spot instance's seconds
/// are billed at the spot price. The notice is 30 s here (EC2's two minutes by default); the spot price job is kept from
/// running so the launch's price is the only one.
/// </summary>
public sealed class SpotInstanceTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Notice = TimeSpan.FromSeconds(30);

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Compute:SpotInterruptionNotice"] = "00:00:30",
        ["Billing:SpotPriceCron"] = "0 0 1 1 *",
    };

    private PlatformApp _app = new(settings: Settings);
    private HttpClient _root = null!;
    private SimulatedFleet _fleet = null!;
    private SimulatedHost _host = null!;
    private SimulatedHost? _moved;

    public async Task InitializeAsync()
    {
        _root = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _root);
        // 1,536 MiB for instances: one t3.micro (1,024 MiB) fits, two do not.
        _host = await _fleet.AddHostAsync("us-east-1a", cpus: 2, memoryMiB: 2048);
    }

    public async Task DisposeAsync()
    {
        if (_moved is not null)
        {
            await _moved.StopAgentAsync();
        }

        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Given_a_spot_instance_When_an_on_demand_launch_needs_its_server_Then_it_is_interrupted_with_its_notice_and_billed_at_the_spot_price()
    {
        var image = await _root.RegisterKernelImageAsync("spot-image", [1, 2, 3], [4, 5, 6], isPublic: true);
        using var alice = _app.SignedClient(await _root.CreateAccountAsync("spot-alice"));
        object Spot(object spotOptions, string marketType = "spot") => new
        {
            instance_type = "t3.micro", image_id = image, instance_market_options = new { market_type = marketType, spot_options = spotOptions },
        };

        // Bad spot options, and a maximum below the spot price (10 % of on-demand on an idle server): refused, nothing made.
        await (await alice.PostJsonAsync("/api/v1/ec2/instances", Spot(new { max_price = "0.01" }, marketType: "capacity-block")))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await alice.PostJsonAsync("/api/v1/ec2/instances", Spot(new { spot_instance_type = "persistent" })))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "UnsupportedOperation");
        await (await alice.PostJsonAsync("/api/v1/ec2/instances", Spot(new { instance_interruption_behavior = "hibernate" })))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        foreach (var bad in new[] { "-1", "abc", "0" })
        {
            await (await alice.PostJsonAsync("/api/v1/ec2/instances", Spot(new { max_price = bad }))).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        }

        var tooLow = await alice.PostJsonAsync("/api/v1/ec2/instances", Spot(new { max_price = "0.000001" }));
        var refusal = await tooLow.AssertErrorAsync(HttpStatusCode.BadRequest, "SpotMaxPriceTooLow");
        Assert.Contains("0.00104", refusal.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty((await (await alice.GetAsync("/api/v1/ec2/instances")).AssertOkAsync()).GetProperty("instances").EnumerateArray());
        Assert.Empty((await (await alice.GetAsync("/api/v1/vpc/network-interfaces")).AssertOkAsync()).GetProperty("network_interfaces").EnumerateArray());

        // A spot launch: one-time, terminated when interrupted, at most the on-demand price.
        var launched = (await alice.LaunchAsync(Spot(new { max_price = "0.0104", spot_instance_type = "one-time", instance_interruption_behavior = "terminate" })))
            .GetProperty("instance");
        var spotId = launched.GetProperty("instance_id").GetString()!;
        Assert.Equal("spot", launched.GetProperty("instance_lifecycle").GetString());
        Assert.StartsWith("sir-", launched.GetProperty("spot_instance_request_id").GetString(), StringComparison.Ordinal);
        await alice.WaitForStateAsync(spotId, "running");

        // Its price, as the history publishes it: the idle server's, 10 % of t3.micro's on-demand 0.0104 an hour.
        var history = await (await alice.GetAsync(
            $"/api/v1/billing/spot-price-history?instance_type=t3.micro&availability_zone=us-east-1a&start_time={DateTime.UtcNow.AddHours(-1):O}&end_time={DateTime.UtcNow.AddMinutes(2):O}"))
            .AssertOkAsync();
        var price = Assert.Single(history.GetProperty("spot_price_history").EnumerateArray());
        Assert.Equal("0.001040", price.GetProperty("spot_price").GetString());
        Assert.Equal("Linux/UNIX", price.GetProperty("product_description").GetString());
        var spotPrice = decimal.Parse(price.GetProperty("spot_price").GetString()!, CultureInfo.InvariantCulture);

        // No notice yet: the metadata service answers 404.
        Assert.Equal(404, (await SpotActionAsync(spotId)).Status);

        // The operator's on-demand t3.micro finds no room: the spot capacity is taken back instead of refusing it.
        var before = DateTime.UtcNow;
        var onDemandId = (await _root.LaunchAsync(new { instance_type = "t3.micro", image_id = image })).GetProperty("instance_id").GetString()!;
        var after = DateTime.UtcNow;
        var interrupted = await alice.InstanceAsync(spotId);
        var action = interrupted.GetProperty("spot_instance_action");
        Assert.Equal("terminate", action.GetProperty("action").GetString());
        var actionTime = action.GetProperty("time").GetDateTime().ToUniversalTime();
        Assert.InRange(actionTime, before + Notice - TimeSpan.FromSeconds(1), after + Notice + TimeSpan.FromSeconds(1));

        // The notice, as the server's metadata service answers the guest, and as an event in Compute's outbox.
        var answer = await SpotActionAsync(spotId);
        Assert.Equal(200, answer.Status);
        using (var notice = JsonDocument.Parse(answer.Text))
        {
            Assert.Equal("terminate", notice.RootElement.GetProperty("action").GetString());
            Assert.Equal(actionTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), notice.RootElement.GetProperty("time").GetString());
        }

        var events = await Database.ScalarAsync<long>(_app.DatabasePath,
            $"SELECT count(*) FROM compute_outbox_messages WHERE type LIKE '%SpotInstanceInterruptionWarning%' AND payload LIKE '%{spotId}%'");
        Assert.Equal(1, events);

        // Alice never learns of the operator's instance.
        await (await alice.GetAsync($"/api/v1/ec2/instances/{onDemandId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceID.NotFound");

        // When the notice runs out the spot instance is terminated, and then the waiting launch runs.
        await alice.WaitForStateAsync(spotId, "terminated", TimeSpan.FromSeconds(240));
        Assert.StartsWith("Server.SpotInstanceTermination", (await alice.InstanceAsync(spotId)).GetProperty("state_reason").GetString(), StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow >= actionTime);
        await _root.WaitForStateAsync(onDemandId, "running", TimeSpan.FromSeconds(240));

        // Alice's bill: the spot instance's seconds (60 at least) at the spot price, and no on-demand time.
        var day = DateTime.UtcNow.Date;
        var range = $"start={day.AddDays(-1):yyyy-MM-dd}&end={day.AddDays(2):yyyy-MM-dd}";
        JsonElement spotUsage = default;
        await Eventually.TrueAsync(async () =>
        {
            var usage = await (await alice.GetAsync($"/api/v1/billing/usage?{range}&group_by=usage_type")).AssertOkAsync();
            var groups = usage.GetProperty("groups").EnumerateArray().ToList();
            spotUsage = groups.SingleOrDefault(g => g.GetProperty("key").GetString() == "SpotUsage:t3.micro");
            return groups.Count == 1 && spotUsage.ValueKind == JsonValueKind.Object;
        }, TimeSpan.FromSeconds(120), "the spot instance's usage did not show");
        var seconds = Assert.Single(spotUsage.GetProperty("quantities").EnumerateArray()).GetProperty("amount").GetDecimal();
        Assert.True(seconds >= 60m, $"{seconds} s");
        Assert.Equal(decimal.Round(seconds * spotPrice / 3600m, 6, MidpointRounding.AwayFromZero), spotUsage.GetProperty("cost").GetDecimal());
    }

    [Fact]
    public async Task Given_an_API_restart_during_the_notice_Then_the_spot_instance_is_stopped_as_asked_and_the_waiting_launch_runs()
    {
        var image = await _root.RegisterKernelImageAsync("spot-stop-image", [1, 2, 3], [4, 5, 6], isPublic: true);
        var alice = await _root.CreateAccountAsync("spot-stop-alice");
        var client = _app.SignedClient(alice);
        var spotId = (await client.LaunchAsync(new
        {
            instance_type = "t3.micro", image_id = image,
            instance_market_options = new { market_type = "spot", spot_options = new { instance_interruption_behavior = "stop" } },
        })).GetProperty("instance_id").GetString()!;
        await client.WaitForStateAsync(spotId, "running");
        var onDemandId = (await _root.LaunchAsync(new { instance_type = "t3.micro", image_id = image })).GetProperty("instance_id").GetString()!;
        Assert.Equal("stop", (await client.InstanceAsync(spotId)).GetProperty("spot_instance_action").GetProperty("action").GetString());
        Assert.Equal("pending", await _root.StateAsync(onDemandId));

        // The API restarts on the same data directory within the notice; the server's agent (its enrolment kept) dials the new one.
        await _host.StopAgentAsync();
        client.Dispose();
        _root.Dispose();
        await _app.DisposeAsync();
        _app = new PlatformApp(_app.DataDirectory, settings: Settings);
        _root = _app.SignedClient(_app.RootCredentials);
        client = _app.SignedClient(alice);
        _moved = new SimulatedHost(_app, _host.StateDirectory, _host.Libvirt, "enrolled already");
        _moved.Start();

        // The new process carries the interruption out (stopped, as the request said) and releases the waiting launch.
        await client.WaitForStateAsync(spotId, "stopped", TimeSpan.FromSeconds(240));
        Assert.StartsWith("Server.SpotInstanceTermination", (await client.InstanceAsync(spotId)).GetProperty("state_reason").GetString(), StringComparison.Ordinal);
        await _root.WaitForStateAsync(onDemandId, "running", TimeSpan.FromSeconds(240));

        // Its one-time request is closed: it cannot be started again, and starting it changes nothing.
        await (await client.PostAsync($"/api/v1/ec2/instances/{spotId}/start", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "IncorrectSpotRequestState");
        Assert.Equal("stopped", await client.StateAsync(spotId));

        // Its running time, at the spot price of the launch (the only one recorded).
        var price = decimal.Parse(Assert.Single((await (await client.GetAsync(
                $"/api/v1/billing/spot-price-history?instance_type=t3.micro&start_time={DateTime.UtcNow.AddHours(-1):O}&end_time={DateTime.UtcNow.AddMinutes(2):O}"))
            .AssertOkAsync()).GetProperty("spot_price_history").EnumerateArray()).GetProperty("spot_price").GetString()!, CultureInfo.InvariantCulture);
        var day = DateTime.UtcNow.Date;
        JsonElement group = default;
        await Eventually.TrueAsync(async () =>
        {
            var usage = await (await client.GetAsync($"/api/v1/billing/usage?start={day.AddDays(-1):yyyy-MM-dd}&end={day.AddDays(2):yyyy-MM-dd}&group_by=usage_type"))
                .AssertOkAsync();
            group = usage.GetProperty("groups").EnumerateArray().SingleOrDefault(g => g.GetProperty("key").GetString() == "SpotUsage:t3.micro");
            return group.ValueKind == JsonValueKind.Object;
        }, TimeSpan.FromSeconds(120), "the spot instance's usage did not show");
        var seconds = Assert.Single(group.GetProperty("quantities").EnumerateArray()).GetProperty("amount").GetDecimal();
        Assert.True(seconds >= 60m, $"{seconds} s");
        Assert.Equal(decimal.Round(seconds * price / 3600m, 6, MidpointRounding.AwayFromZero), group.GetProperty("cost").GetDecimal());
        client.Dispose();
    }

    /// <summary>What the server's metadata service answers the guest for spot/instance-action, from the desired state its agent is given.</summary>
    private async Task<MetadataAnswer> SpotActionAsync(string instanceId)
    {
        using var agent = _app.CreateClient();
        var credential = JsonDocument.Parse(_host.CredentialJson).RootElement;
        agent.DefaultRequestHeaders.TryAddWithoutValidation("Authorization",
            $"PlatformHost {credential.GetProperty("host_id").GetString()}:{credential.GetProperty("host_secret").GetString()}");
        var state = JsonSerializer.Deserialize<HostDesiredState>(
            await (await agent.GetAsync("/api/v1/agent/desired-state")).Content.ReadAsStringAsync(), AgentApi.Json)!;
        var instance = state.Instances.Single(i => i.InstanceId == instanceId);
        var responder = new MetadataResponder(new MetadataTokens(new byte[32], TimeProvider.System));
        return responder.Answer(new MetadataGuest(instance, instance.Metadata!), new MetadataRequest("GET", "/latest/meta-data/spot/instance-action"));
    }
}
