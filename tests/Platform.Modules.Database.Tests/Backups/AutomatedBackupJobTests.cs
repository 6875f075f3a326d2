using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Backups;
using Platform.Modules.Database.Instances;

namespace Platform.Modules.Database.Tests.Backups;

/// <summary>The daily backup job against the module's real SQLite schema: one backup per instance and day, however often it runs, and where.</summary>
public sealed class AutomatedBackupJobTests : IDisposable
{
    private readonly ModuleDatabaseFile _database = new();

    [Fact]
    public async Task Given_the_job_run_twice_in_the_window_Then_one_backup_is_asked_for()
    {
        var instance = TestInstances.New(window: "03:00-03:30");
        await using (var db = _database.Open())
        {
            db.Instances.Add(instance);
            await db.SaveChangesAsync();
        }

        var clock = new FixedClock(new DateTimeOffset(2026, 12, 5, 3, 10, 0, TimeSpan.Zero));
        await using (var db = _database.Open())
        {
            Assert.Equal(1, await new AutomatedBackupJob(db, clock).RunAsync(CancellationToken.None));
        }

        clock.Now = clock.Now.AddMinutes(5);
        await using (var db = _database.Open())
        {
            Assert.Equal(0, await new AutomatedBackupJob(db, clock).RunAsync(CancellationToken.None));
        }

        await using var check = _database.Open();
        var operation = Assert.Single(await check.BackupOperations.ToListAsync());
        Assert.Equal(new DateOnly(2026, 12, 5), operation.ScheduledDay);
        Assert.Equal("FullBackup", operation.Kind);
        Assert.Null(operation.CompletedAt);
    }

    [Fact]
    public async Task Given_two_replicas_running_the_job_at_once_Then_one_backup_is_asked_for_per_instance()
    {
        var instances = Enumerable.Range(0, 6).Select(_ => TestInstances.New(window: "23:45-00:30")).ToList();
        await using (var db = _database.Open())
        {
            db.Instances.AddRange(instances);
            await db.SaveChangesAsync();
        }

        // Past midnight: the window began the day before, and that day's backup is the one.
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 6, 0, 5, 0, TimeSpan.Zero));
        var runs = Enumerable.Range(0, 2).Select(async _ =>
        {
            await using var db = _database.Open();
            return await new AutomatedBackupJob(db, clock).RunAsync(CancellationToken.None);
        }).ToList();
        var asked = (await Task.WhenAll(runs)).Sum();

        await using var check = _database.Open();
        var operations = await check.BackupOperations.ToListAsync();
        Assert.Equal(instances.Count, operations.Count);
        Assert.Equal(instances.Count, asked);
        Assert.All(operations, o => Assert.Equal(new DateOnly(2026, 12, 5), o.ScheduledDay));
        Assert.Equal(instances.Select(i => i.ResourceId).Order(), operations.Select(o => o.ResourceId).Order());
    }

    [Theory]
    [InlineData("03:00-03:30", 2, 59, 0)]
    [InlineData("03:00-03:30", 3, 30, 0)]
    [InlineData("03:00-03:30", 3, 0, 1)]
    [InlineData("23:45-00:30", 23, 50, 1)]
    [InlineData("23:45-00:30", 0, 29, 1)]
    [InlineData("23:45-00:30", 0, 30, 0)]
    public async Task Given_a_time_Then_a_backup_is_asked_for_only_inside_the_window(string window, int hour, int minute, int expected)
    {
        await using (var db = _database.Open())
        {
            // Backed up before (it has a restorable window): only its window brings the next backup.
            db.Instances.Add(TestInstances.New(window: window, earliestRestorable: new DateTime(2026, 12, 4, 3, 20, 0, DateTimeKind.Utc)));
            await db.SaveChangesAsync();
        }

        await using var run = _database.Open();
        Assert.Equal(expected, await new AutomatedBackupJob(run, new FixedClock(new DateTimeOffset(2026, 12, 5, hour, minute, 0, TimeSpan.Zero))).RunAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData(0, DbInstanceStatus.Available)]
    [InlineData(7, DbInstanceStatus.Creating)]
    [InlineData(7, DbInstanceStatus.Stopped)]
    [InlineData(7, DbInstanceStatus.Deleting)]
    [InlineData(7, DbInstanceStatus.Failed)]
    public async Task Given_backups_off_or_an_instance_not_running_Then_no_backup_is_asked_for(int retention, string status)
    {
        await using (var db = _database.Open())
        {
            db.Instances.Add(TestInstances.New(status: status, retention: retention));
            await db.SaveChangesAsync();
        }

        await using var run = _database.Open();
        Assert.Equal(0, await new AutomatedBackupJob(run, new FixedClock(new DateTimeOffset(2026, 12, 5, 3, 10, 0, TimeSpan.Zero))).RunAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Given_the_next_day_Then_another_backup_is_asked_for_and_old_completed_ones_are_pruned_by_the_retention()
    {
        var instance = TestInstances.New(retention: 1);
        await using (var db = _database.Open())
        {
            db.Instances.Add(instance);
            await db.SaveChangesAsync();
        }

        var clock = new FixedClock(new DateTimeOffset(2026, 12, 5, 3, 10, 0, TimeSpan.Zero));
        await using (var db = _database.Open())
        {
            await new AutomatedBackupJob(db, clock).RunAsync(CancellationToken.None);
            var first = await db.BackupOperations.SingleAsync();
            first.CompletedAt = clock.Now.UtcDateTime.AddMinutes(10);
            first.Succeeded = true;
            first.BackupLabel = "20261205-031000F";
            await db.SaveChangesAsync();
        }

        clock.Now = clock.Now.AddDays(1);
        await using (var db = _database.Open())
        {
            Assert.Equal(1, await new AutomatedBackupJob(db, clock).RunAsync(CancellationToken.None));
        }

        // 2026-12-05's completed backup is more than a day old by 2026-12-07's run: its bookkeeping goes.
        clock.Now = clock.Now.AddDays(1);
        await using (var db = _database.Open())
        {
            await new AutomatedBackupJob(db, clock).RunAsync(CancellationToken.None);
            var days = await db.BackupOperations.Select(o => o.ScheduledDay).ToListAsync();
            Assert.DoesNotContain(new DateOnly(2026, 12, 5), days);
            Assert.Contains(new DateOnly(2026, 12, 6), days);
            Assert.Contains(new DateOnly(2026, 12, 7), days);
        }
    }

    [Fact]
    public async Task Given_a_new_instance_outside_its_window_Then_its_first_backup_is_asked_for_at_once_and_once_by_two_replicas_running_twice()
    {
        var instance = TestInstances.New(window: "03:00-03:30");
        await using (var db = _database.Open())
        {
            db.Instances.Add(instance);
            await db.SaveChangesAsync();
        }

        var clock = new FixedClock(new DateTimeOffset(2026, 12, 5, 14, 0, 0, TimeSpan.Zero));
        var runs = Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var db = _database.Open();
            return await new AutomatedBackupJob(db, clock).RunAsync(CancellationToken.None);
        }).ToList();
        Assert.Equal(1, (await Task.WhenAll(runs)).Sum());

        await using (var db = _database.Open())
        {
            var operation = Assert.Single(await db.BackupOperations.ToListAsync());
            Assert.Equal(new DateOnly(2026, 12, 5), operation.ScheduledDay);
            Assert.Equal("FullBackup", operation.Kind);
            Assert.Equal(new DateOnly(2026, 12, 5), (await db.Instances.SingleAsync()).LastBackupDay);
        }

        // Still running at midnight, and the next day's window not open yet: no second first backup beside it.
        clock.Now = new DateTimeOffset(2026, 12, 6, 0, 10, 0, TimeSpan.Zero);
        await using (var db = _database.Open())
        {
            Assert.Equal(0, await new AutomatedBackupJob(db, clock).RunAsync(CancellationToken.None));
        }

        // Done, and the guest reported its restorable window: the next backup is the window's.
        await using (var db = _database.Open())
        {
            var operation = await db.BackupOperations.SingleAsync();
            operation.CompletedAt = clock.Now.UtcDateTime;
            operation.Succeeded = true;
            operation.BackupLabel = "20261205-140000F";
            (await db.Instances.SingleAsync()).EarliestRestorableTime = new DateTime(2026, 12, 5, 14, 5, 0, DateTimeKind.Utc);
            await db.SaveChangesAsync();
        }

        clock.Now = new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero);
        await using (var db = _database.Open())
        {
            Assert.Equal(0, await new AutomatedBackupJob(db, clock).RunAsync(CancellationToken.None));
        }

        clock.Now = new DateTimeOffset(2026, 12, 6, 3, 5, 0, TimeSpan.Zero);
        await using (var db = _database.Open())
        {
            Assert.Equal(1, await new AutomatedBackupJob(db, clock).RunAsync(CancellationToken.None));
            Assert.Contains(new DateOnly(2026, 12, 6), await db.BackupOperations.Select(o => o.ScheduledDay).ToListAsync());
        }
    }

    [Fact]
    public async Task Given_a_new_instance_whose_window_opens_the_same_day_Then_its_first_backup_is_the_day_s_only_one()
    {
        await using (var db = _database.Open())
        {
            db.Instances.Add(TestInstances.New(window: "03:00-03:30"));
            await db.SaveChangesAsync();
        }

        var clock = new FixedClock(new DateTimeOffset(2026, 12, 5, 1, 0, 0, TimeSpan.Zero));
        await using (var db = _database.Open())
        {
            Assert.Equal(1, await new AutomatedBackupJob(db, clock).RunAsync(CancellationToken.None));
        }

        clock.Now = clock.Now.AddHours(2).AddMinutes(10);
        await using (var db = _database.Open())
        {
            Assert.Equal(0, await new AutomatedBackupJob(db, clock).RunAsync(CancellationToken.None));
        }
    }

    public void Dispose() => _database.Dispose();
}
