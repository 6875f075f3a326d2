using Platform.HostAgent.Protocol;
using Platform.Modules.Database.Instances;

namespace Platform.Modules.Database.Tests.Instances;

/// <summary>How a guest's report moves a DB instance: RDS's states, from the API's generation and the report's.</summary>
public sealed class DbInstanceLifecycleTests
{
    [Theory]
    [InlineData(DbInstanceStatus.Creating, DatabaseState.Creating, 0, false, DbInstanceStatus.Creating)]
    [InlineData(DbInstanceStatus.Creating, DatabaseState.Available, 1, false, DbInstanceStatus.Available)]
    [InlineData(DbInstanceStatus.Creating, DatabaseState.Available, 0, false, DbInstanceStatus.Creating)]
    [InlineData(DbInstanceStatus.Available, DatabaseState.Available, 1, true, DbInstanceStatus.BackingUp)]
    [InlineData(DbInstanceStatus.BackingUp, DatabaseState.Available, 1, false, DbInstanceStatus.Available)]
    [InlineData(DbInstanceStatus.Available, DatabaseState.StorageFull, 1, false, DbInstanceStatus.StorageFull)]
    [InlineData(DbInstanceStatus.StorageFull, DatabaseState.Available, 1, false, DbInstanceStatus.Available)]
    [InlineData(DbInstanceStatus.Creating, DatabaseState.Failed, 0, false, DbInstanceStatus.Failed)]
    [InlineData(DbInstanceStatus.Available, DatabaseState.Creating, 1, false, DbInstanceStatus.Available)]
    [InlineData(DbInstanceStatus.Stopped, DatabaseState.Available, 1, false, DbInstanceStatus.Stopped)]
    [InlineData(DbInstanceStatus.Deleting, DatabaseState.Available, 1, false, DbInstanceStatus.Deleting)]
    [InlineData(DbInstanceStatus.Stopping, DatabaseState.Failed, 1, false, DbInstanceStatus.Stopping)]
    [InlineData(DbInstanceStatus.Starting, DatabaseState.Creating, 1, false, DbInstanceStatus.Starting)]
    [InlineData(DbInstanceStatus.Starting, DatabaseState.Available, 1, false, DbInstanceStatus.Available)]
    [InlineData(DbInstanceStatus.Rebooting, DatabaseState.Creating, 1, false, DbInstanceStatus.Rebooting)]
    [InlineData(DbInstanceStatus.Rebooting, DatabaseState.Available, 1, false, DbInstanceStatus.Available)]
    [InlineData(DbInstanceStatus.Stopped, DatabaseState.Creating, 1, false, DbInstanceStatus.Stopped)]
    public void Given_a_report_Then_the_instance_takes_RDS_state(string before, DatabaseState reported, long applied, bool backupRunning, string after)
    {
        var instance = TestInstances.New(status: before);
        DbInstanceLifecycle.Apply(instance, new DatabaseReport(reported, applied), backupRunning);
        Assert.Equal(after, instance.Status);
    }

    [Fact]
    public void Given_a_modification_Then_the_instance_is_modifying_until_the_report_applies_its_generation()
    {
        var instance = TestInstances.New();
        instance.Generation = 3;
        instance.Status = DbInstanceStatus.Modifying;
        DbInstanceLifecycle.Apply(instance, new DatabaseReport(DatabaseState.Modifying, 2), backupRunning: false);
        Assert.Equal(DbInstanceStatus.Modifying, instance.Status);
        Assert.Equal(ParameterApplyStatus.Applying, instance.ParameterApplyStatus);
        DbInstanceLifecycle.Apply(instance, new DatabaseReport(DatabaseState.Available, 2), backupRunning: false);
        Assert.Equal(DbInstanceStatus.Modifying, instance.Status);
        DbInstanceLifecycle.Apply(instance, new DatabaseReport(DatabaseState.Available, 3, PendingReboot: true), backupRunning: false);
        Assert.Equal(DbInstanceStatus.Available, instance.Status);
        Assert.Equal(ParameterApplyStatus.PendingReboot, instance.ParameterApplyStatus);
        DbInstanceLifecycle.Apply(instance, new DatabaseReport(DatabaseState.Available, 3), backupRunning: false);
        Assert.Equal(ParameterApplyStatus.InSync, instance.ParameterApplyStatus);
    }

    [Fact]
    public void Given_reports_out_of_order_Then_the_restorable_time_and_applied_generation_never_go_back()
    {
        var instance = TestInstances.New();
        instance.Generation = 2;
        var t = new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
        DbInstanceLifecycle.Apply(instance, new DatabaseReport(DatabaseState.Available, 2, LatestRestorableTime: t), backupRunning: false);
        DbInstanceLifecycle.Apply(instance, new DatabaseReport(DatabaseState.Available, 1, LatestRestorableTime: t.AddMinutes(-5)), backupRunning: false);
        Assert.Equal(t.UtcDateTime, instance.LatestRestorableTime);
        Assert.Equal(2, instance.AppliedGeneration);
        Assert.Equal(DbInstanceStatus.Available, instance.Status);
    }

    [Fact]
    public void Given_a_report_of_a_generation_the_API_never_made_Then_it_counts_only_up_to_the_API_own()
    {
        var instance = TestInstances.New();
        instance.Generation = 2;
        DbInstanceLifecycle.Apply(instance, new DatabaseReport(DatabaseState.Available, 99), backupRunning: false);
        Assert.Equal(2, instance.AppliedGeneration);
    }

    [Theory]
    [InlineData(DbInstanceStatus.Available, false, true)]
    [InlineData(DbInstanceStatus.StorageFull, true, true)]
    [InlineData(DbInstanceStatus.StorageFull, false, false)]
    [InlineData(DbInstanceStatus.Creating, false, false)]
    [InlineData(DbInstanceStatus.Modifying, false, false)]
    [InlineData(DbInstanceStatus.BackingUp, false, false)]
    [InlineData(DbInstanceStatus.Deleting, true, false)]
    public void Given_a_state_Then_modification_is_allowed_as_RDS_allows_it(string status, bool growsStorage, bool allowed) =>
        Assert.Equal(allowed, DbInstanceLifecycle.CanModify(status, growsStorage));
}
