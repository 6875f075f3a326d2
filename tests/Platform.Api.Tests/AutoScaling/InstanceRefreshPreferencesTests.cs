using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.AutoScaling;

/// <summary>
/// Instance refresh preferences as AWS has them, on a simulated server through the native API: bad preferences refused with
/// nothing started; MaxHealthyPercentage 200 launches the replacements before the old instances go (never fewer than two in
/// service, never more than four); a checkpoint at 50 % pauses the refresh with a StatusReason saying so; the API restarted on
/// the same data directory mid-refresh goes on to Successful; SkipMatching's default replaces instances already on the version,
/// SkipMatching true leaves them. AutoRollback: a desired configuration that cannot launch fails the refresh, which rolls back to
/// the configuration before. ScaleInProtectedInstances: Wait (the default) holds the refresh until the protection goes, Ignore leaves
/// protected instances, Refresh replaces them. BakeTime holds the refresh Baking at 100 % before it succeeds; an alarm of the
/// AlarmSpecification in ALARM rolls the refresh back (AutoRollback) or fails it, also on the query protocol.
/// </summary>
public sealed class InstanceRefreshPreferencesTests : IAsyncLifetime, IDisposable
{
    private const string Api = "/api/v1/autoscaling";

    private static readonly Dictionary<string, string?> Settings = new() { ["Platform:AvailabilityZones:0"] = "us-east-1a" };

    private PlatformApp _app = new(settings: Settings);
    private HttpClient _root = null!;
    private SimulatedFleet _fleet = null!;

    /// <summary>The server's agent started again against the restarted API (same state directory and libvirt).</summary>
    private SimulatedHost? _moved;

    public Task InitializeAsync()
    {
        _root = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _root);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_moved is not null)
        {
            await _moved.StopAgentAsync();
        }

        await _fleet.DisposeAsync();
        _root.Dispose();
        await _app.DisposeAsync();
    }

    public void Dispose() => _root.Dispose();

    private void RunGroupJob() => _app.Services.GetRequiredService<IRecurringJobManager>().Trigger("autoscaling-groups");

    [Fact]
    public async Task Given_preferences_Then_replacements_come_first_a_checkpoint_pauses_and_a_restart_mid_refresh_goes_on()
    {
        var server = await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192);
        var imageId = await _root.RegisterKernelImageAsync("refresh-prefs-image", [1, 2, 3], [4, 5, 6], isPublic: true);
        var tenant = await _root.CreateAccountAsync("asg-refresh-prefs");
        var client = _app.SignedClient(tenant);
        var vpc = (await (await client.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.2.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var subnet = (await (await client.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = "10.2.1.0/24", availability_zone = "us-east-1a" }))
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
        static bool Live(JsonElement m) => State(m) == "InService" || State(m).StartsWith("Pending", StringComparison.Ordinal);
        async Task<List<JsonElement>> Refreshes() => (await (await client.GetAsync($"{Api}/groups/web/instance-refreshes")).AssertOkAsync())
            .GetProperty("instance_refreshes").EnumerateArray().ToList();
        Task<HttpResponseMessage> Start(object preferences) => client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new { preferences });

        // Preferences AWS refuses: ValidationError each, no refresh.
        foreach (var bad in new object[]
        {
            new { min_healthy_percentage = 90, max_healthy_percentage = 99 },
            new { min_healthy_percentage = 90, max_healthy_percentage = 201 },
            new { max_healthy_percentage = 150 },
            new { min_healthy_percentage = 40, max_healthy_percentage = 150 },
            new { min_healthy_percentage = 100, max_healthy_percentage = 100 },
            new { checkpoint_percentages = new[] { 50, 20 } },
            new { checkpoint_percentages = new[] { 50, 50 } },
            new { checkpoint_percentages = new[] { 0, 100 } },
            new { checkpoint_percentages = new[] { 101 } },
            new { checkpoint_percentages = Array.Empty<int>() },
            new { checkpoint_percentages = new[] { 100 }, checkpoint_delay = -1 },
            new { checkpoint_percentages = new[] { 100 }, checkpoint_delay = 172801 },
        })
        {
            await (await Start(bad)).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        }

        Assert.Empty(await Refreshes());

        List<JsonElement> members = [];
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob();
            members = await Members();
            return members.Count == 2 && members.All(m => State(m) == "InService");
        }, TimeSpan.FromSeconds(90), "two instances never were in service");
        var old = members.Select(m => m.GetProperty("instance_id").GetString()!).ToList();

        // Version 2; replace at 100-200 %, pausing 3 s at 50 %.
        await (await client.PostJsonAsync($"{Api}/launch-templates/web/versions", new { source_version = "1", launch_template_data = new { instance_type = "t3.micro" } }))
            .AssertOkAsync();
        var id = (await (await Start(new
        {
            min_healthy_percentage = 100,
            max_healthy_percentage = 200,
            instance_warmup = 0,
            checkpoint_percentages = new[] { 50, 100 },
            checkpoint_delay = 3,
            skip_matching = true,
        })).AssertOkAsync()).GetProperty("instance_refresh_id").GetString()!;
        var preferences = (await Refreshes())[0].GetProperty("preferences");
        Assert.Equal((100, 200, true, 3), (preferences.GetProperty("min_healthy_percentage").GetInt32(), preferences.GetProperty("max_healthy_percentage").GetInt32(),
            preferences.GetProperty("skip_matching").GetBoolean(), preferences.GetProperty("checkpoint_delay").GetInt32()));
        Assert.Equal([50, 100], preferences.GetProperty("checkpoint_percentages").EnumerateArray().Select(p => p.GetInt32()));

        int fewestInService = 2, mostLive = 2;
        async Task Watch()
        {
            members = await Members();
            fewestInService = Math.Min(fewestInService, members.Count(m => State(m) == "InService"));
            mostLive = Math.Max(mostLive, members.Count(Live));
        }

        JsonElement paused = default;
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob();
            await Watch();
            paused = (await Refreshes())[0];
            return paused.TryGetProperty("status_reason", out var reason) && reason.ValueKind == JsonValueKind.String;
        }, TimeSpan.FromSeconds(90), "the refresh never paused at its checkpoint", TimeSpan.FromMilliseconds(500));
        Assert.Equal(("InProgress", 50, 1), (paused.GetProperty("status").GetString(), paused.GetProperty("percentage_complete").GetInt32(),
            paused.GetProperty("instances_to_update").GetInt32()));
        Assert.StartsWith("Waiting at checkpoint 50% for the checkpoint delay of 3 seconds", paused.GetProperty("status_reason").GetString(), StringComparison.Ordinal);
        Assert.Single(old, o => members.Any(m => m.GetProperty("instance_id").GetString() == o && Live(m)));

        // The API restarts on the same data directory mid-refresh; the server's agent (its enrolment kept) dials the new one.
        await server.StopAgentAsync();
        client.Dispose();
        _root.Dispose();
        await _app.DisposeAsync();
        _app = new PlatformApp(_app.DataDirectory, settings: Settings);
        _root = _app.SignedClient(_app.RootCredentials);
        client = _app.SignedClient(tenant);
        _moved = new SimulatedHost(_app, server.StateDirectory, server.Libvirt, "enrolled already");
        _moved.Start();

        // A pass the restart cut short may keep the group's lease (two minutes) if it could not let it go: patience beyond that.
        JsonElement last = default;
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob();
            await Watch();
            last = (await Refreshes())[0];
            return last.GetProperty("status").GetString() == "Successful";
        }, TimeSpan.FromSeconds(180), () => $"the refresh never succeeded after the restart: {last} with {string.Join(", ", members.Select(m =>
            $"{m.GetProperty("instance_id")} {State(m)} v{Version(m)}"))}", TimeSpan.FromMilliseconds(500));
        var done = Assert.Single(await Refreshes());
        Assert.Equal((id, 100, 0), (done.GetProperty("instance_refresh_id").GetString(), done.GetProperty("percentage_complete").GetInt32(),
            done.GetProperty("instances_to_update").GetInt32()));
        members = await Members();
        Assert.Equal(2, members.Count);
        Assert.All(members, m => Assert.Equal(("InService", "2"), (State(m), Version(m))));
        Assert.Empty(members.Select(m => m.GetProperty("instance_id").GetString()).Intersect(old));
        Assert.True(fewestInService >= 2, $"{fewestInService} instances were in service at one point; 100 % of 2 is 2");
        Assert.True(mostLive <= 4, $"{mostLive} instances at one point; 200 % of 2 is 4");
        Assert.True(mostLive >= 3, "no replacement came up before an old instance went");

        // Nothing differs from version 2 now: SkipMatching true has nothing to do, its default (false) replaces both anyway.
        var current = members.Select(m => m.GetProperty("instance_id").GetString()!).ToList();
        // This one on AWS's query protocol, as botocore sends it: the preferences read from their members and answered back.
        using var query = _app.SignedClient(tenant, "autoscaling");
        async Task<(HttpStatusCode Status, XElement Body)> Query(Dictionary<string, string> form)
        {
            form["Version"] = "2011-01-01";
            var response = await query.PostAsync("/", new FormUrlEncodedContent(form));
            return (response.StatusCode, XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!);
        }

        static string? Leaf(XElement root, string name) => root.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
        var refused = await Query(new() { ["Action"] = "StartInstanceRefresh", ["AutoScalingGroupName"] = "web", ["Preferences.CheckpointPercentages.member.1"] = "half" });
        Assert.Equal((HttpStatusCode.BadRequest, "ValidationError"), (refused.Status, Leaf(refused.Body, "Code")));
        Assert.Single(await Refreshes());
        var started = await Query(new()
        {
            ["Action"] = "StartInstanceRefresh",
            ["AutoScalingGroupName"] = "web",
            ["Preferences.SkipMatching"] = "true",
            ["Preferences.MinHealthyPercentage"] = "100",
            ["Preferences.MaxHealthyPercentage"] = "150",
            ["Preferences.CheckpointPercentages.member.1"] = "100",
            ["Preferences.CheckpointDelay"] = "0",
        });
        Assert.Equal(HttpStatusCode.OK, started.Status);
        var described = await Query(new() { ["Action"] = "DescribeInstanceRefreshes", ["AutoScalingGroupName"] = "web", ["MaxRecords"] = "1" });
        var answered = described.Body.Descendants().First(e => e.Name.LocalName == "Preferences");
        Assert.Equal(("true", "150", "100", "0", Leaf(started.Body, "InstanceRefreshId")),
            (Leaf(answered, "SkipMatching"), Leaf(answered, "MaxHealthyPercentage"), Leaf(answered.Descendants().First(e => e.Name.LocalName == "CheckpointPercentages"), "member"),
                Leaf(answered, "CheckpointDelay"), Leaf(described.Body, "InstanceRefreshId")));
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob();
            return (await Refreshes())[0].GetProperty("status").GetString() == "Successful";
        }, TimeSpan.FromSeconds(90), "the refresh with nothing to replace never ended");
        Assert.Equal((100, 0), ((await Refreshes())[0].GetProperty("percentage_complete").GetInt32(), (await Refreshes())[0].GetProperty("instances_to_update").GetInt32()));
        Assert.Equal(current.Order(StringComparer.Ordinal), (await Members()).Select(m => m.GetProperty("instance_id").GetString()!).Order(StringComparer.Ordinal));

        await (await Start(new { min_healthy_percentage = 50, instance_warmup = 0 })).AssertOkAsync();
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob();
            members = await Members();
            return (await Refreshes())[0].GetProperty("status").GetString() == "Successful";
        }, TimeSpan.FromSeconds(90), "the refresh of matching instances never succeeded", TimeSpan.FromMilliseconds(200));
        Assert.Equal(2, members.Count);
        Assert.Empty(members.Select(m => m.GetProperty("instance_id").GetString()).Intersect(current));
        client.Dispose();
    }

    /// <summary>A group of two on launch template <c>web</c> version 1, both in service, and the calls the refresh tests below make on it.</summary>
    private async Task<RefreshedGroup> GroupOfTwoAsync(string account, string cidr)
    {
        await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192);
        var imageId = await _root.RegisterKernelImageAsync($"{account}-image", [1, 2, 3], [4, 5, 6], isPublic: true);
        var tenant = await _root.CreateAccountAsync(account);
        var client = _app.SignedClient(tenant);
        var vpc = (await (await client.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = $"{cidr}.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var subnet = (await (await client.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = $"{cidr}.1.0/24", availability_zone = "us-east-1a" }))
            .AssertOkAsync()).GetProperty("subnet_id").GetString()!;
        await (await client.PostJsonAsync($"{Api}/launch-templates", new
        {
            launch_template_name = "web",
            launch_template_data = new { image_id = imageId, instance_type = "t3.nano" },
        })).AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/groups", new
        {
            auto_scaling_group_name = "web",
            launch_template = new { launch_template_name = "web", version = "1" },
            min_size = 0,
            max_size = 4,
            desired_capacity = 2,
            vpc_zone_identifier = subnet,
            default_instance_warmup = 0,
        })).AssertOkAsync();

        async Task<List<JsonElement>> Members() => (await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync()).GetProperty("instances").EnumerateArray().ToList();
        static string State(JsonElement m) => m.GetProperty("lifecycle_state").GetString()!;
        async Task<JsonElement> Latest() => (await (await client.GetAsync($"{Api}/groups/web/instance-refreshes")).AssertOkAsync())
            .GetProperty("instance_refreshes").EnumerateArray().First();
        void RunTwice()
        {
            RunGroupJob();
            RunGroupJob();
        }

        List<JsonElement> members = [];
        async Task<JsonElement> Until(string status, string because)
        {
            JsonElement refresh = default;
            await Eventually.TrueAsync(async () =>
            {
                RunTwice();
                members = await Members();
                refresh = await Latest();
                return refresh.GetProperty("status").GetString() == status && members.Count == 2 && members.All(m => State(m) == "InService");
            }, TimeSpan.FromSeconds(90), () => $"{because}: {refresh}", TimeSpan.FromMilliseconds(200));
            return refresh;
        }

        await Eventually.TrueAsync(async () =>
        {
            RunTwice();
            members = await Members();
            return members.Count == 2 && members.All(m => State(m) == "InService");
        }, TimeSpan.FromSeconds(90), "two instances never were in service");

        return new RefreshedGroup(tenant, client, Members, Latest, Until, () => members);
    }

    /// <summary>The tenant's client and the helpers: members, the newest refresh, and a wait for a refresh status with both in service.</summary>
    private sealed record RefreshedGroup(TestCredentials Tenant, HttpClient Client, Func<Task<List<JsonElement>>> Members, Func<Task<JsonElement>> Latest,
        Func<string, string, Task<JsonElement>> Until, Func<List<JsonElement>> LastMembers) : IDisposable
    {
        public void Dispose() => Client.Dispose();
    }

    private static string Version(JsonElement m) => m.GetProperty("launch_template").GetProperty("version").GetString()!;

    private static string Id(JsonElement m) => m.GetProperty("instance_id").GetString()!;

    [Fact]
    public async Task Given_auto_rollback_When_the_desired_configuration_cannot_launch_Then_the_refresh_rolls_back_and_without_it_fails()
    {
        using var group = await GroupOfTwoAsync("asg-refresh-autorollback", "10.5");
        var client = group.Client;
        // Version 2 names an image that does not exist: its launches are refused, the refresh fails and rolls itself back to version 1.
        await (await client.PostJsonAsync($"{Api}/launch-templates/web/versions", new { source_version = "1", launch_template_data = new { image_id = "ami-0123456789abcdef0" } }))
            .AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new
        {
            desired_configuration = new { launch_template = new { launch_template_name = "web", version = "2" } },
            preferences = new { min_healthy_percentage = 50, instance_warmup = 0, auto_rollback = true },
        })).AssertOkAsync();
        var rolledBack = await group.Until("RollbackSuccessful", "the failed refresh never rolled back");
        Assert.True(rolledBack.GetProperty("preferences").GetProperty("auto_rollback").GetBoolean());
        Assert.Contains("failed to launch", rolledBack.GetProperty("rollback_details").GetProperty("rollback_reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, rolledBack.GetProperty("rollback_details").GetProperty("rollback_start_time").ValueKind);
        Assert.All(group.LastMembers(), m => Assert.Equal("1", Version(m)));
        Assert.Equal("1", (await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync()).GetProperty("launch_template").GetProperty("version").GetString());
        var activities = (await (await client.GetAsync($"{Api}/groups/web/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray().ToList();
        Assert.True(activities.Count(a => a.GetProperty("status_code").GetString() == "Failed") >= 3, "fewer than three launches were refused");

        // The same without AutoRollback: Failed, and the group goes on launching version 1.
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new
        {
            desired_configuration = new { launch_template = new { launch_template_name = "web", version = "2" } },
            preferences = new { min_healthy_percentage = 50, instance_warmup = 0 },
        })).AssertOkAsync();
        var failed = await group.Until("Failed", "the refresh that cannot launch never failed");
        Assert.StartsWith("The instance refresh failed: ", failed.GetProperty("status_reason").GetString(), StringComparison.Ordinal);
        Assert.True(!failed.TryGetProperty("rollback_details", out var none) || none.ValueKind == JsonValueKind.Null, $"a failed refresh without AutoRollback has rollback details: {failed}");
        Assert.All(group.LastMembers(), m => Assert.Equal("1", Version(m)));
    }

    [Fact]
    public async Task Given_a_bake_time_and_an_alarm_specification_Then_the_refresh_bakes_before_it_succeeds_and_an_alarm_in_ALARM_rolls_it_back_or_fails_it()
    {
        using var group = await GroupOfTwoAsync("asg-refresh-alarms", "10.7");
        var client = group.Client;
        const string CloudWatch = "/api/v1/cloudwatch";
        var jobs = _app.Services.GetRequiredService<IRecurringJobManager>();

        // Two alarms on a metric nobody sends: "calm" reads the missing data as not breaching (OK), "storm" as breaching (ALARM).
        static object Alarm(string missing) => new
        {
            @namespace = "Test/Refresh", metric_name = "Errors", statistic = "Sum", period = 60, evaluation_periods = 1, threshold = 0,
            comparison_operator = "GreaterThanThreshold", treat_missing_data = missing,
        };
        await (await client.PutJsonAsync($"{CloudWatch}/alarms/calm", Alarm("notBreaching"))).AssertOkAsync();
        await (await client.PutJsonAsync($"{CloudWatch}/alarms/storm", Alarm("breaching"))).AssertOkAsync();
        var states = new Dictionary<string, string>();
        await Eventually.TrueAsync(async () =>
        {
            jobs.Trigger("cloudwatch-alarms");
            states = (await (await client.GetAsync($"{CloudWatch}/alarms")).AssertOkAsync()).GetProperty("metric_alarms").EnumerateArray()
                .ToDictionary(a => a.GetProperty("alarm_name").GetString()!, a => a.GetProperty("state_value").GetString()!);
            return states.GetValueOrDefault("calm") == "OK" && states.GetValueOrDefault("storm") == "ALARM";
        }, TimeSpan.FromSeconds(90), () => $"the alarms never were OK and ALARM: {string.Join(", ", states)}", TimeSpan.FromMilliseconds(200));

        // Another account's alarm is one that does not exist.
        var neighbour = await _root.CreateAccountAsync("asg-refresh-alarms-neighbour");
        using (var theirs = _app.SignedClient(neighbour))
        {
            await (await theirs.PutJsonAsync($"{CloudWatch}/alarms/theirs", Alarm("breaching"))).AssertOkAsync();
        }

        // Bake times and alarm specifications AWS refuses: ValidationError each, no refresh.
        foreach (var bad in new object[]
        {
            new { bake_time = -1 },
            new { bake_time = 172801 },
            new { alarm_specification = new { alarms = new[] { "nope" } } },
            new { alarm_specification = new { alarms = new[] { "calm", "theirs" } } },
            new { alarm_specification = new { alarms = new[] { "" } } },
            new { alarm_specification = new { alarms = Enumerable.Range(0, 11).Select(i => $"a{i}").ToArray() } },
        })
        {
            await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new { preferences = bad })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        }

        Assert.Empty((await (await client.GetAsync($"{Api}/groups/web/instance-refreshes")).AssertOkAsync()).GetProperty("instance_refreshes").EnumerateArray());

        // Version 2 with a bake time of 20 s, watching "calm": every instance is replaced, the refresh is Baking at 100 %, then Successful.
        await (await client.PostJsonAsync($"{Api}/launch-templates/web/versions", new { source_version = "1", launch_template_data = new { instance_type = "t3.micro" } }))
            .AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new
        {
            desired_configuration = new { launch_template = new { launch_template_name = "web", version = "2" } },
            preferences = new { min_healthy_percentage = 50, instance_warmup = 0, bake_time = 20, alarm_specification = new { alarms = new[] { "calm" } } },
        })).AssertOkAsync();
        var baking = await group.Until("Baking", "the refresh never baked");
        Assert.Equal(100, baking.GetProperty("percentage_complete").GetInt32());
        Assert.StartsWith("Waiting for the bake time of 20 seconds to elapse", baking.GetProperty("status_reason").GetString(), StringComparison.Ordinal);
        Assert.All(group.LastMembers(), m => Assert.Equal("2", Version(m)));
        Assert.Equal(20, baking.GetProperty("preferences").GetProperty("bake_time").GetInt32());
        Assert.Equal(["calm"], baking.GetProperty("preferences").GetProperty("alarm_specification").GetProperty("alarms").EnumerateArray().Select(a => a.GetString()));
        var baked = await group.Until("Successful", "the refresh never succeeded after its bake time");
        Assert.True(baked.GetProperty("end_time").GetDateTime() >= baking.GetProperty("start_time").GetDateTime().AddSeconds(20), baked.ToString());
        Assert.Equal("2", (await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync()).GetProperty("launch_template").GetProperty("version").GetString());

        // Version 3, watching "storm", which is in ALARM: with AutoRollback the refresh rolls back to version 2, naming the alarm.
        await (await client.PostJsonAsync($"{Api}/launch-templates/web/versions", new { source_version = "2", launch_template_data = new { instance_type = "t3.small" } }))
            .AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new
        {
            desired_configuration = new { launch_template = new { launch_template_name = "web", version = "3" } },
            preferences = new { min_healthy_percentage = 50, instance_warmup = 0, auto_rollback = true, alarm_specification = new { alarms = new[] { "calm", "storm" } } },
        })).AssertOkAsync();
        var rolledBack = await group.Until("RollbackSuccessful", "the refresh watching an alarm in ALARM never rolled back");
        Assert.Contains("the alarm storm of the alarm specification went into ALARM state.", rolledBack.GetProperty("rollback_details").GetProperty("rollback_reason").GetString(),
            StringComparison.Ordinal);
        Assert.All(group.LastMembers(), m => Assert.Equal("2", Version(m)));
        Assert.Equal("2", (await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync()).GetProperty("launch_template").GetProperty("version").GetString());

        // The same on AWS's query protocol without AutoRollback: the preferences answered back, and the refresh Failed, naming the alarm.
        using var query = _app.SignedClient(group.Tenant, "autoscaling");
        async Task<(HttpStatusCode Status, XElement Body)> Query(Dictionary<string, string> form)
        {
            form["Version"] = "2011-01-01";
            var response = await query.PostAsync("/", new FormUrlEncodedContent(form));
            return (response.StatusCode, XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!);
        }

        static string? Leaf(XElement root, string name) => root.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
        var refused = await Query(new() { ["Action"] = "StartInstanceRefresh", ["AutoScalingGroupName"] = "web", ["Preferences.AlarmSpecification.Alarms.member.1"] = "theirs" });
        Assert.Equal((HttpStatusCode.BadRequest, "ValidationError"), (refused.Status, Leaf(refused.Body, "Code")));
        var started = await Query(new()
        {
            ["Action"] = "StartInstanceRefresh",
            ["AutoScalingGroupName"] = "web",
            ["DesiredConfiguration.LaunchTemplate.LaunchTemplateName"] = "web",
            ["DesiredConfiguration.LaunchTemplate.Version"] = "3",
            ["Preferences.MinHealthyPercentage"] = "50",
            ["Preferences.InstanceWarmup"] = "0",
            ["Preferences.BakeTime"] = "30",
            ["Preferences.AlarmSpecification.Alarms.member.1"] = "storm",
        });
        Assert.Equal(HttpStatusCode.OK, started.Status);
        var described = await Query(new() { ["Action"] = "DescribeInstanceRefreshes", ["AutoScalingGroupName"] = "web", ["MaxRecords"] = "1" });
        var answered = described.Body.Descendants().First(e => e.Name.LocalName == "Preferences");
        Assert.Equal(("30", "storm", Leaf(started.Body, "InstanceRefreshId")),
            (Leaf(answered, "BakeTime"), Leaf(answered.Descendants().First(e => e.Name.LocalName == "AlarmSpecification"), "member"), Leaf(described.Body, "InstanceRefreshId")));
        var failed = await group.Until("Failed", "the refresh watching an alarm in ALARM never failed");
        Assert.Equal("The instance refresh failed: the alarm storm of the alarm specification went into ALARM state.", failed.GetProperty("status_reason").GetString());
        Assert.All(group.LastMembers(), m => Assert.Equal("2", Version(m)));
    }

    [Fact]
    public async Task Given_instances_protected_from_scale_in_Then_a_refresh_waits_for_them_ignores_them_or_replaces_them_as_asked()
    {
        using var group = await GroupOfTwoAsync("asg-refresh-protected", "10.6");
        var client = group.Client;
        var members = group.LastMembers();
        void RunTwice()
        {
            RunGroupJob();
            RunGroupJob();
        }

        // One instance protected from scale in. Wait (the default): the other is replaced, then the refresh waits for the protection to go.
        var kept = Id(members[0]);
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-protection", new { instance_ids = new[] { kept }, protected_from_scale_in = true })).AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new { preferences = new { min_healthy_percentage = 50, instance_warmup = 0 } }))
            .AssertOkAsync();
        JsonElement waiting = default;
        await Eventually.TrueAsync(async () =>
        {
            RunTwice();
            waiting = await group.Latest();
            return waiting.TryGetProperty("status_reason", out var reason) && reason.ValueKind == JsonValueKind.String;
        }, TimeSpan.FromSeconds(90), () => $"the refresh never waited for the protected instance: {waiting}", TimeSpan.FromMilliseconds(200));
        Assert.Equal(("InProgress", 1, "Wait"), (waiting.GetProperty("status").GetString(), waiting.GetProperty("instances_to_update").GetInt32(),
            waiting.GetProperty("preferences").GetProperty("scale_in_protected_instances").GetString()));
        Assert.StartsWith("Waiting for 1 instances protected from scale in", waiting.GetProperty("status_reason").GetString(), StringComparison.Ordinal);
        Assert.Contains(await group.Members(), m => Id(m) == kept);
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-protection", new { instance_ids = new[] { kept }, protected_from_scale_in = false })).AssertOkAsync();
        await group.Until("Successful", "the refresh never went on once the protection went");
        members = group.LastMembers();
        Assert.DoesNotContain(members, m => Id(m) == kept);

        // Ignore leaves a protected instance as it is; Refresh replaces it.
        kept = Id(members[0]);
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-protection", new { instance_ids = new[] { kept }, protected_from_scale_in = true })).AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new
        {
            preferences = new { min_healthy_percentage = 50, instance_warmup = 0, scale_in_protected_instances = "Ignore" },
        })).AssertOkAsync();
        await group.Until("Successful", "the refresh ignoring protected instances never succeeded");
        members = group.LastMembers();
        Assert.Contains(members, m => Id(m) == kept);
        Assert.Single(members, m => m.GetProperty("protected_from_scale_in").GetBoolean());
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-refreshes", new
        {
            preferences = new { min_healthy_percentage = 50, instance_warmup = 0, scale_in_protected_instances = "Refresh" },
        })).AssertOkAsync();
        await group.Until("Successful", "the refresh of protected instances never succeeded");
        members = group.LastMembers();
        Assert.DoesNotContain(members, m => Id(m) == kept);
    }
}
