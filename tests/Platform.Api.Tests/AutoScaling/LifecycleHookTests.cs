using System.Net;
using System.Text.Json;
using Hangfire;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.AutoScaling;

/// <summary>
/// Lifecycle hooks through the native API on a simulated server: bad input gets Auto Scaling's errors and stores nothing; a
/// launch waits in Pending:Wait until its action completes (by token or by instance id), a heartbeat keeps it open, a timed-out
/// ABANDON terminates the instance and the group replaces it; a scale-in waits in Terminating:Wait, the instance running, until
/// its action completes. The group job is triggered several times at once, so passes race as two replicas' would.
/// </summary>
public sealed class LifecycleHookTests : IAsyncLifetime, IDisposable
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

    private async Task<int> SqlAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var sqlite = new SqliteConnection($"Data Source={_app.DatabasePath};Pooling=false");
        await sqlite.OpenAsync();
        await using var command = sqlite.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        // A query's first column (a count), or the number of rows an update changed.
        return sql.StartsWith("SELECT", StringComparison.Ordinal)
            ? Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)
            : await command.ExecuteNonQueryAsync();
    }

    private async Task<string> TokenAsync(string instanceId, string transition)
    {
        await using var sqlite = new SqliteConnection($"Data Source={_app.DatabasePath};Pooling=false");
        await sqlite.OpenAsync();
        await using var command = sqlite.CreateCommand();
        command.CommandText = "SELECT token FROM compute_lifecycle_actions WHERE instance_id = $id AND transition = $t";
        command.Parameters.AddWithValue("$id", instanceId);
        command.Parameters.AddWithValue("$t", transition);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Given_launch_and_termination_hooks_Then_instances_wait_until_completed_or_timed_out_and_an_abandoned_launch_is_replaced()
    {
        await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192);
        var imageId = await _root.RegisterKernelImageAsync("hook-image", [1, 2, 3], [4, 5, 6], isPublic: true);
        var tenant = await _root.CreateAccountAsync("asg-hooks");
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
            launch_template = new { launch_template_name = "web" },
            min_size = 0,
            max_size = 3,
            desired_capacity = 0,
            vpc_zone_identifier = subnet,
        })).AssertOkAsync();
        const string Launching = "autoscaling:EC2_INSTANCE_LAUNCHING";
        const string Terminating = "autoscaling:EC2_INSTANCE_TERMINATING";

        // Bad hooks and bad completions: Auto Scaling's errors, nothing stored.
        async Task Refused(HttpResponseMessage response) => await response.AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await Refused(await client.PutJsonAsync($"{Api}/groups/web/lifecycle-hooks/boot", new { lifecycle_transition = "autoscaling:EC2_INSTANCE_REBOOTING" }));
        await Refused(await client.PutJsonAsync($"{Api}/groups/web/lifecycle-hooks/boot", new { lifecycle_transition = Launching, heartbeat_timeout = 10 }));
        await Refused(await client.PutJsonAsync($"{Api}/groups/web/lifecycle-hooks/boot", new { lifecycle_transition = Launching, default_result = "MAYBE" }));
        await Refused(await client.PutJsonAsync($"{Api}/groups/web/lifecycle-hooks/boot", new { heartbeat_timeout = 60 }));
        await Refused(await client.PutJsonAsync($"{Api}/groups/web/lifecycle-hooks/bad%20name", new { lifecycle_transition = Launching }));
        await Refused(await client.PutJsonAsync($"{Api}/groups/nope/lifecycle-hooks/boot", new { lifecycle_transition = Launching }));
        await Refused(await client.PostJsonAsync($"{Api}/groups/web/lifecycle-hooks/boot/complete", new { lifecycle_action_result = "CONTINUE" }));
        await Refused(await client.PostJsonAsync($"{Api}/groups/web/lifecycle-hooks/boot/complete", new { instance_id = "i-0123456789abcdef0", lifecycle_action_result = "CONTINUE" }));
        await Refused(await client.DeleteAsync($"{Api}/groups/web/lifecycle-hooks/boot"));
        Assert.Empty((await (await client.GetAsync($"{Api}/groups/web/lifecycle-hooks")).AssertOkAsync()).GetProperty("lifecycle_hooks").EnumerateArray());

        Assert.Equal(HttpStatusCode.NoContent, (await client.PutJsonAsync($"{Api}/groups/web/lifecycle-hooks/boot",
            new { lifecycle_transition = Launching, heartbeat_timeout = 300, notification_metadata = "configure me" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PutJsonAsync($"{Api}/groups/web/lifecycle-hooks/drain",
            new { lifecycle_transition = Terminating, heartbeat_timeout = 300, default_result = "CONTINUE" })).StatusCode);
        var hooks = (await (await client.GetAsync($"{Api}/groups/web/lifecycle-hooks")).AssertOkAsync()).GetProperty("lifecycle_hooks").EnumerateArray().ToList();
        Assert.Equal(["boot", "drain"], hooks.Select(h => h.GetProperty("lifecycle_hook_name").GetString()));
        Assert.Equal(("ABANDON", 300, 30000), (hooks[0].GetProperty("default_result").GetString(), hooks[0].GetProperty("heartbeat_timeout").GetInt32(),
            hooks[0].GetProperty("global_timeout").GetInt32()));

        // Another account sees neither the group's hooks nor its actions.
        var neighbour = await _root.CreateAccountAsync("asg-hooks-neighbour");
        using var neighbourClient = _app.SignedClient(neighbour);
        await Refused(await neighbourClient.GetAsync($"{Api}/groups/web/lifecycle-hooks"));

        async Task<List<JsonElement>> Members() => (await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync()).GetProperty("instances").EnumerateArray().ToList();
        async Task<JsonElement> WaitFor(Func<List<JsonElement>, JsonElement?> pick, string what)
        {
            JsonElement found = default;
            await Eventually.TrueAsync(async () =>
            {
                RunGroupJob(1);
                var picked = pick(await Members());
                found = picked ?? default;
                return picked is not null;
            }, TimeSpan.FromSeconds(90), what);
            return found;
        }

        static string State(JsonElement m) => m.GetProperty("lifecycle_state").GetString()!;
        static string Id(JsonElement m) => m.GetProperty("instance_id").GetString()!;

        // Desired 1, passes racing: one instance, waiting at the launch hook (one action), while its instance runs.
        await (await client.PostJsonAsync($"{Api}/groups/web/desired-capacity", new { desired_capacity = 1 })).AssertOkAsync();
        RunGroupJob(4);
        var first = Id(await WaitFor(ms => ms.Count == 1 && State(ms[0]) == "Pending:Wait" ? ms[0] : null, "no instance waited at the launch hook"));
        await Eventually.TrueAsync(async () => await client.StateAsync(first) == "running", TimeSpan.FromSeconds(90), "the instance never ran");
        RunGroupJob(4);
        await Eventually.TrueAsync(async () => (await Members()).Count == 1, TimeSpan.FromSeconds(30), "a second instance was launched");
        Assert.Equal("Pending:Wait", State(Assert.Single(await Members())));
        Assert.Equal(1, await SqlAsync("SELECT COUNT(*) FROM compute_lifecycle_actions WHERE instance_id = $id", ("$id", first)));
        var listed = Assert.Single((await (await client.GetAsync($"{Api}/instances?instance_id={first}")).AssertOkAsync()).GetProperty("auto_scaling_instances").EnumerateArray());
        Assert.Equal(("Pending:Wait", "web", "t3.nano"), (listed.GetProperty("lifecycle_state").GetString(), listed.GetProperty("auto_scaling_group_name").GetString(),
            listed.GetProperty("instance_type").GetString()));
        Assert.Empty((await (await neighbourClient.GetAsync($"{Api}/instances?instance_id={first}")).AssertOkAsync()).GetProperty("auto_scaling_instances").EnumerateArray());
        await Refused(await neighbourClient.PostJsonAsync($"{Api}/groups/web/lifecycle-hooks/boot/complete", new { instance_id = first, lifecycle_action_result = "CONTINUE" }));
        var activity = (await (await client.GetAsync($"{Api}/groups/web/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray()
            .Single(a => a.GetProperty("description").GetString() == $"Launching a new EC2 instance: {first}");
        Assert.Equal("MidLifecycleAction", activity.GetProperty("status_code").GetString());

        // A heartbeat by instance id, a completion by token: in service; the action is closed for a second completion.
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostJsonAsync($"{Api}/groups/web/lifecycle-hooks/boot/heartbeat", new { instance_id = first })).StatusCode);
        var token = await TokenAsync(first, Launching);
        await Refused(await client.PostJsonAsync($"{Api}/groups/web/lifecycle-hooks/drain/complete", new { lifecycle_action_token = token, lifecycle_action_result = "CONTINUE" }));
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostJsonAsync($"{Api}/groups/web/lifecycle-hooks/boot/complete",
            new { lifecycle_action_token = token, lifecycle_action_result = "CONTINUE" })).StatusCode);
        await Refused(await client.PostJsonAsync($"{Api}/groups/web/lifecycle-hooks/boot/complete", new { lifecycle_action_token = token, lifecycle_action_result = "ABANDON" }));
        await WaitFor(ms => ms.Count == 1 && State(ms[0]) == "InService" ? ms[0] : null, "the completed launch never came into service");

        // Desired 2: the second waits; its heartbeat timeout passes (the deadline moved back as the clock would move on) and the
        // default ABANDON applies: the instance is terminated, its launch activity Cancelled, and the group launches another.
        await (await client.PostJsonAsync($"{Api}/groups/web/desired-capacity", new { desired_capacity = 2 })).AssertOkAsync();
        var second = Id(await WaitFor(ms => ms.FirstOrDefault(m => State(m) == "Pending:Wait") is { ValueKind: JsonValueKind.Object } m ? m : null,
            "the second instance never waited"));
        Assert.Equal(1, await SqlAsync("UPDATE compute_lifecycle_actions SET deadline = '2000-01-01 00:00:00' WHERE instance_id = $id", ("$id", second)));
        RunGroupJob(4);
        var third = Id(await WaitFor(ms => ms.FirstOrDefault(m => State(m) == "Pending:Wait" && Id(m) != second) is { ValueKind: JsonValueKind.Object } m ? m : null,
            "no replacement was launched for the abandoned instance"));
        await Eventually.TrueAsync(async () => await client.StateAsync(second) is "shutting-down" or "terminated", TimeSpan.FromSeconds(90),
            "the abandoned instance was not terminated");
        var cancelled = (await (await client.GetAsync($"{Api}/groups/web/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray()
            .Single(a => a.GetProperty("description").GetString() == $"Launching a new EC2 instance: {second}");
        Assert.Equal("Cancelled", cancelled.GetProperty("status_code").GetString());
        Assert.Contains("Lifecycle Action Completed with ABANDON Result", cancelled.GetProperty("status_message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostJsonAsync($"{Api}/groups/web/lifecycle-hooks/boot/complete",
            new { instance_id = third, lifecycle_action_result = "CONTINUE" })).StatusCode);
        await WaitFor(ms => ms.Count == 2 && ms.All(m => State(m) == "InService") ? ms[0] : null, "two instances never were in service");

        // Desired 1: the instance taken waits at the termination hook, still running, until its action completes.
        await (await client.PostJsonAsync($"{Api}/groups/web/desired-capacity", new { desired_capacity = 1 })).AssertOkAsync();
        var victim = Id(await WaitFor(ms => ms.FirstOrDefault(m => State(m) == "Terminating:Wait") is { ValueKind: JsonValueKind.Object } m ? m : null,
            "no instance waited at the termination hook"));
        RunGroupJob(4);
        await Eventually.TrueAsync(async () => await SqlAsync("SELECT COUNT(*) FROM compute_lifecycle_actions WHERE instance_id = $id AND transition = $t",
            ("$id", victim), ("$t", Terminating)) == 1, TimeSpan.FromSeconds(30), "the termination action was not opened once");
        Assert.Equal("running", await client.StateAsync(victim));
        Assert.Equal("Terminating:Wait", State((await Members()).Single(m => Id(m) == victim)));
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostJsonAsync($"{Api}/groups/web/lifecycle-hooks/drain/complete",
            new { instance_id = victim, lifecycle_action_result = "ABANDON" })).StatusCode);
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(1);
            return await client.StateAsync(victim) is "shutting-down" or "terminated";
        }, TimeSpan.FromSeconds(90), "the completed termination never terminated the instance");
        Assert.Equal(3, (await (await client.GetAsync("/api/v1/ec2/instances?tag=aws:autoscaling:groupName=web")).AssertOkAsync())
            .GetProperty("instances").GetArrayLength());

        // A deleted hook lets nothing wait any more.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{Api}/groups/web/lifecycle-hooks/drain")).StatusCode);
        Assert.Equal(["boot"], (await (await client.GetAsync($"{Api}/groups/web/lifecycle-hooks")).AssertOkAsync()).GetProperty("lifecycle_hooks")
            .EnumerateArray().Select(h => h.GetProperty("lifecycle_hook_name").GetString()));
    }
}
