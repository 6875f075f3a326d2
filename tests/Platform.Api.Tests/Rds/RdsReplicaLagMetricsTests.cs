using System.Text.Json;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Protocol;

namespace Platform.Api.Tests.Rds;

/// <summary>
/// RDS's ReplicaLag (AWS/RDS, seconds): the replication lag a Multi-AZ pair's guests report beside their other figures
/// (deploy/db-image/dbagent's status; DatabaseReplicationTests measures it on two real PostgreSQL servers), kept per minute
/// by the Database module and answered by CloudWatch beside FreeStorageSpace and DatabaseConnections. The guest's side is
/// simulated by publishing what Compute publishes for a database guest's report.
/// </summary>
public sealed class RdsReplicaLagMetricsTests(RdsPlatform platform) : IClassFixture<RdsPlatform>
{
    private const string Api = "/api/v1/rds";

    [Fact]
    public async Task Given_reports_carrying_a_replication_lag_Then_ReplicaLag_has_their_datapoints_and_an_instance_without_any_has_none()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-lag");
        using var client = platform.App.SignedClient(tenant);
        var network = await TenantNetwork.CreateAsync(client, "10.48");
        await (await client.PostJsonAsync($"{Api}/db-subnet-groups",
            new { db_subnet_group_name = "net", db_subnet_group_description = "net", subnet_ids = new[] { network.SubnetA, network.SubnetB } })).AssertOkAsync();
        var paired = await CreateAsync(client, "paired");
        var single = await CreateAsync(client, "single");
        await platform.ReportAsync(paired, new DatabaseReport(DatabaseState.Available, 1, Metrics: new DatabaseMetrics(4_000_000_000, 3, 0, 0, ReplicaLagSeconds: 0.25)));
        await platform.ReportAsync(paired, new DatabaseReport(DatabaseState.Available, 1, Metrics: new DatabaseMetrics(4_000_000_000, 3, 0, 0, ReplicaLagSeconds: 4.5)));
        // A report without a lag (the pair's side that had none to tell) adds to the other figures only; a nonsensical lag is not kept.
        await platform.ReportAsync(paired, new DatabaseReport(DatabaseState.Available, 1, Metrics: new DatabaseMetrics(4_000_000_000, 3, 0, 0)));
        await platform.ReportAsync(paired, new DatabaseReport(DatabaseState.Available, 1, Metrics: new DatabaseMetrics(4_000_000_000, 3, 0, 0, ReplicaLagSeconds: -1)));
        await platform.ReportAsync(single, new DatabaseReport(DatabaseState.Available, 1, Metrics: new DatabaseMetrics(5_000_000_000, 1, 0, 0)));

        var now = DateTime.UtcNow;
        var window = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"&period=3600&start_time={now.AddHours(-2):O}&end_time={now.AddHours(2):O}");
        async Task<List<JsonElement>> Points(HttpClient caller, string metric, string instance) =>
            [.. (await (await caller.GetAsync($"/api/v1/cloudwatch/metric-statistics?namespace=AWS/RDS&metric_name={metric}&dimension=DBInstanceIdentifier={instance}"
                + $"&statistic=Minimum&statistic=Maximum&statistic=SampleCount&statistic=Average{window}")).AssertOkAsync()).GetProperty("datapoints").EnumerateArray()];
        var lag = await Points(client, "ReplicaLag", "paired");
        Assert.Equal((0.25, 4.5, 2d), (lag.Min(p => p.GetProperty("minimum").GetDouble()), lag.Max(p => p.GetProperty("maximum").GetDouble()),
            lag.Sum(p => p.GetProperty("sample_count").GetDouble())));
        Assert.All(lag, p => Assert.Equal("Seconds", p.GetProperty("unit").GetString()));
        Assert.Equal(4, (await Points(client, "DatabaseConnections", "paired")).Sum(p => p.GetProperty("sample_count").GetDouble()));
        Assert.Empty(await Points(client, "ReplicaLag", "single"));
        Assert.Single(await Points(client, "FreeStorageSpace", "single"));

        // ListMetrics lists ReplicaLag for the instance whose reports carried one only.
        var listed = (await (await client.GetAsync("/api/v1/cloudwatch/metrics?namespace=AWS/RDS&metric_name=ReplicaLag")).AssertOkAsync()).GetProperty("metrics")
            .EnumerateArray().Select(m => m.GetProperty("dimensions")[0].GetProperty("value").GetString()).ToList();
        Assert.Equal(["paired"], listed);

        // An alarm may watch it; another account naming the same identifier reads nothing of it.
        await (await client.PutJsonAsync("/api/v1/cloudwatch/alarms/lag", new
        {
            @namespace = "AWS/RDS", metric_name = "ReplicaLag", dimensions = new[] { new { name = "DBInstanceIdentifier", value = "paired" } },
            statistic = "Maximum", period = 60, evaluation_periods = 1, threshold = 30, comparison_operator = "GreaterThanThreshold",
        })).AssertOkAsync();
        var other = await root.CreateAccountAsync("rds-lag-other");
        using var otherClient = platform.App.SignedClient(other);
        Assert.Empty(await Points(otherClient, "ReplicaLag", "paired"));
        Assert.Empty((await (await otherClient.GetAsync("/api/v1/cloudwatch/metrics?namespace=AWS/RDS&metric_name=ReplicaLag")).AssertOkAsync()).GetProperty("metrics").EnumerateArray());
    }

    private static async Task<string> CreateAsync(HttpClient client, string identifier) =>
        (await (await client.PostJsonAsync($"{Api}/db-instances", new
        {
            db_instance_identifier = identifier, engine = "postgres", engine_version = "15", db_instance_class = "db.t3.micro", allocated_storage = 20,
            master_username = "app", master_user_password = "correct-horse-battery", db_subnet_group_name = "net", backup_retention_period = 7,
            preferred_backup_window = "03:00-03:30",
        })).AssertOkAsync()).GetProperty("dbi_resource_id").GetString()!;
}
