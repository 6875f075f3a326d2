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
/// A desired configuration (another launch template) replaces every instance with it, above the group's maximum size when the
/// maximum healthy percentage allows, and becomes the group's on success; a rollback mid-refresh returns the replaced instances to
/// the configuration before and leaves the group's; what cannot be rolled back gets IrreversibleInstanceRefresh. The group job runs
/// twice per poll throughout: the lease and the refresh's row keep each step single.
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

    /// <summary>A group of two on launch template <c>web</c> version 1 (a number: a refresh of it can be rolled back), both in service.</summary>
    private async Task<(HttpClient Client, List<string> Instances)> GroupOfTwoAsync(string account, string cidr, int maxSize)
    {
        await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192);
        var imageId = await _root.RegisterKernelImageAsync($"{account}-image", [1, 2, 3], [4, 5, 6], isPublic: true);
        var tenant = await _root.CreateAccountAsync(account);
        var client = _app.SignedClient(tenant);
        var vpc = (await (await client.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = $"{cidr}.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var subnet = (await (await client.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = $"{cidr}.1.0/24", availability_zone = "us-east-1a" }))
            .AssertOkAsync()).GetProperty("subnet_id").GetString()!;
        foreach (var (name, type) in new[] { ("web", "t3.nano"), ("api", "t3.micro") })
        {
            await (await client.PostJsonAsync($"{Api}/launch-templates", new
            {
                launch_template_name = name,
                launch_template_data = new { image_id = imageId, instance_type = type },
            })).AssertOkAsync();
        }

        await (await client.PostJsonAsync($"{Api}/groups", new
        {
            auto_scaling_group_name = "web",
            launch_template = new { launch_template_name = "web", version = "1" },
            min_size = 0,
            max_size = maxSize,
            desired_capacity = 2,
            vpc_zone_identifier = subnet,
            default_instance_warmup = 0,
        })).AssertOkAsync();
        List<JsonElement> members = [];
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(2);
            members = await MembersAsync(client);
            return members.Count == 2 && members.All(m => State(m) == "InService");
        }, TimeSpan.FromSeconds(90), "two instances never were in service");
        return (client, members.Select(m => m.GetProperty("instance_id").GetString()!).ToList());
    }

    private static async Task<List<JsonElement>> MembersAsync(HttpClient client) =>
        (await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync()).GetProperty("instances").EnumerateArray().ToList();

    private static async Task<List<JsonElement>> RefreshesAsync(HttpClient client) => (await (await client.GetAsync($"{Api}/groups/web/instance-refreshes")).AssertOkAsync())
        .GetProperty("instance_refreshes").EnumerateArray().ToList();

    private static string State(JsonElement m) => m.GetProperty("lifecycle_state").GetString()!;

    private static (string Name, string Version) Template(JsonElement launchTemplate) =>
        (launchTemplate.GetProperty("launch_template_name").GetString()!, launchTemplate.GetProperty("version").GetString()!);

    [Fact]
    public async Task Given_a_desired_configuration_Then_it_replaces_every_instance_above_the_maximum_size_and_becomes_the_groups()
    {
        var (client, old) = await GroupOfTwoAsync("asg-refresh-desired", "10.3", maxSize: 2);
        Task<HttpResponseMessage> Start(object body) => client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", body);
        var neighbour = _app.SignedClient(await _root.CreateAccountAsync("asg-refresh-desired-neighbour"));
        await (await neighbour.PostJsonAsync($"{Api}/launch-templates", new { launch_template_name = "theirs", launch_template_data = new { instance_type = "t3.nano" } }))
            .AssertOkAsync();
        neighbour.Dispose();

        // Bad input: Auto Scaling's errors, no refresh.
        foreach (var bad in new object[]
        {
            new { desired_configuration = new { } },
            new { desired_configuration = new { launch_template = new { version = "1" } } },
            new { desired_configuration = new { launch_template = new { launch_template_name = "nope" } } },
            new { desired_configuration = new { launch_template = new { launch_template_name = "theirs" } } },
            new { desired_configuration = new { launch_template = new { launch_template_name = "api", version = "9" } } },
            new { preferences = new { auto_rollback = true } },
            new { preferences = new { scale_in_protected_instances = "Sometimes" } },
            new { preferences = new { standby_instances = "Refresh" } },
        })
        {
            await (await Start(bad)).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        }

        await (await client.PostAsync($"{Api}/groups/web/instance-refreshes/rollback", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "ActiveInstanceRefreshNotFound");
        Assert.Empty(await RefreshesAsync(client));

        // Without a desired configuration there is nothing to roll back to.
        await (await Start(new { preferences = new { min_healthy_percentage = 100, max_healthy_percentage = 150 } })).AssertOkAsync();
        await (await client.PostAsync($"{Api}/groups/web/instance-refreshes/rollback", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "IrreversibleInstanceRefresh");
        Assert.Contains((await RefreshesAsync(client))[0].GetProperty("status").GetString(), new[] { "Pending", "InProgress" });
        await (await client.PostAsync($"{Api}/groups/web/instance-refreshes/cancel", null)).AssertOkAsync();
        List<JsonElement> members = [];
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(2);
            members = await MembersAsync(client);
            return (await RefreshesAsync(client))[0].GetProperty("status").GetString() == "Cancelled" && members.Count == 2 && members.All(m => State(m) == "InService");
        }, TimeSpan.FromSeconds(90), "the cancelled refresh never ended with two in service");

        // Launch template api, 100-150 % of 2 on a group whose maximum size is 2: a third instance comes up before each old one goes.
        var id = (await (await Start(new
        {
            desired_configuration = new { launch_template = new { launch_template_name = "api", version = "1" } },
            preferences = new { min_healthy_percentage = 100, max_healthy_percentage = 150, instance_warmup = 0, skip_matching = true },
        })).AssertOkAsync()).GetProperty("instance_refresh_id").GetString()!;
        int fewestInService = 2, mostLive = 2;
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(2);
            members = await MembersAsync(client);
            fewestInService = Math.Min(fewestInService, members.Count(m => State(m) == "InService"));
            mostLive = Math.Max(mostLive, members.Count(m => State(m) == "InService" || State(m).StartsWith("Pending", StringComparison.Ordinal)));
            return (await RefreshesAsync(client))[0].GetProperty("status").GetString() == "Successful";
        }, TimeSpan.FromSeconds(120), "the refresh to launch template api never succeeded", TimeSpan.FromMilliseconds(200));
        var done = (await RefreshesAsync(client))[0];
        Assert.Equal((id, 100), (done.GetProperty("instance_refresh_id").GetString(), done.GetProperty("percentage_complete").GetInt32()));
        Assert.Equal(("api", "1"), Template(done.GetProperty("desired_configuration").GetProperty("launch_template")));
        var group = (await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync());
        Assert.Equal(("api", "1"), Template(group.GetProperty("launch_template")));
        members = group.GetProperty("instances").EnumerateArray().ToList();
        Assert.Equal(2, members.Count);
        Assert.All(members, m => Assert.Equal(("InService", ("api", "1")), (State(m), Template(m.GetProperty("launch_template")))));
        Assert.Empty(members.Select(m => m.GetProperty("instance_id").GetString()).Intersect(old));
        Assert.Equal(3, mostLive);
        Assert.True(fewestInService >= 2, $"{fewestInService} instances were in service at one point; 100 % of 2 is 2");

        // The group's next launches are of its new launch template.
        await (await client.PutJsonAsync($"{Api}/groups/web", new { max_size = 3, desired_capacity = 3 })).AssertOkAsync();
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(1);
            members = await MembersAsync(client);
            return members.Count == 3;
        }, TimeSpan.FromSeconds(90), "the group never grew to 3");
        Assert.All(members, m => Assert.Equal(("api", "1"), Template(m.GetProperty("launch_template"))));
        client.Dispose();
    }

    [Fact]
    public async Task Given_a_refresh_at_its_checkpoint_When_rolled_back_Then_the_replaced_instances_return_to_the_configuration_before()
    {
        var (client, old) = await GroupOfTwoAsync("asg-refresh-rollback", "10.4", maxSize: 4);
        await (await client.PostJsonAsync($"{Api}/launch-templates/web/versions", new { source_version = "1", launch_template_data = new { instance_type = "t3.micro" } }))
            .AssertOkAsync();
        var id = (await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new
        {
            desired_configuration = new { launch_template = new { launch_template_name = "web", version = "2" } },
            preferences = new { min_healthy_percentage = 50, instance_warmup = 0, checkpoint_percentages = new[] { 50, 100 }, checkpoint_delay = 3600 },
        })).AssertOkAsync()).GetProperty("instance_refresh_id").GetString()!;
        List<JsonElement> members = [];
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(2);
            members = await MembersAsync(client);
            return (await RefreshesAsync(client))[0].TryGetProperty("status_reason", out var reason) && reason.ValueKind == JsonValueKind.String;
        }, TimeSpan.FromSeconds(90), "the refresh never paused at its checkpoint", TimeSpan.FromMilliseconds(200));
        var replacement = Assert.Single(members, m => Template(m.GetProperty("launch_template")) == ("web", "2"));

        var rolledBack = (await (await client.PostAsync($"{Api}/groups/web/instance-refreshes/rollback", null)).AssertOkAsync()).GetProperty("instance_refresh_id").GetString();
        Assert.Equal(id, rolledBack);
        var rolling = (await RefreshesAsync(client))[0];
        Assert.Equal("RollbackInProgress", rolling.GetProperty("status").GetString());
        var details = rolling.GetProperty("rollback_details");
        Assert.Equal((50, 1), (details.GetProperty("percentage_complete_on_rollback").GetInt32(), details.GetProperty("instances_to_update_on_rollback").GetInt32()));
        Assert.False(string.IsNullOrEmpty(details.GetProperty("rollback_reason").GetString()));
        // One rollback; a rollback is not cancelled; nor does another refresh start meanwhile.
        await (await client.PostAsync($"{Api}/groups/web/instance-refreshes/rollback", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "ActiveInstanceRefreshNotFound");
        await (await client.PostAsync($"{Api}/groups/web/instance-refreshes/cancel", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "ActiveInstanceRefreshNotFound");
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "InstanceRefreshInProgress");

        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(2);
            members = await MembersAsync(client);
            return (await RefreshesAsync(client))[0].GetProperty("status").GetString() == "RollbackSuccessful";
        }, TimeSpan.FromSeconds(120), "the rollback never succeeded", TimeSpan.FromMilliseconds(200));
        var ended = (await RefreshesAsync(client))[0];
        Assert.Equal(100, ended.GetProperty("percentage_complete").GetInt32());
        Assert.Equal(JsonValueKind.String, ended.GetProperty("end_time").ValueKind);
        var group = (await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync());
        Assert.Equal(("web", "1"), Template(group.GetProperty("launch_template")));
        members = group.GetProperty("instances").EnumerateArray().ToList();
        Assert.Equal(2, members.Count);
        Assert.All(members, m => Assert.Equal(("InService", ("web", "1")), (State(m), Template(m.GetProperty("launch_template")))));
        Assert.DoesNotContain(members, m => m.GetProperty("instance_id").GetString() == replacement.GetProperty("instance_id").GetString());
        // The instance the refresh had left alone at its checkpoint is still there: a rollback replaces only what the refresh changed.
        Assert.Single(old, o => members.Any(m => m.GetProperty("instance_id").GetString() == o));
        await (await client.PostAsync($"{Api}/groups/web/instance-refreshes/rollback", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "ActiveInstanceRefreshNotFound");

        // A group on $Latest cannot be returned to what it had: such a refresh is irreversible.
        await (await client.PutJsonAsync($"{Api}/groups/web", new { launch_template = new { launch_template_name = "web", version = "$Latest" } })).AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new
        {
            desired_configuration = new { launch_template = new { launch_template_name = "web", version = "1" } },
            preferences = new { auto_rollback = true },
        })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new
        {
            desired_configuration = new { launch_template = new { launch_template_name = "web", version = "1" } },
        })).AssertOkAsync();
        await (await client.PostAsync($"{Api}/groups/web/instance-refreshes/rollback", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "IrreversibleInstanceRefresh");
        client.Dispose();
    }
}
