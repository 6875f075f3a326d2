using System.Globalization;
using System.Net;
using System.Text.Json;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.AutoScaling;

/// <summary>
/// Scheduled actions through the native API, signed for <c>autoscaling</c>: bad input gets Auto Scaling's errors and
/// changes nothing, another account sees and touches none of them, the group job (triggered several times at once, as
/// passes of two replicas race) applies a one-time action once and deletes it, and a hand change after it is not undone.
/// DescribeScalingActivities and DescribePolicies answer without a group name. No server is needed: the group's launch
/// fails for want of capacity, which is recorded under the scheduled action's cause.
/// </summary>
public sealed class ScheduledActionApiTests : IAsyncLifetime, IDisposable
{
    private const string Api = "/api/v1/autoscaling";

    private readonly PlatformApp _app = new();
    private HttpClient _root = null!;

    public async Task InitializeAsync()
    {
        _root = _app.SignedClient(_app.RootCredentials);
        await Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public void Dispose() => _root.Dispose();

    private void RunGroupJob(int times)
    {
        var jobs = _app.Services.GetRequiredService<IRecurringJobManager>();
        for (var i = 0; i < times; i++)
        {
            jobs.Trigger("autoscaling-groups");
        }
    }

    private static string Iso(DateTime time) => time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Given_scheduled_actions_Then_bad_input_is_refused_tenants_are_isolated_and_a_due_action_is_applied_once()
    {
        var imageId = await _root.RegisterKernelImageAsync("sched-image", [1, 2, 3], [4, 5, 6], isPublic: true);
        var tenant = await _root.CreateAccountAsync("sched-tenant");
        using var client = _app.SignedClient(tenant);
        var neighbour = await _root.CreateAccountAsync("sched-neighbour");
        using var neighbourClient = _app.SignedClient(neighbour);
        var vpc = (await (await client.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.5.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var subnet = (await (await client.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = "10.5.1.0/24" })).AssertOkAsync())
            .GetProperty("subnet_id").GetString()!;
        await (await client.PostJsonAsync($"{Api}/launch-templates", new { launch_template_name = "web", launch_template_data = new { image_id = imageId } })).AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/groups", new
        {
            auto_scaling_group_name = "web",
            launch_template = new { launch_template_name = "web" },
            min_size = 0,
            max_size = 3,
            desired_capacity = 0,
            vpc_zone_identifier = subnet,
        })).AssertOkAsync();
        await (await client.PutJsonAsync($"{Api}/groups/web/policies/cpu", new
        {
            policy_type = "TargetTrackingScaling",
            target_tracking_configuration = new { predefined_metric_specification = new { predefined_metric_type = "ASGAverageCPUUtilization" }, target_value = 50.0 },
        })).AssertOkAsync();

        var now = DateTime.UtcNow;
        async Task<string> Refused(object body, string name = "a", string group = "web", HttpClient? caller = null) =>
            (await (await (caller ?? client).PutJsonAsync($"{Api}/groups/{group}/scheduled-actions/{name}", body)).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError"))
            .GetProperty("message").GetString()!;
        Assert.Contains("At least one of MinSize", await Refused(new { start_time = Iso(now.AddHours(1)) }), StringComparison.Ordinal);
        Assert.Equal("Given start time is in the past.", await Refused(new { start_time = Iso(now.AddHours(-1)), desired_capacity = 1 }));
        Assert.Contains("cron", await Refused(new { recurrence = "0 25 * * *", desired_capacity = 1 }), StringComparison.Ordinal);
        Assert.Contains("time zone", await Refused(new { recurrence = "0 9 * * *", time_zone = "Nowhere/Town", desired_capacity = 1 }), StringComparison.Ordinal);
        Assert.Equal("Max bound, 1, must be greater than or equal to min bound, 2", await Refused(new { recurrence = "0 9 * * *", min_size = 2, max_size = 1 }));
        Assert.Contains("not found", await Refused(new { recurrence = "0 9 * * *", desired_capacity = 1 }, group: "nothing"), StringComparison.Ordinal);
        Assert.Contains("not found", await Refused(new { recurrence = "0 9 * * *", desired_capacity = 1 }, caller: neighbourClient), StringComparison.Ordinal);
        async Task<List<JsonElement>> Actions(HttpClient caller, string query = "") =>
            [.. (await (await caller.GetAsync($"{Api}/scheduled-actions{query}")).AssertOkAsync()).GetProperty("scheduled_update_group_actions").EnumerateArray()];
        Assert.Empty(await Actions(client));

        // A one-time action a moment ahead and a weekday recurrence in New York's time.
        // From the clock now, not the test's start: a loaded machine may have spent seconds since (AWS refuses a past start).
        var soon = DateTime.UtcNow.AddSeconds(5);
        var once = await (await client.PutJsonAsync($"{Api}/groups/web/scheduled-actions/grow", new { start_time = Iso(soon), max_size = 2, desired_capacity = 1 })).AssertOkAsync();
        Assert.Matches($"^arn:aws:autoscaling:us-east-1:{tenant.AccountId}:scheduledUpdateGroupAction:[0-9a-f-]{{36}}:autoScalingGroupName/web:scheduledActionName/grow$",
            once.GetProperty("scheduled_action_arn").GetString());
        var daily = await (await client.PutJsonAsync($"{Api}/groups/web/scheduled-actions/morning",
            new { recurrence = "0 9 * * MON-FRI", time_zone = "America/New_York", min_size = 0, max_size = 3 })).AssertOkAsync();
        var next = daily.GetProperty("start_time").GetDateTime().ToUniversalTime();
        var local = TimeZoneInfo.ConvertTimeFromUtc(next, TimeZoneInfo.FindSystemTimeZoneById("America/New_York"));
        Assert.Equal((9, 0), (local.Hour, local.Minute));
        Assert.True(local.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && next > now && next < now.AddDays(4), $"next run {next:o}");
        Assert.Equal(["grow", "morning"], (await Actions(client, "?auto_scaling_group_name=web")).Select(a => a.GetProperty("scheduled_action_name").GetString()));
        Assert.Equal(["morning"], (await Actions(client, "?scheduled_action_name=morning")).Select(a => a.GetProperty("scheduled_action_name").GetString()));

        // Batch put: one entry breaks a rule and is answered, the others are saved; batch delete: the unknown name is answered.
        var batch = await (await client.PostJsonAsync($"{Api}/groups/web/scheduled-actions/batch-put", new
        {
            scheduled_update_group_actions = new object[]
            {
                new { scheduled_action_name = "b1", recurrence = "30 * * * *", desired_capacity = 0 },
                new { scheduled_action_name = "b2", recurrence = "not cron", desired_capacity = 0 },
            },
        })).AssertOkAsync();
        var failed = Assert.Single(batch.GetProperty("failed_scheduled_actions").EnumerateArray());
        Assert.Equal(("b2", "ValidationError"), (failed.GetProperty("scheduled_action_name").GetString(), failed.GetProperty("error_code").GetString()));
        var deleted = await (await client.PostJsonAsync($"{Api}/groups/web/scheduled-actions/batch-delete", new { scheduled_action_names = new[] { "b1", "b9" } })).AssertOkAsync();
        Assert.Equal(["b9"], deleted.GetProperty("failed_scheduled_actions").EnumerateArray().Select(f => f.GetProperty("scheduled_action_name").GetString()));

        // The neighbour sees nothing and deletes nothing; describes without a group name are per account.
        Assert.Empty(await Actions(neighbourClient));
        await (await neighbourClient.DeleteAsync($"{Api}/groups/web/scheduled-actions/morning")).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        Assert.Empty((await (await neighbourClient.GetAsync($"{Api}/policies")).AssertOkAsync()).GetProperty("scaling_policies").EnumerateArray());
        Assert.Empty((await (await neighbourClient.GetAsync($"{Api}/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray());
        var policies = (await (await client.GetAsync($"{Api}/policies")).AssertOkAsync()).GetProperty("scaling_policies").EnumerateArray().ToList();
        Assert.Equal(("web", "cpu"), (Assert.Single(policies).GetProperty("auto_scaling_group_name").GetString(), policies[0].GetProperty("policy_name").GetString()));
        Assert.Equal(2, (await Actions(client)).Count);

        // Due: passes racing apply it once, and the one-time action is gone.
        JsonElement group = default;
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(3);
            group = await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync();
            return group.GetProperty("desired_capacity").GetInt32() == 1 && (await Actions(client)).Count == 1;
        }, TimeSpan.FromSeconds(90), "the scheduled action was never applied");
        Assert.Equal((0, 2, 1), (group.GetProperty("min_size").GetInt32(), group.GetProperty("max_size").GetInt32(), group.GetProperty("desired_capacity").GetInt32()));
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(1);
            var all = (await (await client.GetAsync($"{Api}/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray().ToList();
            return all.Any(a => a.GetProperty("cause").GetString()!.StartsWith(
                $"At {Iso(soon)} a scheduled action update of AutoScalingGroup constraints to min: 0, max: 2, desired: 1 changing the desired capacity from 0 to 1.  At ",
                StringComparison.Ordinal) && a.GetProperty("auto_scaling_group_name").GetString() == "web");
        }, TimeSpan.FromSeconds(90), "no activity names the scheduled action as its cause");

        // Set back by hand: later passes do not apply the occurrence again.
        await (await client.PostJsonAsync($"{Api}/groups/web/desired-capacity", new { desired_capacity = 0 })).AssertOkAsync();
        var manager = (IRecurringJobManagerV2)_app.Services.GetRequiredService<IRecurringJobManager>();
        var passes = Enumerable.Range(0, 3).Select(_ => manager.TriggerJob("autoscaling-groups")).ToList();
        var storage = _app.Services.GetRequiredService<JobStorage>();
        await Eventually.TrueAsync(() => Task.FromResult(passes.All(id =>
        {
            using var connection = storage.GetConnection();
            var state = connection.GetStateData(id)?.Name;
            return state == SucceededState.StateName || state == FailedState.StateName;
        })), TimeSpan.FromSeconds(90), "the group passes never finished");
        Assert.Equal(0, (await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync()).GetProperty("desired_capacity").GetInt32());

        // Deleted once; a second delete is Auto Scaling's ValidationError.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{Api}/groups/web/scheduled-actions/morning")).StatusCode);
        Assert.Contains("not found", (await (await client.DeleteAsync($"{Api}/groups/web/scheduled-actions/morning"))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError")).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(await Actions(client));
    }
}
