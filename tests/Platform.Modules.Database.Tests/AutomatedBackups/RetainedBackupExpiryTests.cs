using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.AutomatedBackups;
using Platform.Modules.Database.Backups;
using Platform.Modules.Database.Persistence;

namespace Platform.Modules.Database.Tests.AutomatedBackups;

/// <summary>
/// A deleted instance's retained automated backups: their restore window shrinks as the retention period passes, and the
/// backup job forgets them once nothing in it is left, however often it runs.
/// </summary>
public sealed class RetainedBackupExpiryTests : IDisposable
{
    private static readonly DateTime Latest = new(2026, 12, 5, 12, 0, 0, DateTimeKind.Utc);

    private readonly ModuleDatabaseFile _database = new();

    [Theory]
    [InlineData(1, 0, "2026-12-04T12:00:00", "2026-12-05T12:00:00")]
    [InlineData(3, 10, "2026-12-02T22:00:00", "2026-12-05T12:00:00")]
    [InlineData(7, 24, "2026-11-29T12:00:00", "2026-12-05T12:00:00")]
    [InlineData(7, 24 * 8, "2026-12-06T12:00:00", null)]
    [InlineData(1, 24 + 1, "2026-12-05T13:00:00", null)]
    public void Given_a_retained_backup_Then_its_window_starts_a_retention_before_now_and_is_gone_after_its_latest_time(
        int retentionDays, int hoursAfterLatest, string expectedEarliest, string? expectedLatest)
    {
        var backup = Retained("db-A", retentionDays, earliest: Latest.AddDays(-10));
        var window = DbInstanceAutomatedBackupResponse.RetainedWindow(backup, Latest.AddHours(hoursAfterLatest));
        if (expectedLatest is null)
        {
            Assert.Null(window);
            return;
        }

        Assert.Equal(DateTime.Parse(expectedEarliest, System.Globalization.CultureInfo.InvariantCulture), window!.Value.Earliest);
        Assert.Equal(Latest, window.Value.Latest);
    }

    [Fact]
    public void Given_a_window_the_guest_reported_later_than_the_retention_allows_Then_the_guest_s_earliest_time_stands()
    {
        var backup = Retained("db-B", 7, earliest: Latest.AddHours(-2));
        Assert.Equal(Latest.AddHours(-2), DbInstanceAutomatedBackupResponse.RetainedWindow(backup, Latest.AddHours(1))!.Value.Earliest);
    }

    [Fact]
    public async Task Given_the_job_run_twice_at_once_after_a_retention_passed_Then_only_the_expired_retained_backup_is_forgotten()
    {
        await using (var db = _database.Open())
        {
            db.RetainedBackups.AddRange(Retained("db-SHORT", 1, Latest.AddDays(-1)), Retained("db-LONG", 7, Latest.AddDays(-1)));
            await db.SaveChangesAsync();
        }

        var clock = new FixedClock(new DateTimeOffset(Latest.AddDays(2)));
        var runs = Enumerable.Range(0, 2).Select(async _ =>
        {
            await using var db = _database.Open();
            await new AutomatedBackupJob(db, clock).RunAsync(CancellationToken.None);
        });
        await Task.WhenAll(runs);

        await using var check = _database.Open();
        Assert.Equal(["db-LONG"], await check.RetainedBackups.Select(r => r.ResourceId).ToListAsync());
    }

    public void Dispose() => _database.Dispose();

    private static DbRetainedBackup Retained(string resourceId, int retentionDays, DateTime earliest) => new()
    {
        ResourceId = resourceId,
        AccountId = "123456789012",
        InstanceIdentifier = "gone",
        Engine = "postgres",
        EngineVersion = "15",
        InstanceClass = "db.t3.micro",
        AllocatedStorage = 5,
        MasterUsername = "app",
        MasterPasswordProtected = "x",
        Port = 5432,
        VpcId = "vpc-1",
        SubnetGroupName = "net",
        SecurityGroupIds = "sg-1",
        ParameterGroupName = "default.postgres15",
        BackupRetentionPeriod = retentionDays,
        PreferredBackupWindow = "03:00-03:30",
        PreferredMaintenanceWindow = "sun:05:00-sun:05:30",
        EarliestRestorableTime = earliest,
        LatestRestorableTime = Latest,
        InstanceCreateTime = earliest,
        BackupCipherProtected = "x",
        RetainedAt = Latest,
    };
}
