using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Compute.AutoScaling.ScheduledActions;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Compute.Tests.AutoScaling;

/// <summary>
/// Scheduled actions: when they run (cron in UTC or a time zone, start and end times, daylight saving), the rules of
/// PutScheduledUpdateGroupAction, and the group job's application of a due occurrence on the module's real database
/// (SQLite file, migrations applied) with two runners that read the same rows: applied once, never undone by a rerun.
/// </summary>
public sealed class ScheduledActionTests : IAsyncLifetime
{
    private static readonly DateTime Noon = new(2027, 3, 10, 12, 0, 0, DateTimeKind.Utc);

    private readonly string _directory = Directory.CreateTempSubdirectory("compute-scheduled-").FullName;
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
        await InScopeAsync(async db =>
        {
            await db.Database.MigrateAsync();
            db.ScalingGroups.Add(new ScalingGroup
            {
                Id = "group-1",
                AccountId = "111111111111",
                Name = "web",
                LaunchTemplateId = "lt-1",
                LaunchTemplateVersion = "$Latest",
                MinSize = 1,
                MaxSize = 3,
                DesiredCapacity = 1,
            });
            await db.SaveChangesAsync();
            return 0;
        });
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

    private static ScheduledActionSettings Settings(string name = "a", DateTime? start = null, DateTime? end = null, string? recurrence = null, string? zone = null,
        int? min = null, int? max = null, int? desired = null) => new(name, start, end, recurrence, zone, min, max, desired);

    [Fact]
    public void Given_a_recurrence_in_UTC_Then_occurrences_follow_the_cron_from_the_start_time_until_the_end_time()
    {
        Assert.Equal(Noon.AddMinutes(30), ScheduleClock.First(null, null, "30 * * * *", null, Noon));
        Assert.Equal(Noon, ScheduleClock.First(null, null, "0 12 * * *", null, Noon));
        Assert.Equal(Noon.AddDays(2).AddHours(-3), ScheduleClock.First(Noon.AddDays(1), null, "0 9 * * *", null, Noon));
        Assert.Null(ScheduleClock.First(null, Noon.AddMinutes(10), "30 * * * *", null, Noon));
        Assert.Equal(Noon.AddMinutes(5), ScheduleClock.First(Noon.AddMinutes(5), null, null, null, Noon));

        // After an occurrence applied late (an outage): the next one after now, not the missed ones.
        Assert.Equal(Noon.AddHours(1), ScheduleClock.After(null, "0 * * * *", null, Noon.AddMinutes(59)));
        Assert.Equal(Noon.AddHours(1), ScheduleClock.After(null, "0 * * * *", null, Noon));
        Assert.Null(ScheduleClock.After(Noon.AddMinutes(30), "0 * * * *", null, Noon));
        Assert.Null(ScheduleClock.After(null, null, null, Noon));

        // Monday to Friday at 08:00.
        var friday = new DateTime(2027, 3, 12, 9, 0, 0, DateTimeKind.Utc);
        Assert.Equal(new DateTime(2027, 3, 15, 8, 0, 0, DateTimeKind.Utc), ScheduleClock.After(null, "0 8 * * MON-FRI", null, friday));
    }

    [Fact]
    public void Given_a_time_zone_Then_the_cron_is_read_in_local_time_across_daylight_saving()
    {
        // 09:00 in New York: 14:00 UTC in winter (EST), 13:00 UTC after the change on 2027-03-14 (EDT).
        var winter = ScheduleClock.First(null, null, "0 9 * * *", "America/New_York", new DateTime(2027, 3, 12, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(new DateTime(2027, 3, 12, 14, 0, 0, DateTimeKind.Utc), winter);
        var summer = ScheduleClock.After(null, "0 9 * * *", "America/New_York", new DateTime(2027, 3, 14, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(new DateTime(2027, 3, 14, 13, 0, 0, DateTimeKind.Utc), summer);

        // 02:30 does not exist on the day of the change: it runs at the jump (03:00 EDT, 07:00 UTC), once.
        var skipped = ScheduleClock.After(null, "30 2 * * *", "America/New_York", new DateTime(2027, 3, 14, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(new DateTime(2027, 3, 14, 7, 0, 0, DateTimeKind.Utc), skipped);
        Assert.Equal(new DateTime(2027, 3, 15, 6, 30, 0, DateTimeKind.Utc), ScheduleClock.After(null, "30 2 * * *", "America/New_York", skipped!.Value));
    }

    [Theory]
    [InlineData("* * * *")]
    [InlineData("61 * * * *")]
    [InlineData("0 25 * * *")]
    [InlineData("every day")]
    [InlineData("0 0 * * * *")]
    public void Given_a_malformed_recurrence_Then_it_is_a_ValidationError(string recurrence)
    {
        var error = Assert.Throws<ApiException>(() => Settings(recurrence: recurrence, desired: 1).Validate());
        Assert.Equal(("ValidationError", 400), (error.Code, error.StatusCode));
    }

    [Fact]
    public void Given_bad_settings_Then_each_is_a_ValidationError_in_Auto_Scalings_words()
    {
        string Refused(ScheduledActionSettings settings)
        {
            var error = Assert.Throws<ApiException>(settings.Validate);
            Assert.Equal("ValidationError", error.Code);
            return error.Message;
        }

        Assert.Contains("At least one of MinSize, MaxSize or DesiredCapacity", Refused(Settings(start: Noon)), StringComparison.Ordinal);
        Assert.Contains("Either StartTime or Recurrence", Refused(Settings(desired: 1)), StringComparison.Ordinal);
        Assert.Equal("Max bound, 1, must be greater than or equal to min bound, 2", Refused(Settings(start: Noon, min: 2, max: 1)));
        Assert.Contains("Desired capacity:5", Refused(Settings(start: Noon, max: 3, desired: 5)), StringComparison.Ordinal);
        Assert.Contains("from 0 to", Refused(Settings(start: Noon, desired: -1)), StringComparison.Ordinal);
        Assert.Contains("time zone", Refused(Settings(recurrence: "0 9 * * *", zone: "Mars/Olympus", desired: 1)), StringComparison.Ordinal);
        Assert.Contains("recurring", Refused(Settings(start: Noon, end: Noon.AddHours(1), desired: 1)), StringComparison.Ordinal);
        Assert.Contains("after the start", Refused(Settings(start: Noon, end: Noon, recurrence: "0 * * * *", desired: 1)), StringComparison.Ordinal);
        Assert.Contains("scheduled_action_name", Refused(Settings(name: "", start: Noon, desired: 1)), StringComparison.Ordinal);
        Settings(recurrence: "0 9 * * MON-FRI", zone: "Europe/Paris", min: 0, max: 2).Validate();

        var past = Assert.Throws<ApiException>(() => Settings(start: Noon.AddSeconds(-1), desired: 1).FirstRun(Noon));
        Assert.Equal("Given start time is in the past.", past.Message);
        Assert.Throws<ApiException>(() => Settings(recurrence: "0 * * * *", end: Noon.AddSeconds(-1), desired: 1).FirstRun(Noon));
        Assert.Throws<ApiException>(() => Settings(recurrence: "0 0 1 1 *", end: Noon.AddDays(1), desired: 1).FirstRun(Noon));
        Assert.Equal(Noon.AddHours(1), Settings(recurrence: "0 * * * *", desired: 1).FirstRun(Noon.AddMinutes(1)));
    }

    [Fact]
    public async Task Given_two_runners_that_read_the_same_due_occurrence_Then_it_is_applied_once_and_a_later_hand_change_is_not_undone()
    {
        await InScopeAsync(async db =>
        {
            db.ScheduledActions.Add(new ScheduledAction
            {
                Id = "action-1",
                GroupId = "group-1",
                AccountId = "111111111111",
                Name = "hourly",
                Recurrence = "0 * * * *",
                MaxSize = 5,
                DesiredCapacity = 4,
                NextRunAt = Noon,
            });
            return await db.SaveChangesAsync();
        });

        await using var first = _services.CreateAsyncScope();
        await using var second = _services.CreateAsyncScope();
        var dbA = first.ServiceProvider.GetRequiredService<ComputeDbContext>();
        var dbB = second.ServiceProvider.GetRequiredService<ComputeDbContext>();
        var groupA = await dbA.ScalingGroups.SingleAsync();
        var groupB = await dbB.ScalingGroups.SingleAsync();
        var now = Noon.AddSeconds(7);
        var dueB = Assert.Single(await ScheduledActionRunner.DueAsync(dbB, groupB, now, CancellationToken.None));

        Assert.Equal(1, await ScheduledActionRunner.ApplyDueAsync(dbA, groupA, now, suspended: false, CancellationToken.None));
        var applied = await InScopeAsync(db => db.ScalingGroups.AsNoTracking().SingleAsync());
        Assert.Equal((1, 5, 4), (applied.MinSize, applied.MaxSize, applied.DesiredCapacity));
        Assert.Equal("At 2027-03-10T12:00:00Z a scheduled action update of AutoScalingGroup constraints to min: 1, max: 5, desired: 4 changing the desired capacity from 1 to 4.",
            applied.CapacityChangeCause);
        var moved = await InScopeAsync(db => db.ScheduledActions.AsNoTracking().SingleAsync());
        Assert.Equal((Noon, Noon.AddHours(1)), (moved.LastRunAt, moved.NextRunAt));

        // The user sets the capacity by hand; the second runner, which read the occurrence before, must not apply it again.
        await InScopeAsync(db => db.ScalingGroups.Where(g => g.Id == "group-1")
            .ExecuteUpdateAsync(s => s.SetProperty(g => g.DesiredCapacity, 2).SetProperty(g => g.Revision, g => g.Revision + 1)));
        Assert.Equal(Noon, dueB.NextRunAt);
        await Assert.ThrowsAnyAsync<DbUpdateConcurrencyException>(() => ScheduledActionRunner.ApplyAsync(dbB, groupB, [dueB], now, suspended: false, CancellationToken.None));
        Assert.Equal(2, (await InScopeAsync(db => db.ScalingGroups.AsNoTracking().SingleAsync())).DesiredCapacity);

        // A rerun in a fresh scope at the same time finds nothing due.
        Assert.Equal(0, await InScopeAsync(async db => await ScheduledActionRunner.ApplyDueAsync(db, await db.ScalingGroups.SingleAsync(), now, false, CancellationToken.None)));
        Assert.Equal(2, (await InScopeAsync(db => db.ScalingGroups.AsNoTracking().SingleAsync())).DesiredCapacity);

        // Suspended over the next occurrence: passed over, not applied later.
        Assert.Equal(0, await InScopeAsync(async db => await ScheduledActionRunner.ApplyDueAsync(db, await db.ScalingGroups.SingleAsync(), Noon.AddHours(1), true, CancellationToken.None)));
        Assert.Equal(0, await InScopeAsync(async db => await ScheduledActionRunner.ApplyDueAsync(db, await db.ScalingGroups.SingleAsync(), Noon.AddHours(1).AddSeconds(5), false, CancellationToken.None)));
        Assert.Equal(2, (await InScopeAsync(db => db.ScalingGroups.AsNoTracking().SingleAsync())).DesiredCapacity);

        // The next hour applies again; eight runners racing from one read apply it once.
        var at = Noon.AddHours(2);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            try
            {
                return await InScopeAsync(async db => await ScheduledActionRunner.ApplyDueAsync(db, await db.ScalingGroups.SingleAsync(), at, false, CancellationToken.None));
            }
            catch (DbUpdateConcurrencyException)
            {
                return 0;
            }
        })));
        Assert.Equal(1, results.Sum());
        var last = await InScopeAsync(db => db.ScheduledActions.AsNoTracking().SingleAsync());
        Assert.Equal((at, at.AddHours(1)), (last.LastRunAt, last.NextRunAt));
        Assert.Equal(4, (await InScopeAsync(db => db.ScalingGroups.AsNoTracking().SingleAsync())).DesiredCapacity);
    }

    [Fact]
    public async Task Given_a_one_time_action_Then_it_is_deleted_once_applied_and_contradicting_sizes_give_a_failed_activity()
    {
        await InScopeAsync(async db =>
        {
            db.ScheduledActions.Add(new ScheduledAction { Id = "once", GroupId = "group-1", AccountId = "111111111111", Name = "once", StartTime = Noon, MinSize = 0, DesiredCapacity = 0, NextRunAt = Noon });
            db.ScheduledActions.Add(new ScheduledAction { Id = "bad", GroupId = "group-1", AccountId = "111111111111", Name = "bad", StartTime = Noon.AddMinutes(1), MinSize = 9, NextRunAt = Noon.AddMinutes(1) });
            return await db.SaveChangesAsync();
        });

        Assert.Equal(1, await InScopeAsync(async db => await ScheduledActionRunner.ApplyDueAsync(db, await db.ScalingGroups.SingleAsync(), Noon, false, CancellationToken.None)));
        Assert.Equal((0, 3, 0), await InScopeAsync(async db => await db.ScalingGroups.Select(g => ValueTuple.Create(g.MinSize, g.MaxSize, g.DesiredCapacity)).SingleAsync()));
        Assert.Equal(["bad"], await InScopeAsync(db => db.ScheduledActions.Select(a => a.Name).ToListAsync()));

        // min 9 above max 3: nothing changes, a failed activity says why, and the action is gone (it was one-time).
        Assert.Equal(0, await InScopeAsync(async db => await ScheduledActionRunner.ApplyDueAsync(db, await db.ScalingGroups.SingleAsync(), Noon.AddMinutes(2), false, CancellationToken.None)));
        Assert.Equal((0, 3, 0), await InScopeAsync(async db => await db.ScalingGroups.Select(g => ValueTuple.Create(g.MinSize, g.MaxSize, g.DesiredCapacity)).SingleAsync()));
        var failed = await InScopeAsync(db => db.ScalingActivities.AsNoTracking().SingleAsync());
        Assert.Equal(("Failed", "Executing scheduled action bad"), (failed.StatusCode, failed.Description));
        Assert.Empty(await InScopeAsync(db => db.ScheduledActions.ToListAsync()));
    }

    private sealed class NoJobs : IBackgroundJobClient
    {
        public string Create(Job job, IState state) => "none";

        public bool ChangeState(string jobId, IState state, string expectedState) => false;
    }
}
