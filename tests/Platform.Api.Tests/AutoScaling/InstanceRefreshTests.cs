using System.Net;
using System.Text.Json;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.AutoScaling;

/// <summary>
/// Instance refresh through the native API on a simulated server: bad input gets Auto Scaling's errors and starts nothing;
/// a refresh replaces the instances of an older launch template version one batch at a time, never fewer in service than
/// its minimum healthy percentage asks, and ends Successful; one active refresh per group; a cancelled one ends Cancelled.
/// </summary>
public sealed class InstanceRefreshTests : IAsyncLifetime, IDisposable
{
    private const string Api = "/api/v1/autoscaling";

    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?> { ["Platform:AvailabilityZones:0"] = "us-east-1a" });

    private HttpClient _root = null!;
    private SimulatedFleet _fleet = null!;

    public async Task InitializeAsync()
    {
        _root = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _root);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _root.Dispose();

    private void RunGroupJob(int times)
    {
        var jobs = _app.Services.GetRequiredService<IRecurringJobManager>();
        for (var i = 0; i < times; i++)
        {
            jobs.Trigger("autoscaling-groups");
        }
    }

    [Fact]
    public async Task Given_a_new_launch_template_version_Then_a_refresh_replaces_the_old_instances_keeping_the_healthy_percentage()
    {
        await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192);
        var imageId = await _root.RegisterKernelImageAsync("refresh-image", [1, 2, 3], [4, 5, 6], isPublic: true);
        var tenant = await _root.CreateAccountAsync("asg-refresh");
        using var client = _app.SignedClient(tenant);
        var vpc = (await (await client.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.1.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var subnet = (await (await client.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = "10.1.1.0/24", availability_zone = "us-east-1a" }))
            .AssertOkAsync()).GetProperty("subnet_id").GetString()!;
        await (await client.PostJsonAsync($"{Api}/launch-templates", new
        {
            launch_template_name = "web",
            launch_template_data = new { image_id = imageId, instance_type = "t3.nano" },
        })).AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/groups", new
        {
            auto_scaling_group_name = "web",
            launch_template = new { launch_template_name = "web", version = "$Latest" },
            min_size = 0,
            max_size = 4,
            desired_capacity = 2,
            vpc_zone_identifier = subnet,
            default_instance_warmup = 0,
        })).AssertOkAsync();

        async Task<List<JsonElement>> Members() => (await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync()).GetProperty("instances").EnumerateArray().ToList();
        static string State(JsonElement m) => m.GetProperty("lifecycle_state").GetString()!;
        static string Version(JsonElement m) => m.GetProperty("launch_template").GetProperty("version").GetString()!;
        async Task<List<JsonElement>> Refreshes() => (await (await client.GetAsync($"{Api}/groups/web/instance-refreshes")).AssertOkAsync())
            .GetProperty("instance_refreshes").EnumerateArray().ToList();

        // Bad input: Auto Scaling's errors, no refresh.
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new { preferences = new { min_healthy_percentage = 150 } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new { strategy = "ReplaceRootVolume" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await client.PostJsonAsync($"{Api}/groups/nope/instance-refreshes", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await client.PostAsync($"{Api}/groups/web/instance-refreshes/cancel", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "ActiveInstanceRefreshNotFound");
        Assert.Empty(await Refreshes());

        List<JsonElement> members = [];
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(1);
            members = await Members();
            return members.Count == 2 && members.All(m => State(m) == "InService");
        }, TimeSpan.FromSeconds(90), "two instances never were in service");
        var old = members.Select(m => m.GetProperty("instance_id").GetString()!).ToList();
        Assert.All(members, m => Assert.Equal("1", Version(m)));

        // Version 2 is the group's $Latest: a refresh at 50 % replaces the two instances one at a time.
        await (await client.PostJsonAsync($"{Api}/launch-templates/web/versions", new { source_version = "1", launch_template_data = new { instance_type = "t3.micro" } }))
            .AssertOkAsync();
        var id = (await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new { preferences = new { min_healthy_percentage = 50, instance_warmup = 0 } }))
            .AssertOkAsync()).GetProperty("instance_refresh_id").GetString()!;
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "InstanceRefreshInProgress");
        var neighbour = await _root.CreateAccountAsync("asg-refresh-neighbour");
        using var neighbourClient = _app.SignedClient(neighbour);
        await (await neighbourClient.PostAsync($"{Api}/groups/web/instance-refreshes/cancel", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");

        var fewestInService = 2;
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(2);
            members = await Members();
            fewestInService = Math.Min(fewestInService, members.Count(m => State(m) == "InService"));
            return (await Refreshes())[0].GetProperty("status").GetString() == "Successful";
        }, TimeSpan.FromSeconds(120), "the refresh never succeeded", TimeSpan.FromMilliseconds(200));
        var done = Assert.Single(await Refreshes());
        Assert.Equal((id, 100, 0), (done.GetProperty("instance_refresh_id").GetString(), done.GetProperty("percentage_complete").GetInt32(),
            done.GetProperty("instances_to_update").GetInt32()));
        members = await Members();
        Assert.Equal(2, members.Count);
        Assert.All(members, m => Assert.Equal(("InService", "2"), (State(m), Version(m))));
        Assert.Empty(members.Select(m => m.GetProperty("instance_id").GetString()).Intersect(old));
        Assert.True(fewestInService >= 1, $"the refresh left {fewestInService} instances in service; 50 % of 2 is 1");
        foreach (var instanceId in old)
        {
            Assert.Contains(await client.StateAsync(instanceId), new[] { "shutting-down", "terminated" });
        }

        var activities = (await (await client.GetAsync($"{Api}/groups/web/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray().ToList();
        Assert.Equal(2, activities.Count(a => a.GetProperty("cause").GetString()!.Contains("in response to an instance refresh", StringComparison.Ordinal)));

        // A second refresh, cancelled: Cancelling, then Cancelled at the next pass, and a new one may start.
        await (await client.PostJsonAsync($"{Api}/launch-templates/web/versions", new { source_version = "2", launch_template_data = new { instance_type = "t3.nano" } }))
            .AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new { })).AssertOkAsync();
        await (await client.PostAsync($"{Api}/groups/web/instance-refreshes/cancel", null)).AssertOkAsync();
        // The recurring pass may come between the two calls: Cancelled already is as right as Cancelling.
        Assert.Contains((await Refreshes())[0].GetProperty("status").GetString(), new[] { "Cancelling", "Cancelled" });
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(1);
            return (await Refreshes())[0].GetProperty("status").GetString() == "Cancelled";
        }, TimeSpan.FromSeconds(90), "the cancelled refresh never ended");
        await (await client.PostAsync($"{Api}/groups/web/instance-refreshes/cancel", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "ActiveInstanceRefreshNotFound");
    }
}
