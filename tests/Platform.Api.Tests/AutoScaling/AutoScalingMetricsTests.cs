using System.Globalization;
using System.Net;
using System.Text.Json;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.AutoScaling;

/// <summary>
/// Auto Scaling's group metrics (namespace AWS/AutoScaling, dimension AutoScalingGroupName) through the native API on simulated
/// servers: EnableMetricsCollection / DisableMetricsCollection with Auto Scaling's errors for bad input (nothing changes), the
/// group job recording one datapoint per enabled metric and minute while two API replicas run it several times at once, the
/// datapoints read back through GetMetricStatistics, GetMetricData and ListMetrics (the neighbour sees none of them), and an
/// alarm on one going to ALARM.
/// </summary>
public sealed class AutoScalingMetricsTests : IAsyncLifetime, IDisposable
{
    private const string Api = "/api/v1/autoscaling";
    private const string CloudWatch = "/api/v1/cloudwatch";

    private static readonly Dictionary<string, string?> Settings = new() { ["Platform:AvailabilityZones:0"] = "us-east-1a" };

    private readonly PlatformApp _app = new(settings: Settings);
    private HttpClient _root = null!;
    private SimulatedFleet _fleet = null!;
    private string _imageId = null!;

    public async Task InitializeAsync()
    {
        _root = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _root);
        _imageId = await _root.RegisterKernelImageAsync("asg-metrics-image", [1, 2, 3], [4, 5, 6], isPublic: true);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _root.Dispose();

    private static string[] All =>
    [
        "GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity", "GroupInServiceInstances", "GroupPendingInstances", "GroupTerminatingInstances",
        "GroupTotalInstances",
    ];

    [Fact]
    public async Task Given_metrics_collection_enabled_When_two_replicas_run_the_group_job_Then_one_datapoint_a_minute_is_read_listed_and_alarmed_on()
    {
        await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 4096);
        var tenant = await _root.CreateAccountAsync("asg-metrics");
        using var client = _app.SignedClient(tenant);
        var neighbour = await _root.CreateAccountAsync("asg-metrics-neighbour");
        using var neighbourClient = _app.SignedClient(neighbour);
        var vpc = (await (await client.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.1.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var subnet = (await (await client.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = "10.1.1.0/24", availability_zone = "us-east-1a" }))
            .AssertOkAsync()).GetProperty("subnet_id").GetString()!;
        await (await client.PostJsonAsync($"{Api}/launch-templates", new
        {
            launch_template_name = "web", launch_template_data = new { image_id = _imageId, instance_type = "t3.nano" },
        })).AssertOkAsync();
        foreach (var (name, desired) in new[] { ("web", 2), ("api", 0) })
        {
            await (await client.PostJsonAsync($"{Api}/groups", new
            {
                auto_scaling_group_name = name, launch_template = new { launch_template_name = "web" }, min_size = 0, max_size = 3, desired_capacity = desired,
                vpc_zone_identifier = subnet,
            })).AssertOkAsync();
        }

        // Bad input: Auto Scaling's errors, nothing enabled.
        async Task<string> Refused(HttpClient who, string path, object body) =>
            (await (await who.PostJsonAsync(path, body)).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError")).GetProperty("message").GetString()!;
        Assert.Contains("granularity", await Refused(client, $"{Api}/groups/web/metrics-collection/enable", new { metrics = new[] { "GroupMinSize" } }),
            StringComparison.Ordinal);
        Assert.Contains("5Minute", await Refused(client, $"{Api}/groups/web/metrics-collection/enable", new { granularity = "5Minute" }), StringComparison.Ordinal);
        Assert.Contains("GroupCPU", await Refused(client, $"{Api}/groups/web/metrics-collection/enable", new { granularity = "1Minute", metrics = new[] { "GroupCPU" } }),
            StringComparison.Ordinal);
        Assert.Contains("not found", await Refused(client, $"{Api}/groups/nothing/metrics-collection/enable", new { granularity = "1Minute" }), StringComparison.Ordinal);
        Assert.Contains("not found", await Refused(neighbourClient, $"{Api}/groups/web/metrics-collection/enable", new { granularity = "1Minute" }),
            StringComparison.Ordinal);
        Assert.Empty((await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync()).GetProperty("enabled_metrics").EnumerateArray());

        // All of web's, one of api's (then the rest of api's enabled and disabled again: only the one stays).
        var web = await (await client.PostJsonAsync($"{Api}/groups/web/metrics-collection/enable", new { granularity = "1Minute" })).AssertOkAsync();
        Assert.Equal(All, web.GetProperty("enabled_metrics").EnumerateArray().Select(m => m.GetProperty("metric").GetString()));
        Assert.All(web.GetProperty("enabled_metrics").EnumerateArray(), m => Assert.Equal("1Minute", m.GetProperty("granularity").GetString()));
        await (await client.PostJsonAsync($"{Api}/groups/api/metrics-collection/enable", new { granularity = "1Minute" })).AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/groups/api/metrics-collection/disable", new { metrics = All.Skip(1).ToArray() })).AssertOkAsync();
        var api = await (await client.GetAsync($"{Api}/groups/api")).AssertOkAsync();
        Assert.Equal(["GroupMinSize"], api.GetProperty("enabled_metrics").EnumerateArray().Select(m => m.GetProperty("metric").GetString()));

        // A second API replica over the same database and job storage; both run the group job, several passes at once.
        await using var replica = new PlatformApp(_app.DataDirectory, runJobs: true, settings: Settings);
        _ = replica.Server;
        var managers = new[] { _app.Services.GetRequiredService<IRecurringJobManager>(), replica.Services.GetRequiredService<IRecurringJobManager>() };
        void Run(string job)
        {
            foreach (var manager in managers)
            {
                for (var i = 0; i < 3; i++)
                {
                    manager.Trigger(job);
                }
            }
        }

        var since = DateTime.UtcNow.AddMinutes(-2);
        string Window(DateTime from) => string.Create(CultureInfo.InvariantCulture,
            $"period=60&start_time={from:yyyy-MM-ddTHH:mm:ssZ}&end_time={DateTime.UtcNow.AddMinutes(2):yyyy-MM-ddTHH:mm:ssZ}");
        async Task<List<JsonElement>> Datapoints(HttpClient who, string group, string metric) =>
            (await (await who.GetAsync($"{CloudWatch}/metric-statistics?namespace=AWS/AutoScaling&metric_name={metric}&dimension=AutoScalingGroupName={group}"
                + $"&statistic=Maximum&statistic=SampleCount&{Window(since)}")).AssertOkAsync()).GetProperty("datapoints").EnumerateArray().ToList();

        // The group job converges web to two instances; its metrics have datapoints, each minute's one sample.
        await Eventually.TrueAsync(async () =>
        {
            Run("autoscaling-groups");
            var inService = await Datapoints(client, "web", "GroupInServiceInstances");
            return inService.Any(d => d.GetProperty("maximum").GetDouble() == 2);
        }, TimeSpan.FromSeconds(150), "no minute of web's GroupInServiceInstances was 2");
        for (var i = 0; i < 3; i++)
        {
            Run("autoscaling-groups");
            await client.GetAsync($"{Api}/groups/web");
        }

        var expected = new Dictionary<string, double> { ["GroupMinSize"] = 0, ["GroupMaxSize"] = 3, ["GroupDesiredCapacity"] = 2, ["GroupTerminatingInstances"] = 0 };
        foreach (var metric in All)
        {
            var points = await Datapoints(client, "web", metric);
            Assert.NotEmpty(points);
            Assert.All(points, p => Assert.Equal(1, p.GetProperty("sample_count").GetDouble()));
            Assert.All(points, p => Assert.Equal("None", p.GetProperty("unit").GetString()));
            if (expected.TryGetValue(metric, out var value))
            {
                Assert.All(points, p => Assert.Equal(value, p.GetProperty("maximum").GetDouble()));
            }
        }

        // GetMetricData: each minute, in service and pending add up to the total (two instances, none terminating).
        var data = await (await client.PostJsonAsync($"{CloudWatch}/metric-data/query", new
        {
            metric_data_queries = new[] { "GroupInServiceInstances", "GroupPendingInstances", "GroupTotalInstances" }.Select((m, k) => new
            {
                id = "q" + k.ToString(CultureInfo.InvariantCulture),
                metric_stat = new { @namespace = "AWS/AutoScaling", metric_name = m, dimensions = new[] { new { name = "AutoScalingGroupName", value = "web" } }, period = 60, stat = "Maximum" },
            }),
            start_time = since.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            end_time = DateTime.UtcNow.AddMinutes(2).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            scan_by = "TimestampAscending",
        })).AssertOkAsync();
        var series = data.GetProperty("metric_data_results").EnumerateArray()
            .Select(r => r.GetProperty("timestamps").EnumerateArray().Select(t => t.GetDateTime()).Zip(r.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()))
                .ToDictionary(p => p.First, p => p.Second))
            .ToList();
        Assert.NotEmpty(series[2]);
        Assert.All(series[2], total => Assert.Equal(2, series[0][total.Key] + series[1][total.Key]));
        Assert.All(series[2], total => Assert.Equal(2, total.Value));

        // api: only what is enabled, and its desired capacity of 0.
        Assert.Equal(0, (await Datapoints(client, "api", "GroupMinSize")).Select(p => p.GetProperty("maximum").GetDouble()).Distinct().Single());
        Assert.Empty(await Datapoints(client, "api", "GroupMaxSize"));

        // ListMetrics: web's seven and api's one; the neighbour lists none and reads nothing of them (it has no group of these names).
        var listed = (await (await client.GetAsync($"{CloudWatch}/metrics?namespace=AWS/AutoScaling")).AssertOkAsync()).GetProperty("metrics").EnumerateArray()
            .Select(m => $"{m.GetProperty("dimensions")[0].GetProperty("value").GetString()}/{m.GetProperty("metric_name").GetString()}").ToList();
        Assert.Equal(All.Select(m => "web/" + m).Append("api/GroupMinSize").Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        var filtered = (await (await client.GetAsync($"{CloudWatch}/metrics?namespace=AWS/AutoScaling&metric_name=GroupMinSize&dimension=AutoScalingGroupName=api"))
            .AssertOkAsync()).GetProperty("metrics");
        Assert.Equal("AutoScalingGroupName", Assert.Single(filtered.EnumerateArray()).GetProperty("dimensions")[0].GetProperty("name").GetString());
        Assert.Empty((await (await neighbourClient.GetAsync($"{CloudWatch}/metrics?namespace=AWS/AutoScaling")).AssertOkAsync()).GetProperty("metrics").EnumerateArray());
        Assert.Empty(await Datapoints(neighbourClient, "web", "GroupInServiceInstances"));

        // Bad reads: a metric AWS/AutoScaling has not, another dimension.
        await (await client.GetAsync($"{CloudWatch}/metric-statistics?namespace=AWS/AutoScaling&metric_name=CPUUtilization&dimension=AutoScalingGroupName=web"
            + $"&statistic=Maximum&{Window(since)}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await client.GetAsync($"{CloudWatch}/metric-statistics?namespace=AWS/AutoScaling&metric_name=GroupMinSize&dimension=InstanceId=i-0123456789abcdef0"
            + $"&statistic=Maximum&{Window(since)}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");

        // An alarm on a group metric: web's desired capacity above 1 is ALARM.
        await (await client.PutJsonAsync($"{CloudWatch}/alarms/web-large", new
        {
            @namespace = "AWS/AutoScaling", metric_name = "GroupDesiredCapacity", dimensions = new[] { new { name = "AutoScalingGroupName", value = "web" } },
            statistic = "Maximum", period = 60, evaluation_periods = 1, threshold = 1, comparison_operator = "GreaterThanThreshold",
        })).AssertOkAsync();
        await (await client.PutJsonAsync($"{CloudWatch}/alarms/bad", new
        {
            @namespace = "AWS/AutoScaling", metric_name = "GroupCPU", dimensions = new[] { new { name = "AutoScalingGroupName", value = "web" } },
            statistic = "Maximum", period = 60, evaluation_periods = 1, threshold = 1, comparison_operator = "GreaterThanThreshold",
        })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        JsonElement alarm = default;
        await Eventually.TrueAsync(async () =>
        {
            Run("autoscaling-groups");
            Run("cloudwatch-alarms");
            alarm = (await (await client.GetAsync($"{CloudWatch}/alarms?alarm_name=web-large")).AssertOkAsync()).GetProperty("metric_alarms")[0];
            return alarm.GetProperty("state_value").GetString() == "ALARM";
        }, TimeSpan.FromSeconds(150), () => $"the alarm on GroupDesiredCapacity never went to ALARM: {alarm}");
        Assert.Contains("were greater than the threshold (1)", alarm.GetProperty("state_reason").GetString(), StringComparison.Ordinal);

        // Disabled: the group lists none, and its datapoints stay readable.
        var disabled = await (await client.PostJsonAsync($"{Api}/groups/web/metrics-collection/disable", new { })).AssertOkAsync();
        Assert.Empty(disabled.GetProperty("enabled_metrics").EnumerateArray());
        Assert.NotEmpty(await Datapoints(client, "web", "GroupTotalInstances"));
    }
}
