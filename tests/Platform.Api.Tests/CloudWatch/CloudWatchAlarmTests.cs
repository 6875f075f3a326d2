using System.Globalization;
using System.Net;
using System.Text.Json;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.CloudWatch;

/// <summary>
/// CloudWatch alarms through the native API, signed for <c>monitoring</c>: bad input gets CloudWatch's errors and changes
/// nothing, another account sees nothing; an alarm on an Auto Scaling group's CPU (simulated servers report 50 %) goes
/// to ALARM and its step policy grows the group, the transition and its action recorded once while the alarm job runs
/// on two API replicas over one database at once.
/// </summary>
public sealed class CloudWatchAlarmTests : IAsyncLifetime, IDisposable
{
    private const string Api = "/api/v1/cloudwatch";
    private const string AutoScaling = "/api/v1/autoscaling";

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Compute:MaxAlarmsPerAccount"] = "3",
    };

    private readonly PlatformApp _app = new(settings: Settings);

    private HttpClient _root = null!;
    private SimulatedFleet _fleet = null!;
    private string _imageId = null!;

    public async Task InitializeAsync()
    {
        _root = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _root);
        _imageId = await _root.RegisterKernelImageAsync("alarm-image", [1, 2, 3], [4, 5, 6], isPublic: true);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _root.Dispose();

    /// <returns>The step policy's ARN (+1 at or above the threshold) of a group named web of min 1, max 3.</returns>
    private async Task<string> GroupWithStepPolicyAsync(HttpClient client, int desired)
    {
        var vpc = (await (await client.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.1.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var subnet = (await (await client.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = "10.1.1.0/24", availability_zone = "us-east-1a" }))
            .AssertOkAsync()).GetProperty("subnet_id").GetString()!;
        await (await client.PostJsonAsync($"{AutoScaling}/launch-templates", new
        {
            launch_template_name = "web",
            launch_template_data = new { image_id = _imageId, instance_type = "t3.nano" },
        })).AssertOkAsync();
        await (await client.PostJsonAsync($"{AutoScaling}/groups", new
        {
            auto_scaling_group_name = "web",
            launch_template = new { launch_template_name = "web" },
            min_size = desired,
            max_size = 3,
            desired_capacity = desired,
            vpc_zone_identifier = subnet,
            default_instance_warmup = 0,
            default_cooldown = 0,
        })).AssertOkAsync();
        return (await (await client.PutJsonAsync($"{AutoScaling}/groups/web/policies/out", new
        {
            policy_type = "StepScaling",
            adjustment_type = "ChangeInCapacity",
            step_adjustments = new object[] { new { metric_interval_lower_bound = 0, scaling_adjustment = 1 } },
        })).AssertOkAsync()).GetProperty("policy_arn").GetString()!;
    }

    private static object Alarm(string? policyArn = null, string ns = "AWS/EC2", string metric = "CPUUtilization", object[]? dimensions = null,
        string? statistic = "Average", string? extended = null, int period = 60, int evaluationPeriods = 1, int? datapoints = null, double threshold = 40,
        string comparison = "GreaterThanThreshold", string? treatMissingData = null, string[]? alarmActions = null) => new
        {
            @namespace = ns,
            metric_name = metric,
            dimensions = dimensions ?? [new { name = "AutoScalingGroupName", value = "web" }],
            statistic,
            extended_statistic = extended,
            period,
            evaluation_periods = evaluationPeriods,
            datapoints_to_alarm = datapoints,
            threshold,
            comparison_operator = comparison,
            treat_missing_data = treatMissingData,
            alarm_actions = alarmActions ?? (policyArn is null ? [] : [policyArn]),
        };

    private static async Task<string> Refused(HttpClient client, object body, string code = "InvalidParameterValue", string name = "cpu-high") =>
        (await (await client.PutJsonAsync($"{Api}/alarms/{name}", body)).AssertErrorAsync(HttpStatusCode.BadRequest, code)).GetProperty("message").GetString()!;

    private static async Task<List<JsonElement>> AlarmsAsync(HttpClient client, string query = "") =>
        (await (await client.GetAsync($"{Api}/alarms{query}")).AssertOkAsync()).GetProperty("metric_alarms").EnumerateArray().ToList();

    private static async Task<List<JsonElement>> HistoryAsync(HttpClient client, string alarm, string? type = null) =>
        (await (await client.GetAsync($"{Api}/alarm-history?alarm_name={alarm}{(type is null ? "" : $"&history_item_type={type}")}")).AssertOkAsync())
            .GetProperty("alarm_history_items").EnumerateArray().ToList();

    [Fact]
    public async Task Given_bad_input_Then_CloudWatchs_errors_answer_nothing_changes_and_another_account_sees_nothing()
    {
        var tenant = await _root.CreateAccountAsync("cw-bad-input");
        using var client = _app.SignedClient(tenant);
        var policyArn = await GroupWithStepPolicyAsync(client, desired: 0);
        var neighbour = await _root.CreateAccountAsync("cw-neighbour");
        using var neighbourClient = _app.SignedClient(neighbour);
        var theirPolicy = await GroupWithStepPolicyAsync(neighbourClient, desired: 0);

        async Task<string> Refused(object body, string code = "InvalidParameterValue", string name = "cpu-high") =>
            (await (await client.PutJsonAsync($"{Api}/alarms/{name}", body)).AssertErrorAsync(HttpStatusCode.BadRequest, code)).GetProperty("message").GetString()!;

        await Refused(Alarm(ns: "AWS/Lambda"));
        // AWS/RDS's metrics are by DBInstanceIdentifier, not by group.
        await Refused(Alarm(ns: "AWS/RDS"), "InvalidParameterCombination");
        await Refused(Alarm(ns: "AWS/RDS", metric: "NetworkIn", dimensions: [new { name = "DBInstanceIdentifier", value = "db" }]));
        Assert.Contains("CPUUtilization", await Refused(Alarm(metric: "Bogus")), StringComparison.Ordinal);
        await Refused(Alarm(extended: "p99"), "InvalidParameterCombination");
        await Refused(Alarm(statistic: null), "InvalidParameterCombination");
        await Refused(Alarm(statistic: "Median"));
        Assert.Contains("multiple of 60", await Refused(Alarm(period: 90)), StringComparison.Ordinal);
        await Refused(Alarm(evaluationPeriods: 0));
        await Refused(Alarm(evaluationPeriods: 2, datapoints: 3));
        await Refused(Alarm(comparison: "Above"));
        await Refused(Alarm(treatMissingData: "sometimes"));
        await Refused(Alarm(dimensions: [new { name = "InstanceId", value = "i-0123456789abcdef0" }, new { name = "AutoScalingGroupName", value = "web" }]),
            "InvalidParameterCombination");
        await Refused(Alarm(dimensions: [new { name = "ImageId", value = "ami-1" }]));
        await Refused(Alarm(dimensions: [new { name = "InstanceId", value = "not-an-instance" }]));
        await Refused(Alarm(alarmActions: ["arn:aws:sns:us-east-1:123456789012:topic"]));
        Assert.Contains("names no scaling policy of this account", await Refused(Alarm(theirPolicy)), StringComparison.Ordinal);
        await Refused(Alarm(alarmActions: [policyArn.Replace(":policyName/out", ":policyName/in", StringComparison.Ordinal)]));
        await Refused(Alarm(alarmActions: Enumerable.Repeat(policyArn, 6).ToArray()));
        await Refused(Alarm(), name: new string('a', 256));
        await Refused(new { metric_name = "CPUUtilization" }, "MissingParameter");
        Assert.Empty(await AlarmsAsync(client));
        Assert.Empty(await HistoryAsync(client, "cpu-high"));

        // A good one: INSUFFICIENT_DATA until evaluated, its ARN as CloudWatch's, its creation in the history.
        // It ignores missing data (its group has no instance, so no datapoint), so the 15 s evaluation job keeps the state
        // set-alarm-state gives it below; with `missing`, an evaluation between that call and the checks made it
        // INSUFFICIENT_DATA again, a second state update, as CloudWatch's next evaluation does.
        var created = await (await client.PutJsonAsync($"{Api}/alarms/cpu-high", Alarm(policyArn, treatMissingData: "ignore"))).AssertOkAsync();
        Assert.Equal($"arn:aws:cloudwatch:us-east-1:{tenant.AccountId}:alarm:cpu-high", created.GetProperty("alarm_arn").GetString());
        Assert.Equal(("INSUFFICIENT_DATA", "Unchecked: Initial alarm creation", 1),
            (created.GetProperty("state_value").GetString(), created.GetProperty("state_reason").GetString(), created.GetProperty("datapoints_to_alarm").GetInt32()));
        Assert.Equal("Alarm \"cpu-high\" created", Assert.Single(await HistoryAsync(client, "cpu-high")).GetProperty("history_summary").GetString());

        // The account's quota here is 3 alarms: the fourth is refused, the three stay.
        await (await client.PutJsonAsync($"{Api}/alarms/cpu-low", Alarm(comparison: "LessThanThreshold", threshold: 10))).AssertOkAsync();
        await (await client.PutJsonAsync($"{Api}/alarms/net-in", Alarm(metric: "NetworkIn", statistic: "Sum", threshold: 1e9))).AssertOkAsync();
        await Refused(Alarm(), "LimitExceeded", name: "fourth");
        await (await client.PutJsonAsync($"{Api}/alarms/cpu-low", Alarm(comparison: "LessThanThreshold", threshold: 5))).AssertOkAsync();
        Assert.Equal(["cpu-high", "cpu-low", "net-in"], (await AlarmsAsync(client)).Select(a => a.GetProperty("alarm_name").GetString()));
        Assert.Equal(["cpu-high", "cpu-low"], (await AlarmsAsync(client, "?alarm_name_prefix=cpu-")).Select(a => a.GetProperty("alarm_name").GetString()));
        Assert.Equal(["net-in"], (await AlarmsAsync(client, "?alarm_name=net-in&alarm_name=nope")).Select(a => a.GetProperty("alarm_name").GetString()));
        await (await client.GetAsync($"{Api}/alarms?alarm_name=net-in&alarm_name_prefix=cpu")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
        await (await client.GetAsync($"{Api}/alarms?state_value=RED")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await client.GetAsync($"{Api}/alarm-history?history_item_type=Everything")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");

        // set-alarm-state: bad state, no reason, bad JSON, an unknown alarm; then a real change, recorded as CloudWatch words it.
        await (await client.PostJsonAsync($"{Api}/alarms/cpu-high/state", new { state_value = "RED", state_reason = "test" })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await client.PostJsonAsync($"{Api}/alarms/cpu-high/state", new { state_value = "ALARM" })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await client.PostJsonAsync($"{Api}/alarms/cpu-high/state", new { state_value = "ALARM", state_reason = "test", state_reason_data = "{" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidFormat");
        await (await client.PostJsonAsync($"{Api}/alarms/nope/state", new { state_value = "ALARM", state_reason = "test" })).AssertErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound");
        Assert.Single(await AlarmsAsync(client, "?state_value=INSUFFICIENT_DATA&alarm_name=cpu-high"));
        await (await client.PostJsonAsync($"{Api}/alarms/disable-actions", new { alarm_names = new[] { "cpu-high" } })).AssertOkAsync();
        Assert.False((await AlarmsAsync(client, "?alarm_name=cpu-high"))[0].GetProperty("actions_enabled").GetBoolean());
        var set = await (await client.PostJsonAsync($"{Api}/alarms/cpu-high/state", new { state_value = "ALARM", state_reason = "testing the page" })).AssertOkAsync();
        Assert.Equal(("ALARM", "testing the page"), (set.GetProperty("state_value").GetString(), set.GetProperty("state_reason").GetString()));
        var transition = Assert.Single(await HistoryAsync(client, "cpu-high", "StateUpdate"));
        Assert.Equal("Alarm updated from INSUFFICIENT_DATA to ALARM", transition.GetProperty("history_summary").GetString());
        Assert.Equal("MetricAlarm", transition.GetProperty("alarm_type").GetString());

        // delete-alarms with one unknown name deletes none.
        await (await client.PostJsonAsync($"{Api}/alarms/delete", new { alarm_names = new[] { "cpu-low", "nope" } })).AssertErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound");
        await (await client.PostJsonAsync($"{Api}/alarms/delete", new { alarm_names = Array.Empty<string>() })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        Assert.Equal(3, (await AlarmsAsync(client)).Count);

        // The neighbour sees nothing of it, and cannot touch it.
        Assert.Empty(await AlarmsAsync(neighbourClient));
        Assert.Empty(await HistoryAsync(neighbourClient, "cpu-high"));
        await (await neighbourClient.PostJsonAsync($"{Api}/alarms/cpu-high/state", new { state_value = "OK", state_reason = "mine" })).AssertErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound");
        await (await neighbourClient.PostJsonAsync($"{Api}/alarms/delete", new { alarm_names = new[] { "cpu-high" } })).AssertErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound");
        await (await neighbourClient.PostJsonAsync($"{Api}/alarms/enable-actions", new { alarm_names = new[] { "cpu-high" } })).AssertOkAsync();
        Assert.False((await AlarmsAsync(client, "?alarm_name=cpu-high"))[0].GetProperty("actions_enabled").GetBoolean());
        Assert.Equal("ALARM", (await AlarmsAsync(client, "?alarm_name=cpu-high"))[0].GetProperty("state_value").GetString());
        // Its own alarm of the same name is its own.
        await (await neighbourClient.PutJsonAsync($"{Api}/alarms/cpu-high", Alarm(theirPolicy))).AssertOkAsync();
        Assert.Equal("INSUFFICIENT_DATA", Assert.Single(await AlarmsAsync(neighbourClient)).GetProperty("state_value").GetString());
        Assert.Equal("ALARM", (await AlarmsAsync(client, "?alarm_name=cpu-high"))[0].GetProperty("state_value").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostJsonAsync($"{Api}/alarms/delete", new { alarm_names = new[] { "cpu-low", "net-in" } })).StatusCode);
        Assert.Equal(["cpu-high"], (await AlarmsAsync(client)).Select(a => a.GetProperty("alarm_name").GetString()));
    }

    [Fact]
    public async Task Given_an_alarm_on_a_custom_metric_When_datapoints_above_its_threshold_are_put_Then_it_goes_to_ALARM_and_another_accounts_metric_of_the_same_name_does_not_count()
    {
        var tenant = await _root.CreateAccountAsync("cw-custom-alarm");
        using var client = _app.SignedClient(tenant);
        var neighbour = await _root.CreateAccountAsync("cw-custom-neighbour");
        using var neighbourClient = _app.SignedClient(neighbour);
        object Datum(double value, params (string Name, string Value)[] dimensions) => new
        {
            @namespace = "Shop",
            metric_data = new[]
            {
                new
                {
                    metric_name = "QueueDepth",
                    dimensions = dimensions.Select(d => new { name = d.Name, value = d.Value }).ToArray(),
                    timestamp = DateTime.UtcNow.AddSeconds(-5).ToString("O", CultureInfo.InvariantCulture),
                    value,
                    unit = "Count",
                },
            },
        };

        // Bad input through the native API: CloudWatch's errors, nothing stored.
        await (await client.PostJsonAsync($"{Api}/metric-data", new { @namespace = "AWS/Shop", metric_data = new[] { new { metric_name = "x", value = 1 } } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await client.PostJsonAsync($"{Api}/metric-data", new { @namespace = "Shop", metric_data = new[] { new { metric_name = "x", value = 1, values = new[] { 2 } } } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
        await (await client.PostJsonAsync($"{Api}/metric-data", new { @namespace = "Shop" })).AssertErrorAsync(HttpStatusCode.BadRequest, "MissingParameter");
        Assert.Empty((await (await client.GetAsync($"{Api}/metrics")).AssertOkAsync()).GetProperty("metrics").EnumerateArray());
        await Refused(client, Alarm(ns: "AWS/Shop", metric: "QueueDepth", dimensions: []));
        await Refused(client, Alarm(ns: "Shop", metric: "QueueDepth", dimensions: Enumerable.Range(0, 31).Select(i => (object)new { name = $"d{i}", value = "v" }).ToArray()));

        // The alarm names its dimensions in another order than the datapoints: the same metric.
        var dimensions = new object[] { new { name = "Queue", value = "orders" }, new { name = "Env", value = "prod" } };
        var created = await (await client.PutJsonAsync($"{Api}/alarms/queue-deep", Alarm(ns: "Shop", metric: "QueueDepth", dimensions: dimensions, statistic: "Maximum",
            threshold: 50))).AssertOkAsync();
        Assert.Equal(["Env=prod", "Queue=orders"], created.GetProperty("dimensions").EnumerateArray()
            .Select(d => $"{d.GetProperty("name").GetString()}={d.GetProperty("value").GetString()}"));
        await (await neighbourClient.PutJsonAsync($"{Api}/alarms/queue-deep", Alarm(ns: "Shop", metric: "QueueDepth", dimensions: dimensions, statistic: "Maximum",
            threshold: 50))).AssertOkAsync();
        var managers = _app.Services.GetRequiredService<IRecurringJobManager>();
        await Eventually.TrueAsync(async () =>
        {
            // The neighbour's queue is deep; this account's is not: nothing of the neighbour's counts here.
            Assert.Equal(HttpStatusCode.NoContent, (await neighbourClient.PostJsonAsync($"{Api}/metric-data", Datum(95, ("Env", "prod"), ("Queue", "orders")))).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await client.PostJsonAsync($"{Api}/metric-data", Datum(3, ("Env", "prod"), ("Queue", "orders")))).StatusCode);
            managers.Trigger("cloudwatch-alarms");
            return (await AlarmsAsync(neighbourClient))[0].GetProperty("state_value").GetString() == "ALARM"
                && (await AlarmsAsync(client))[0].GetProperty("state_value").GetString() == "OK";
        }, TimeSpan.FromSeconds(90), "the neighbour's alarm never went to ALARM with this account's at OK");

        await Eventually.TrueAsync(async () =>
        {
            Assert.Equal(HttpStatusCode.NoContent, (await client.PostJsonAsync($"{Api}/metric-data", Datum(80, ("Queue", "orders"), ("Env", "prod")))).StatusCode);
            managers.Trigger("cloudwatch-alarms");
            return (await AlarmsAsync(client))[0].GetProperty("state_value").GetString() == "ALARM";
        }, TimeSpan.FromSeconds(90), "the alarm never went to ALARM");
        Assert.Contains("were greater than the threshold (50)", (await AlarmsAsync(client))[0].GetProperty("state_reason").GetString(), StringComparison.Ordinal);

        // The metric is listed (for its owner only) and read back natively.
        var listed = Assert.Single((await (await client.GetAsync($"{Api}/metrics?namespace=Shop&dimension=Queue=orders")).AssertOkAsync()).GetProperty("metrics").EnumerateArray());
        Assert.Equal("QueueDepth", listed.GetProperty("metric_name").GetString());
        Assert.Single((await (await neighbourClient.GetAsync($"{Api}/metrics")).AssertOkAsync()).GetProperty("metrics").EnumerateArray());
        var now = DateTime.UtcNow;
        var read = await (await client.PostJsonAsync($"{Api}/metric-data/query", new
        {
            start_time = now.AddMinutes(-10).ToString("O", CultureInfo.InvariantCulture),
            end_time = now.AddMinutes(1).ToString("O", CultureInfo.InvariantCulture),
            metric_data_queries = new[]
            {
                new { id = "peak", metric_stat = new { @namespace = "Shop", metric_name = "QueueDepth", dimensions, period = 600, stat = "Maximum" } },
            },
        })).AssertOkAsync();
        var result = Assert.Single(read.GetProperty("metric_data_results").EnumerateArray());
        Assert.Equal(80, result.GetProperty("values").EnumerateArray().Max(v => v.GetDouble()));
    }

    [Fact]
    public async Task Given_an_alarm_on_the_groups_CPU_When_two_replicas_evaluate_it_Then_it_transitions_once_and_its_step_policy_grows_the_group_once()
    {
        await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 4096);
        var tenant = await _root.CreateAccountAsync("cw-scaling");
        using var client = _app.SignedClient(tenant);
        var policyArn = await GroupWithStepPolicyAsync(client, desired: 1);
        void RunGroupJob() => _app.Services.GetRequiredService<IRecurringJobManager>().Trigger("autoscaling-groups");
        async Task<JsonElement> Group() => await (await client.GetAsync($"{AutoScaling}/groups/web")).AssertOkAsync();
        async Task InService(int count) => await Eventually.TrueAsync(async () =>
        {
            RunGroupJob();
            var members = (await Group()).GetProperty("instances").EnumerateArray().ToList();
            return members.Count == count && members.All(m => m.GetProperty("lifecycle_state").GetString() == "InService");
        }, TimeSpan.FromSeconds(90), $"the group never had {count} instances in service");
        await InService(1);

        // The group's CPU as CloudWatch's statistics: the simulated guest's 50 %.
        var now = DateTime.UtcNow;
        await Eventually.TrueAsync(async () =>
        {
            var stats = await (await client.GetAsync(string.Create(CultureInfo.InvariantCulture,
                $"{Api}/metric-statistics?namespace=AWS/EC2&metric_name=CPUUtilization&dimension=AutoScalingGroupName=web&statistic=Average&statistic=SampleCount&period=60&start_time={now.AddMinutes(-5):O}&end_time={now.AddMinutes(5):O}")))
                .AssertOkAsync();
            return stats.GetProperty("datapoints").EnumerateArray().Any(d => Math.Abs(d.GetProperty("average").GetDouble() - 50) < 5);
        }, TimeSpan.FromSeconds(90), "the group's CPUUtilization never showed about 50 %");
        await (await client.GetAsync($"{Api}/metric-statistics?namespace=AWS/EC2&metric_name=CPUUtilization&dimension=AutoScalingGroupName=web&statistic=Average&period=60"))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "MissingParameter");

        // A second API replica over the same database and job storage; both run the alarm job, several passes at once.
        await using var replica = new PlatformApp(_app.DataDirectory, runJobs: true, settings: Settings);
        _ = replica.Server;
        var managers = new[] { _app.Services.GetRequiredService<IRecurringJobManager>(), replica.Services.GetRequiredService<IRecurringJobManager>() };
        void RunAlarmJobs()
        {
            foreach (var manager in managers)
            {
                for (var i = 0; i < 3; i++)
                {
                    manager.Trigger("cloudwatch-alarms");
                }
            }
        }

        await (await client.PutJsonAsync($"{Api}/alarms/cpu-high", Alarm(policyArn))).AssertOkAsync();
        JsonElement alarm = default;
        await Eventually.TrueAsync(async () =>
        {
            RunAlarmJobs();
            alarm = (await AlarmsAsync(client, "?alarm_name=cpu-high"))[0];
            return alarm.GetProperty("state_value").GetString() == "ALARM";
        }, TimeSpan.FromSeconds(90), "the alarm never went to ALARM");
        Assert.StartsWith("Threshold Crossed: 1 out of the last 1 datapoints [", alarm.GetProperty("state_reason").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("] were greater than the threshold (40) (minimum 1 datapoint for OK -> ALARM transition).", alarm.GetProperty("state_reason").GetString(), StringComparison.Ordinal);

        // The action runs once: the group goes from 1 to 2, not further, whatever the racing passes.
        await Eventually.TrueAsync(async () =>
        {
            RunAlarmJobs();
            return (await HistoryAsync(client, "cpu-high", "Action")).Count > 0;
        }, TimeSpan.FromSeconds(90), "the alarm's action never ran");
        for (var i = 0; i < 3; i++)
        {
            RunAlarmJobs();
            await AlarmsAsync(client);
        }

        await InService(2);
        var transitions = await HistoryAsync(client, "cpu-high", "StateUpdate");
        var toAlarm = Assert.Single(transitions, t => t.GetProperty("history_summary").GetString() == "Alarm updated from INSUFFICIENT_DATA to ALARM");
        var actions = await HistoryAsync(client, "cpu-high", "Action");
        var transitionAt = toAlarm.GetProperty("timestamp").GetDateTime();
        // Auto Scaling actions repeat once a minute while in ALARM, as CloudWatch's: within the first minute, one.
        var first = Assert.Single(actions, a => a.GetProperty("timestamp").GetDateTime() < transitionAt.AddSeconds(59));
        Assert.Equal($"Successfully executed action {policyArn}", first.GetProperty("history_summary").GetString());
        var group = await Group();
        Assert.Equal(2, group.GetProperty("desired_capacity").GetInt32());
        var activities = (await (await client.GetAsync($"{AutoScaling}/groups/web/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray().ToList();
        Assert.Single(activities, a => a.GetProperty("cause").GetString()!.Contains("a monitor alarm cpu-high in state ALARM triggered policy out changing the desired capacity from 1 to 2.", StringComparison.Ordinal));

        // A threshold above the load: back to OK, recorded once, no action (none for OK).
        await (await client.PutJsonAsync($"{Api}/alarms/cpu-high", Alarm(policyArn, threshold: 90))).AssertOkAsync();
        await Eventually.TrueAsync(async () =>
        {
            RunAlarmJobs();
            return (await AlarmsAsync(client, "?alarm_name=cpu-high"))[0].GetProperty("state_value").GetString() == "OK";
        }, TimeSpan.FromSeconds(90), "the alarm never went back to OK");
        // Straight from ALARM, or through INSUFFICIENT_DATA when the simulated server's next datapoint came late (a loaded
        // machine): either way one transition to OK.
        Assert.Single(await HistoryAsync(client, "cpu-high", "StateUpdate"), t => t.GetProperty("history_summary").GetString()!.EndsWith(" to OK", StringComparison.Ordinal));
        Assert.Equal("Alarm \"cpu-high\" updated", (await HistoryAsync(client, "cpu-high", "ConfigurationUpdate"))[0].GetProperty("history_summary").GetString());
    }
}
