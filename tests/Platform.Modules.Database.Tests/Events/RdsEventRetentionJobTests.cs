using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Events;
using Platform.Modules.Database.Instances;

namespace Platform.Modules.Database.Tests.Events;

/// <summary>
/// RDS events against the module's real SQLite schema: a state change saved records its event in the same save (and a
/// save that fails records none), and the retention job drops events older than 14 days, run twice or on two replicas at once.
/// </summary>
public sealed class RdsEventRetentionJobTests : IDisposable
{
    private readonly ModuleDatabaseFile _database = new();

    [Fact]
    public async Task Given_events_of_several_ages_When_the_job_runs_twice_and_at_once_Then_those_past_14_days_go_once_and_the_rest_stay()
    {
        var now = new DateTimeOffset(2026, 12, 20, 12, 0, 0, TimeSpan.Zero);
        await using (var db = _database.Open())
        {
            foreach (var age in new[] { 30, 15, 14.1, 13.9, 1 })
            {
                db.Events.Add(new DbEvent
                {
                    AccountId = "123456789012", SourceType = "db-instance", SourceIdentifier = $"aged-{age}", Message = "DB instance created", Categories = "creation",
                    Date = now.UtcDateTime.AddDays(-age),
                });
            }

            await db.SaveChangesAsync();
        }

        var clock = new FixedClock(now);
        await using (var first = _database.Open())
        await using (var second = _database.Open())
        {
            var removed = await Task.WhenAll(new RdsEventRetentionJob(first, clock).RunAsync(CancellationToken.None),
                new RdsEventRetentionJob(second, clock).RunAsync(CancellationToken.None));
            Assert.Equal(3, removed.Sum());
        }

        await using (var db = _database.Open())
        {
            Assert.Equal(0, await new RdsEventRetentionJob(db, clock).RunAsync(CancellationToken.None));
        }

        await using var check = _database.Open();
        Assert.Equal(["aged-1", "aged-13.9"], (await check.Events.Select(e => e.SourceIdentifier).ToListAsync()).Order());
    }

    [Fact]
    public async Task Given_a_status_change_When_saved_Then_its_event_is_written_with_it_and_a_failed_save_writes_none()
    {
        var instance = TestInstances.New(status: DbInstanceStatus.Creating);
        await using (var db = _database.Open())
        {
            db.Instances.Add(instance);
            await db.SaveChangesAsync();
        }

        await using (var db = _database.Open())
        {
            var tracked = await db.Instances.SingleAsync(i => i.ResourceId == instance.ResourceId);
            tracked.Status = DbInstanceStatus.Available;
            await db.SaveChangesAsync();

            // Saved again with nothing changed: no second event.
            await db.SaveChangesAsync();
        }

        await using (var db = _database.Open(new FailInstanceUpdates()))
        {
            // A save whose instance update fails (a fault the database cannot be made to have here, so an interceptor raises it)
            // takes its event with it: both are in the save's one transaction.
            var tracked = await db.Instances.SingleAsync(i => i.ResourceId == instance.ResourceId);
            tracked.Status = DbInstanceStatus.BackingUp;
            await Assert.ThrowsAnyAsync<Exception>(() => db.SaveChangesAsync());
        }

        await using var check = _database.Open();
        var recorded = Assert.Single(await check.Events.ToListAsync());
        Assert.Equal(("db-instance", instance.Identifier, "DB instance created", "creation"), (recorded.SourceType, recorded.SourceIdentifier, recorded.Message, recorded.Categories));
    }

    public void Dispose() => _database.Dispose();

    private sealed class FailInstanceUpdates : Microsoft.EntityFrameworkCore.Diagnostics.DbCommandInterceptor
    {
        public override ValueTask<Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<System.Data.Common.DbDataReader>> ReaderExecutingAsync(
            System.Data.Common.DbCommand command, Microsoft.EntityFrameworkCore.Diagnostics.CommandEventData eventData,
            Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<System.Data.Common.DbDataReader> result, CancellationToken cancellationToken = default) =>
            command.CommandText.Contains("UPDATE \"rds_db_instances\"", StringComparison.Ordinal)
                ? throw new InvalidOperationException("injected: the instance's update fails")
                : base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }
}
