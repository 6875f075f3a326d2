using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Persistence;

namespace Platform.Modules.Database.Tests;

internal static class TestInstances
{
    public static DbInstance New(string status = DbInstanceStatus.Available, string window = "03:00-03:30", int retention = 7, string? resourceId = null, DateTime? earliestRestorable = null) => new()
    {
        ResourceId = resourceId ?? NewDbInstance.NewResourceId(),
        AccountId = "123456789012",
        Identifier = "orders-" + Guid.NewGuid().ToString("N")[..8],
        Engine = "postgres",
        EngineVersion = "15",
        InstanceClass = "db.t3.micro",
        AllocatedStorage = 20,
        MasterUsername = "app",
        MasterPasswordProtected = "x",
        Port = 5432,
        SubnetGroupName = "net",
        VpcId = "vpc-1",
        SecurityGroupIds = "sg-1",
        ParameterGroupName = "default.postgres15",
        BackupRetentionPeriod = retention,
        PreferredBackupWindow = window,
        PreferredMaintenanceWindow = "sun:05:00-sun:05:30",
        Status = status,
        Generation = 1,
        ParameterApplyStatus = ParameterApplyStatus.InSync,
        CreatedAt = DateTime.UtcNow,
        EarliestRestorableTime = earliestRestorable,
    };
}

/// <summary>A clock the test sets.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
