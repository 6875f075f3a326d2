using Platform.Modules.Database.Contracts;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Metering;

namespace Platform.Modules.Database.Tests.Metering;

/// <summary>What Database tells Billing counts instance hours: every DB instance but the stopped and the failed, with its class.</summary>
public sealed class MeteredDatabasesTests : IDisposable
{
    private readonly ModuleDatabaseFile _database = new();

    [Fact]
    public async Task Given_instances_in_every_status_Then_all_but_the_stopped_and_failed_are_metered_by_class()
    {
        string[] statuses =
        [
            DbInstanceStatus.Creating, DbInstanceStatus.Available, DbInstanceStatus.BackingUp, DbInstanceStatus.Modifying, DbInstanceStatus.Rebooting,
            DbInstanceStatus.Stopping, DbInstanceStatus.Stopped, DbInstanceStatus.Starting, DbInstanceStatus.Deleting, DbInstanceStatus.Failed, DbInstanceStatus.StorageFull,
        ];
        var instances = statuses.Select(s => TestInstances.New(s)).ToList();
        instances[1].InstanceClass = "db.m5.large";
        using (var db = _database.Open())
        {
            db.Instances.AddRange(instances);
            await db.SaveChangesAsync();
        }

        using var read = _database.Open();
        var metered = await new DescribeMeteredDatabasesHandler(read).Handle(new DescribeMeteredDatabases(), CancellationToken.None);

        Assert.Equal(
            instances.Where(i => i.Status is not (DbInstanceStatus.Stopped or DbInstanceStatus.Failed)).Select(i => i.ResourceId).Order(StringComparer.Ordinal),
            metered.Select(m => m.ResourceId));
        var available = Assert.Single(metered, m => m.ResourceId == instances[1].ResourceId);
        Assert.Equal(("123456789012", "db.m5.large"), (available.AccountId, available.InstanceClass));
    }

    public void Dispose() => _database.Dispose();
}
