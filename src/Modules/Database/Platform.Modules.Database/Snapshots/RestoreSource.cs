using System.Globalization;

namespace Platform.Modules.Database.Snapshots;

/// <summary>
/// Where a restored instance's data comes from, as one column (<see cref="Persistence.DbInstance.RestoredFrom"/>): the
/// source's repository (by its resource id) and a backup label or a target time. It becomes the desired state's
/// <c>DatabaseRestore</c>.
/// </summary>
/// <param name="Latest">Restore to the end of the archived WAL (<c>use_latest_restorable_time</c>); <paramref name="TargetTime"/> is then what the source reported as its latest.</param>
/// <param name="InSnapshotRepository">The set is in the source's snapshot repository (a manual snapshot taken since snapshots have
/// their own, <see cref="HostAgent.Protocol.DatabaseOperationKind.SnapshotBackup"/>); false: among its automated backups, as the older ones are.</param>
internal sealed record RestoreSource(string SourceResourceId, string? BackupLabel, DateTime? TargetTime, bool Latest = false, bool InSnapshotRepository = false)
{
    public static string Snapshot(string sourceResourceId, string label, bool inSnapshotRepository) =>
        inSnapshotRepository ? $"snapshot-set:{sourceResourceId}:{label}" : $"snapshot:{sourceResourceId}:{label}";

    public static string PointInTime(string sourceResourceId, DateTime targetTime) =>
        $"pitr:{sourceResourceId}:{targetTime.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}";

    public static string ToLatest(string sourceResourceId, DateTime latestTime) => "latest" + PointInTime(sourceResourceId, latestTime)[4..];

    public static RestoreSource? Parse(string? column)
    {
        var parts = column?.Split(':', 3);
        return parts switch
        {
            ["snapshot", var source, var label] => new RestoreSource(source, label, null),
            ["snapshot-set", var source, var label] => new RestoreSource(source, label, null, InSnapshotRepository: true),
            ["pitr", var source, var time] => new RestoreSource(source, null,
                DateTime.ParseExact(time, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)),
            ["latest", var source, var time] => new RestoreSource(source, null,
                DateTime.ParseExact(time, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), Latest: true),
            _ => null,
        };
    }
}
