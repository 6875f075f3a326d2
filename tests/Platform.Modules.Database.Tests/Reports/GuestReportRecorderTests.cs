using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.HostAgent.Protocol;
using Platform.Modules.Database.Backups;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Reports;

namespace Platform.Modules.Database.Tests.Reports;

/// <summary>Backup results from the guest's reports: complete only with success and a label; a failed daily backup is asked for again.</summary>
public sealed class GuestReportRecorderTests : IDisposable
{
    private readonly ModuleDatabaseFile _database = new();
    private readonly FixedClock _clock = new(new DateTimeOffset(2026, 12, 5, 3, 10, 0, TimeSpan.Zero));

    [Fact]
    public async Task Given_a_backup_reported_without_a_label_Then_it_is_not_complete_and_a_failed_one_is_asked_for_again_the_same_day()
    {
        var instance = TestInstances.New();
        await using (var db = _database.Open())
        {
            db.Instances.Add(instance);
            await db.SaveChangesAsync();
            await new AutomatedBackupJob(db, _clock).RunAsync(CancellationToken.None);
        }

        var operationId = await OpenOperationAsync(instance.ResourceId);
        await RecordAsync(instance.ResourceId, new DatabaseReport(DatabaseState.Available, 1));
        Assert.Equal(DbInstanceStatus.BackingUp, await StatusAsync(instance.ResourceId));

        // "Succeeded" with no label names no backup set: a crash between the two must not list a backup as complete.
        await RecordAsync(instance.ResourceId, new DatabaseReport(DatabaseState.Available, 1, Operations: [new DatabaseOperationResult(operationId, true)]));
        await using (var db = _database.Open())
        {
            Assert.DoesNotContain(await db.BackupOperations.ToListAsync(), o => o.Succeeded == true);
            Assert.Equal(DbInstanceStatus.Available, (await db.Instances.SingleAsync()).Status);
        }

        // The day's backup failed: the lease is gone, and the job asks again within the window.
        _clock.Now = _clock.Now.AddMinutes(5);
        await using (var db = _database.Open())
        {
            Assert.Equal(0, await db.BackupOperations.CountAsync());
            Assert.Equal(1, await new AutomatedBackupJob(db, _clock).RunAsync(CancellationToken.None));
        }

        var retry = await OpenOperationAsync(instance.ResourceId);
        Assert.NotEqual(operationId, retry);
        var report = new DatabaseReport(DatabaseState.Available, 1, Operations: [new DatabaseOperationResult(retry, true, BackupLabel: "20261205-031500F")]);
        await RecordAsync(instance.ResourceId, report);
        await RecordAsync(instance.ResourceId, report);
        await using (var db = _database.Open())
        {
            var done = await db.BackupOperations.SingleAsync();
            Assert.True(done.Succeeded);
            Assert.Equal("20261205-031500F", done.BackupLabel);
            Assert.Equal(DbInstanceStatus.Available, (await db.Instances.SingleAsync()).Status);
        }
    }

    [Fact]
    public async Task Given_a_report_for_an_unknown_instance_Then_nothing_happens()
    {
        await RecordAsync("db-NOSUCHINSTANCE0000000000000", new DatabaseReport(DatabaseState.Failed, 5));
        await using var db = _database.Open();
        Assert.Equal(0, await db.Instances.CountAsync());
    }

    private async Task RecordAsync(string resourceId, DatabaseReport report)
    {
        await using var db = _database.Open();
        await new GuestReportRecorder(db, _clock, NullLogger<GuestReportRecorder>.Instance).RecordAsync(resourceId, report, CancellationToken.None);
    }

    private async Task<string> OpenOperationAsync(string resourceId)
    {
        await using var db = _database.Open();
        return await db.BackupOperations.Where(o => o.ResourceId == resourceId && o.CompletedAt == null).Select(o => o.OperationId).SingleAsync();
    }

    private async Task<string> StatusAsync(string resourceId)
    {
        await using var db = _database.Open();
        return await db.Instances.Where(i => i.ResourceId == resourceId).Select(i => i.Status).SingleAsync();
    }

    public void Dispose() => _database.Dispose();
}
