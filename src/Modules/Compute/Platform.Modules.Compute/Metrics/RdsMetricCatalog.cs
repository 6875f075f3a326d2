using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Metrics;

/// <param name="FromGuest">Reported by the database guest (the Database module keeps it); otherwise made from the managed instance's own usage minutes.</param>
/// <param name="Minute">For a metric of the instance's usage: a minute's value (null: none).</param>
internal sealed record RdsMetricDefinition(string Name, string Unit, bool FromGuest, Func<InstanceMetricMinute, double?>? Minute = null);

/// <summary>
/// CloudWatch's AWS/RDS metrics a DB instance has here (dimension DBInstanceIdentifier): CPU and I/O of the virtual machine
/// that runs it, as Compute measures any instance, and what its guest reports (free storage, connections, and a Multi-AZ
/// pair's replication lag).
/// </summary>
internal static class RdsMetricCatalog
{
    public const string Namespace = "AWS/RDS";
    public const string DbInstanceIdentifier = "DBInstanceIdentifier";

    public static readonly IReadOnlyList<RdsMetricDefinition> All =
    [
        new("CPUUtilization", "Percent", FromGuest: false, m => InstanceMetricCatalog.ByName["CPUUtilization"].Value([m])),
        new("FreeStorageSpace", "Bytes", FromGuest: true),
        new("DatabaseConnections", "Count", FromGuest: true),
        // A Multi-AZ pair's guests report how far the standby's replay is behind the primary; a single-AZ instance has none.
        new("ReplicaLag", "Seconds", FromGuest: true),
        // Operations per second over the minute's heartbeat intervals (the data volume's and the root disk's together).
        new("ReadIOPS", "Count/Second", FromGuest: false, m => m.Intervals > 0 ? m.DiskReadOps / 60d : null),
        new("WriteIOPS", "Count/Second", FromGuest: false, m => m.Intervals > 0 ? m.DiskWriteOps / 60d : null),
    ];

    public static readonly IReadOnlyDictionary<string, RdsMetricDefinition> ByName = All.ToDictionary(m => m.Name, StringComparer.Ordinal);
}
