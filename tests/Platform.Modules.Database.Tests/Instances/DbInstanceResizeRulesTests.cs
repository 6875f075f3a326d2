using Platform.HostAgent.Protocol;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Instances.Resize;

namespace Platform.Modules.Database.Tests.Instances;

/// <summary>The resize's rules that need no guest: the maintenance window as a span of the week, and reports held off meanwhile.</summary>
public sealed class DbInstanceResizeRulesTests
{
    [Theory]
    [InlineData("sun:05:00-sun:05:30", "2026-12-06T05:10:00Z", true)] // 2026-12-06 is a Sunday
    [InlineData("sun:05:00-sun:05:30", "2026-12-06T05:30:00Z", false)]
    [InlineData("sun:05:00-sun:05:30", "2026-12-07T05:10:00Z", false)]
    [InlineData("sat:23:30-sun:00:30", "2026-12-06T00:10:00Z", true)]
    [InlineData("sat:23:30-sun:00:30", "2026-12-05T23:45:00Z", true)]
    [InlineData("sat:23:30-sun:00:30", "2026-12-05T23:00:00Z", false)]
    [InlineData("Mon:03:00-Mon:04:00", "2026-12-07T03:59:00Z", true)]
    [InlineData("garbage", "2026-12-07T03:59:00Z", false)]
    public void Given_a_maintenance_window_Then_an_instant_is_in_it_or_not(string window, string at, bool inside) =>
        Assert.Equal(inside, MaintenanceWindow.Contains(window, DateTime.Parse(at, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal)));

    [Fact]
    public void Given_a_resize_under_way_Then_a_report_of_the_applied_generation_keeps_the_instance_modifying()
    {
        var instance = TestInstances.New();
        instance.Generation = 2;
        instance.Status = DbInstanceStatus.Modifying;
        instance.ResizeApplying = true;
        DbInstanceLifecycle.Apply(instance, new DatabaseReport(DatabaseState.Available, 2), backupRunning: false);
        Assert.Equal(DbInstanceStatus.Modifying, instance.Status);

        instance.ResizeApplying = false;
        DbInstanceLifecycle.Apply(instance, new DatabaseReport(DatabaseState.Available, 2), backupRunning: false);
        Assert.Equal(DbInstanceStatus.Available, instance.Status);
    }
}
