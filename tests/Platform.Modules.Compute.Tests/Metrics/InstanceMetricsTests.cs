using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.Metrics;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Compute.Tests.Metrics;

/// <summary>
/// Heartbeats' usage turned into 1-minute datapoints and served as CloudWatch-style metrics, on the module's real database
/// (SQLite file, migrations applied): the arithmetic of differences, restarts, hot-plugged devices, periods, and pruning.
/// </summary>
public sealed class InstanceMetricsTests : IAsyncLifetime
{
    private const string Account = "111111111111";
    private const string Id = "i-0000000000000000a";

    /// <summary>The agent's clock at the first sample (the API's clock starts at the same moment).</summary>
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 5, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("compute-metrics-").FullName;
    private readonly Clock _clock = new();
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:DataDirectory"] = _directory,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddSingleton<IBackgroundJobClient, NoJobs>();
        services.AddOptions<PlatformOptions>().Bind(configuration.GetSection(PlatformOptions.SectionName));
        services.AddComputeModule(configuration);
        _services = services.BuildServiceProvider();
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ComputeDbContext>();
        await db.Database.MigrateAsync();
        db.Instances.Add(Instance(Id, Account));
        db.Instances.Add(Instance("i-0000000000000000b", "222222222222"));
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Given_heartbeats_Then_differences_make_one_minute_datapoints_and_cpu_is_the_share_of_the_vcpus_time()
    {
        // 2 vCPUs; 10 s apart the guest used 5 s of CPU: 25 %.
        await ReportAsync(Usage(0, cpuSeconds: 100, disk: new DiskUsage("vda", 1000, 2000, 10, 20), nic: new InterfaceUsage("tap0", null, 500, 600, 5, 6)));
        _clock.Now = _clock.Now.AddSeconds(10);
        await ReportAsync(Usage(10, cpuSeconds: 105, disk: new DiskUsage("vda", 5000, 2500, 14, 25), nic: new InterfaceUsage("tap0", null, 1500, 700, 15, 7)));
        _clock.Now = _clock.Now.AddSeconds(10);
        await ReportAsync(Usage(20, cpuSeconds: 115, disk: new DiskUsage("vda", 6000, 2500, 15, 25), nic: new InterfaceUsage("tap0", null, 1600, 800, 16, 8)));

        var metrics = await MetricsAsync(period: "60");
        Assert.Equal(60, metrics.Period);
        // (5 + 10) s of CPU over 2 × 20 s.
        Assert.Equal(37.5, Single(metrics, "CPUUtilization"), 3);
        Assert.Equal(5000, Single(metrics, "DiskReadBytes"));
        Assert.Equal(500, Single(metrics, "DiskWriteBytes"));
        Assert.Equal(5, Single(metrics, "DiskReadOps"));
        Assert.Equal(5, Single(metrics, "DiskWriteOps"));
        Assert.Equal(1100, Single(metrics, "NetworkIn"));
        Assert.Equal(200, Single(metrics, "NetworkOut"));
        Assert.Equal(11, Single(metrics, "NetworkPacketsIn"));
        Assert.Equal(2, Single(metrics, "NetworkPacketsOut"));
        Assert.Equal(131072 * 1024d, Single(metrics, "MemoryActual"));
        Assert.Equal(90000 * 1024d, Single(metrics, "MemoryRSS"));
        Assert.Empty(metrics.Metrics.Single(m => m.MetricName == "MemoryAvailable").Datapoints);
        Assert.Equal(("Percent", "Average"), Describe(metrics, "CPUUtilization"));
        Assert.Equal(("Bytes", "Sum"), Describe(metrics, "NetworkIn"));
        Assert.Equal(("Count", "Sum"), Describe(metrics, "DiskWriteOps"));
        Assert.Equal(_clock.Now.AddSeconds(-20).AddTicks(-(_clock.Now.AddSeconds(-20).Ticks % TimeSpan.TicksPerMinute)),
            metrics.Metrics[0].Datapoints.Single().Timestamp);
    }

    [Fact]
    public async Task Given_a_restarted_guest_a_new_disk_a_replugged_nic_and_a_stale_report_Then_nothing_is_counted_twice_or_negative()
    {
        await ReportAsync(Usage(0, cpuSeconds: 100, disk: new DiskUsage("vda", 1000, 0, 10, 0), nic: new InterfaceUsage("tap0", null, 500, 500, 5, 5)));
        _clock.Now = _clock.Now.AddSeconds(10);
        // A disk plugged in since (counted from zero), the NIC's tap made again (its counters began again).
        await ReportAsync(Usage(10, cpuSeconds: 102, disk: new DiskUsage("vda", 1100, 0, 11, 0), nic: new InterfaceUsage("tap0", null, 50, 40, 1, 1),
            extraDisk: new DiskUsage("vdf", 300, 400, 3, 4)));
        // A report older than the last one counted changes nothing.
        await ReportAsync(Usage(5, cpuSeconds: 101, disk: new DiskUsage("vda", 1050, 0, 10, 0), nic: null));
        var first = await MetricsAsync(period: "60");
        Assert.Equal(400, Single(first, "DiskReadBytes"));
        Assert.Equal(400, Single(first, "DiskWriteBytes"));
        Assert.Equal(50, Single(first, "NetworkIn"));
        Assert.Equal(10, Single(first, "CPUUtilization"), 3);

        // Stopped and started: a new domain id and counters from zero. Its CPU for that interval is unknown; its I/O is all new.
        _clock.Now = _clock.Now.AddMinutes(1);
        await ReportAsync(Usage(70, cpuSeconds: 1, disk: new DiskUsage("vda", 200, 0, 2, 0), nic: null, domainId: 8));
        var second = await MetricsAsync(period: "60");
        var reads = second.Metrics.Single(m => m.MetricName == "DiskReadBytes").Datapoints;
        Assert.Equal([400d, 200d], reads.Select(d => d.Value));
        Assert.Single(second.Metrics.Single(m => m.MetricName == "CPUUtilization").Datapoints);
    }

    [Fact]
    public async Task Given_minutes_of_datapoints_Then_a_longer_period_adds_them_up_and_the_window_bounds_them()
    {
        var start = _clock.Now;
        for (var i = 0; i <= 10; i++)
        {
            // 1 s of CPU per minute on 1 vCPU, 60 bytes read per minute.
            await ReportAsync(Usage(i * 60, cpuSeconds: i, disk: new DiskUsage("vda", i * 60L, 0, i, 0), nic: null, vcpus: 1));
            _clock.Now = _clock.Now.AddMinutes(1);
        }

        // The window is aligned to the period: 12:00:05 to 12:11:05 reads 12:00 to 12:15.
        var five = await MetricsAsync(period: "300", startTime: start.ToString("O"), endTime: start.AddMinutes(11).ToString("O"));
        var minute = start.AddSeconds(-5);
        Assert.Equal(minute, five.StartTime);
        Assert.Equal(minute.AddMinutes(15), five.EndTime);
        // Minute 0 holds only the first sample; minutes 1..4, 5..9 and 10 hold one interval each.
        Assert.Equal([240d, 300d, 60d], five.Metrics.Single(m => m.MetricName == "DiskReadBytes").Datapoints.Select(d => d.Value));
        Assert.Equal([minute, minute.AddMinutes(5), minute.AddMinutes(10)], five.Metrics.Single(m => m.MetricName == "DiskReadBytes").Datapoints.Select(d => d.Timestamp));
        Assert.All(five.Metrics.Single(m => m.MetricName == "CPUUtilization").Datapoints, d => Assert.Equal(100d / 60, d.Value, 3));

        var some = await MetricsAsync(period: "60", startTime: minute.AddMinutes(3).ToString("O"), endTime: minute.AddMinutes(5).ToString("O"),
            names: ["NetworkIn", "DiskReadOps"]);
        Assert.Equal(["NetworkIn", "DiskReadOps"], some.Metrics.Select(m => m.MetricName));
        Assert.Equal([1d, 1d], some.Metrics[1].Datapoints.Select(d => d.Value));
        Assert.Equal([0d, 0d], some.Metrics[0].Datapoints.Select(d => d.Value));

        // By default the last hour, 5-minute periods.
        var byDefault = await MetricsAsync();
        Assert.Equal(300, byDefault.Period);
        Assert.Equal(3, byDefault.Metrics.Single(m => m.MetricName == "DiskReadBytes").Datapoints.Count);
    }

    [Theory]
    [InlineData("30", null, null, null, "period")]
    [InlineData("90", null, null, null, "period")]
    [InlineData("abc", null, null, null, "period")]
    [InlineData("86460", null, null, null, "period")]
    [InlineData(null, "yesterday", null, null, "start_time")]
    [InlineData(null, null, "2026-13-01T00:00:00Z", null, "end_time")]
    [InlineData(null, "2026-11-25T12:00:00Z", "2026-11-25T11:00:00Z", null, "before")]
    [InlineData("60", "2026-11-20T00:00:00Z", "2026-11-25T00:00:00Z", null, "at most 1440")]
    [InlineData(null, null, null, "CPUUtilisation", "CPUUtilisation")]
    public async Task Given_bad_parameters_Then_they_are_refused_as_InvalidParameterValue(string? period, string? start, string? end, string? name, string mentioned)
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => MetricsAsync(period, start, end, name is null ? [] : [name]));
        Assert.Equal((400, "InvalidParameterValue"), (error.StatusCode, error.Code));
        Assert.Contains(mentioned, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_another_accounts_instance_or_a_bad_id_Then_it_is_not_found_or_malformed()
    {
        await ReportAsync(Usage(0, cpuSeconds: 1, disk: null, nic: null), instanceId: "i-0000000000000000b");
        var other = await Assert.ThrowsAsync<ApiException>(() => MetricsAsync(instanceId: "i-0000000000000000b"));
        Assert.Equal("InvalidInstanceID.NotFound", other.Code);
        var malformed = await Assert.ThrowsAsync<ApiException>(() => MetricsAsync(instanceId: "vol-1"));
        Assert.Equal("InvalidInstanceID.Malformed", malformed.Code);
    }

    [Fact]
    public async Task Given_old_datapoints_Then_housekeeping_prunes_them_after_the_retention()
    {
        await ReportAsync(Usage(0, cpuSeconds: 1, disk: null, nic: null));
        _clock.Now = _clock.Now.AddMinutes(1);
        await ReportAsync(Usage(60, cpuSeconds: 2, disk: null, nic: null));

        _clock.Now = _clock.Now.AddDays(1).AddSeconds(-30);
        Assert.Equal(1, (await HousekeepAsync()).DatapointsPruned);
        _clock.Now = _clock.Now.AddMinutes(1);
        Assert.Equal(new HousekeepingResult(0, 0, 1), await HousekeepAsync());
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ComputeDbContext>();
        Assert.Empty(await db.InstanceMetrics.ToListAsync());
        Assert.Empty(await db.InstanceUsageSamples.ToListAsync());
    }

    private static InstanceUsage Usage(int seconds, int cpuSeconds, DiskUsage? disk, InterfaceUsage? nic, int domainId = 7, int vcpus = 2, DiskUsage? extraDisk = null) =>
        new(Start.AddSeconds(seconds), vcpus, cpuSeconds * 1_000_000_000L, domainId, 131072, 90000, null,
            [.. new[] { disk, extraDisk }.OfType<DiskUsage>()], nic is null ? [] : [nic]);

    private async Task ReportAsync(InstanceUsage usage, string instanceId = Id)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ComputeDbContext>();
        var instances = await db.Instances.Where(i => i.HostId == "h-00000000000000001").ToListAsync();
        await scope.ServiceProvider.GetRequiredService<UsageRecorder>().RecordAsync(instances,
            [new InstanceReport(instanceId, ObservedPower.Running, Usage: usage)], _clock.Now, CancellationToken.None);
        await db.SaveChangesAsync();
    }

    private async Task<InstanceMetricsResponse> MetricsAsync(string? period = null, string? startTime = null, string? endTime = null,
        IReadOnlyList<string>? names = null, string instanceId = Id)
    {
        var request = new GetInstanceMetrics(instanceId, startTime, endTime, period, names ?? []);
        request.Validate();
        await using var scope = _services.CreateAsyncScope();
        var caller = new CallerContext();
        caller.Authenticate(new CallerIdentity(Account, $"arn:aws:iam::{Account}:root", Account, null, "AKIATEST"), new Dictionary<string, string>());
        return await new GetInstanceMetricsHandler(scope.ServiceProvider.GetRequiredService<ComputeDbContext>(), caller, _clock).Handle(request, CancellationToken.None);
    }

    private async Task<HousekeepingResult> HousekeepAsync()
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ComputeHousekeepingJob>().RunAsync(CancellationToken.None);
    }

    private static double Single(InstanceMetricsResponse response, string name) => response.Metrics.Single(m => m.MetricName == name).Datapoints.Single().Value;

    private static (string, string) Describe(InstanceMetricsResponse response, string name) =>
        response.Metrics.Single(m => m.MetricName == name) is var metric ? (metric.Unit, metric.Statistic) : default;

    private Instance Instance(string id, string account) => new()
    {
        Id = id,
        AccountId = account,
        InstanceType = "t3.micro",
        ImageId = "ami-0000000000000000c",
        ImageFormat = "kernel",
        State = InstanceStates.Running,
        HostId = "h-00000000000000001",
        AvailabilityZone = "us-east-1a",
        DesiredPower = DesiredPowers.Running,
        CreatedAt = _clock.Now.AddHours(-2),
    };

    private sealed class Clock : TimeProvider
    {
        public DateTime Now { get; set; } = new(2026, 11, 25, 12, 0, 5, DateTimeKind.Utc);

        public override DateTimeOffset GetUtcNow() => new(Now);
    }

    private sealed class NoJobs : IBackgroundJobClient
    {
        public string Create(Job job, IState state) => "none";

        public bool ChangeState(string jobId, IState state, string expectedState) => false;
    }
}
