using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Compute.Alarms;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Compute.Tests.Alarms;

/// <summary>
/// What keeps two API replicas' alarm jobs from acting twice, on the module's real database (SQLite file, migrations
/// applied), with the interleaving forced rather than hoped for: runners that read the same version of an alarm record
/// its transition once and claim its actions once.
/// </summary>
public sealed class AlarmRaceTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("compute-alarms-").FullName;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Platform:DataDirectory"] = _directory }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IBackgroundJobClient, NoJobs>();
        services.AddOptions<PlatformOptions>().Bind(configuration.GetSection(PlatformOptions.SectionName));
        services.AddComputeModule(configuration);
        _services = services.BuildServiceProvider();
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ComputeDbContext>();
        await db.Database.MigrateAsync();
        db.MetricAlarms.Add(new MetricAlarm
        {
            Id = Guid.NewGuid().ToString(),
            AccountId = "111111111111",
            Name = "cpu-high",
            Namespace = "AWS/EC2",
            MetricName = "CPUUtilization",
            DimensionName = "AutoScalingGroupName",
            DimensionValue = "web",
            Statistic = "Average",
            Period = 60,
            EvaluationPeriods = 1,
            DatapointsToAlarm = 1,
            Threshold = 40,
            ComparisonOperator = AlarmComparisons.GreaterThanThreshold,
            TreatMissingData = MissingData.Missing,
            ActionsEnabled = true,
            AlarmActions = "[\"arn:aws:autoscaling:us-east-1:111111111111:scalingPolicy:0f8c9a3e-1b2c-4d5e-8f90-123456789abc:autoScalingGroupName/web:policyName/out\"]",
            StateValue = AlarmStates.InsufficientData,
            StateReason = "Unchecked: Initial alarm creation",
            Version = 1,
        });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<T> InScopeAsync<T>(Func<ComputeDbContext, Task<T>> work)
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<ComputeDbContext>());
    }

    [Fact]
    public async Task Given_two_runners_that_read_the_same_version_Then_the_transition_is_recorded_once_and_its_actions_claimed_once()
    {
        await using var first = _services.CreateAsyncScope();
        await using var second = _services.CreateAsyncScope();
        var dbA = first.ServiceProvider.GetRequiredService<ComputeDbContext>();
        var dbB = second.ServiceProvider.GetRequiredService<ComputeDbContext>();
        var seenByA = await dbA.MetricAlarms.SingleAsync();
        var seenByB = await dbB.MetricAlarms.SingleAsync();
        var now = DateTime.UtcNow;

        AlarmLookup.Transition(dbA, seenByA, AlarmStates.Alarm, "Threshold Crossed: a", null, now);
        await dbA.SaveChangesAsync();
        AlarmLookup.Transition(dbB, seenByB, AlarmStates.Alarm, "Threshold Crossed: b", null, now);
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => dbB.SaveChangesAsync());

        var (history, alarm) = await InScopeAsync(async db => (await db.AlarmHistory.CountAsync(h => h.HistoryItemType == HistoryItemTypes.StateUpdate),
            await db.MetricAlarms.AsNoTracking().SingleAsync()));
        Assert.Equal(1, history);
        Assert.Equal((AlarmStates.Alarm, "Threshold Crossed: a", AlarmStates.Alarm), (alarm.StateValue, alarm.StateReason, alarm.ActionsDueFor));

        // Two runners read the due actions at the same version: one claims them, the other gets nothing.
        var readByC = await InScopeAsync(db => db.MetricAlarms.AsNoTracking().SingleAsync());
        var readByD = await InScopeAsync(db => db.MetricAlarms.AsNoTracking().SingleAsync());
        Assert.True(await InScopeAsync(db => AlarmLookup.TryClaimActionsAsync(db, readByC, now, CancellationToken.None)));
        Assert.False(await InScopeAsync(db => AlarmLookup.TryClaimActionsAsync(db, readByD, now, CancellationToken.None)));
        var claimed = await InScopeAsync(db => db.MetricAlarms.AsNoTracking().SingleAsync());
        Assert.Null(claimed.ActionsDueFor);
        Assert.NotNull(claimed.LastActionAt);
        Assert.Equal(readByC.Version + 1, claimed.Version);

        // Eight at once from one read: exactly one.
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => InScopeAsync(db => AlarmLookup.TryClaimActionsAsync(db, claimed, now, CancellationToken.None)))));
        Assert.Equal(1, claims.Count(c => c));
    }

    private sealed class NoJobs : IBackgroundJobClient
    {
        public string Create(Job job, IState state) => "none";

        public bool ChangeState(string jobId, IState state, string expectedState) => false;
    }
}
