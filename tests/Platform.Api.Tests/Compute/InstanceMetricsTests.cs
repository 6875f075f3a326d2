using System.Net;
using System.Text.Json;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Compute;

/// <summary>
/// <c>GET /api/v1/ec2/instances/{id}/metrics</c> with a real agent on a simulated server: the agent's heartbeats carry
/// libvirt's counters, the API turns them into datapoints. libvirt's simulated guests count CPU time at the pace of the
/// wall clock, so a guest with 2 vCPUs shows 50 %, and their disks' counters grow by the microsecond.
/// </summary>
public sealed class InstanceMetricsTests : IAsyncLifetime, IDisposable
{
    private readonly PlatformApp _app = new();
    private HttpClient _root = null!;
    private SimulatedFleet _fleet = null!;
    private string _imageId = null!;

    public async Task InitializeAsync()
    {
        _root = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _root);
        _imageId = await _root.RegisterKernelImageAsync("metrics-image", [1, 2, 3], [4, 5, 6], isPublic: true);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Given_a_running_instance_Then_its_metrics_come_from_the_heartbeats_and_only_its_account_reads_them()
    {
        await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var id = (await _root.LaunchAsync(new { instance_type = "t3.micro", image_id = _imageId })).GetProperty("instance_id").GetString()!;
        await _root.WaitForStateAsync(id, "running");

        JsonElement metrics = default;
        await Eventually.TrueAsync(async () =>
        {
            metrics = await (await _root.GetAsync($"/api/v1/ec2/instances/{id}/metrics?period=60")).AssertOkAsync();
            return Datapoints(metrics, "CPUUtilization").Count > 0 && Datapoints(metrics, "DiskReadBytes").Count > 0;
        }, TimeSpan.FromSeconds(90), "no datapoints from the heartbeats");

        Assert.Equal(id, metrics.GetProperty("instance_id").GetString());
        Assert.Equal(60, metrics.GetProperty("period").GetInt32());
        Assert.Equal(
            ["CPUUtilization", "NetworkIn", "NetworkOut", "NetworkPacketsIn", "NetworkPacketsOut", "DiskReadBytes", "DiskWriteBytes", "DiskReadOps",
                "DiskWriteOps", "MemoryActual", "MemoryRSS", "MemoryAvailable"],
            metrics.GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("metric_name").GetString()));
        var cpu = Datapoints(metrics, "CPUUtilization")[^1];
        Assert.InRange(cpu.Value, 40, 60);
        Assert.True(Datapoints(metrics, "DiskReadBytes").Sum(d => d.Value) > 0);
        Assert.True(Datapoints(metrics, "DiskWriteOps").Sum(d => d.Value) > 0);
        // The simulated server gives its guests no NIC: nothing in or out.
        Assert.All(Datapoints(metrics, "NetworkIn"), d => Assert.Equal(0, d.Value));
        var metric = metrics.GetProperty("metrics").EnumerateArray().First();
        Assert.Equal(("Percent", "Average"), (metric.GetProperty("unit").GetString(), metric.GetProperty("statistic").GetString()));
        Assert.EndsWith("Z", metric.GetProperty("datapoints")[0].GetProperty("timestamp").GetString(), StringComparison.Ordinal);

        var some = await (await _root.GetAsync($"/api/v1/ec2/instances/{id}/metrics?metric_name=NetworkOut&metric_name=DiskReadOps")).AssertOkAsync();
        Assert.Equal(["NetworkOut", "DiskReadOps"], some.GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("metric_name").GetString()));
        Assert.Equal(300, some.GetProperty("period").GetInt32());

        // Another account: as if the instance did not exist.
        var tenant = await _app.SignedClient(_app.RootCredentials).CreateAccountAsync("metrics-tenant");
        using var other = _app.SignedClient(tenant);
        var refused = await (await other.GetAsync($"/api/v1/ec2/instances/{id}/metrics")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceID.NotFound");
        Assert.False(string.IsNullOrEmpty(refused.GetProperty("request_id").GetString()));
    }

    [Fact]
    public async Task Given_bad_parameters_or_a_user_without_the_action_Then_AWS_errors_answer()
    {
        await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var id = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = _imageId })).GetProperty("instance_id").GetString()!;
        async Task Refused(string query, string code) =>
            await (await _root.GetAsync($"/api/v1/ec2/instances/{id}/metrics{query}")).AssertErrorAsync(HttpStatusCode.BadRequest, code);

        await Refused("?period=59", "InvalidParameterValue");
        await Refused("?period=five", "InvalidParameterValue");
        await Refused("?start_time=now", "InvalidParameterValue");
        await Refused("?start_time=2026-12-01T10:00:00Z&end_time=2026-12-01T09:00:00Z", "InvalidParameterValue");
        await Refused("?period=60&start_time=2026-11-01T00:00:00Z&end_time=2026-11-03T00:00:00Z", "InvalidParameterValue");
        await Refused("?metric_name=MemoryUsed", "InvalidParameterValue");
        await (await _root.GetAsync("/api/v1/ec2/instances/i-0123456789abcdef0/metrics")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceID.NotFound");
        await (await _root.GetAsync("/api/v1/ec2/instances/web-1/metrics")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceID.Malformed");

        using var iam = _app.SignedClient(_app.RootCredentials);
        var reader = await iam.CreateUserWithKeyAsync("instance-reader", _app.RootCredentials.AccountId);
        await iam.AttachAsync("instance-reader", await iam.CreatePolicyAsync("DescribeOnly",
            IamSetup.Document(new { Effect = "Allow", Action = "ec2:DescribeInstances", Resource = "*" })));
        using var client = _app.SignedClient(reader);
        await Eventually.TrueAsync(async () => (await client.GetAsync("/api/v1/ec2/instances")).IsSuccessStatusCode, TimeSpan.FromSeconds(90), "the policy never applied");
        await (await client.GetAsync($"/api/v1/ec2/instances/{id}/metrics")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");

        var watcher = await iam.CreateUserWithKeyAsync("metrics-reader", _app.RootCredentials.AccountId);
        await iam.AttachAsync("metrics-reader", await iam.CreatePolicyAsync("ThisInstancesMetrics",
            IamSetup.Document(new { Effect = "Allow", Action = "cloudwatch:GetMetricData", Resource = $"arn:aws:ec2:us-east-1:{_app.RootCredentials.AccountId}:instance/{id}" })));
        using var allowed = _app.SignedClient(watcher);
        await Eventually.TrueAsync(async () => (await allowed.GetAsync($"/api/v1/ec2/instances/{id}/metrics")).IsSuccessStatusCode, TimeSpan.FromSeconds(90),
            "cloudwatch:GetMetricData on the instance did not allow its metrics");
        await (await allowed.GetAsync("/api/v1/ec2/instances/i-0123456789abcdef0/metrics")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
    }

    private static List<(DateTime Timestamp, double Value)> Datapoints(JsonElement metrics, string name) =>
        metrics.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric_name").GetString() == name).GetProperty("datapoints").EnumerateArray()
            .Select(d => (d.GetProperty("timestamp").GetDateTime(), d.GetProperty("value").GetDouble())).ToList();
}
