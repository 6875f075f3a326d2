using Platform.Modules.Database.Persistence;

namespace Platform.Modules.Database.Snapshots;

/// <summary>DBSnapshot.Status values.</summary>
internal static class DbSnapshotStatus
{
    public const string Creating = "creating";
    public const string Available = "available";
    public const string Failed = "failed";

    /// <summary>DeleteDBSnapshot was called: its set leaves the object store, then the row goes (<see cref="SnapshotDeletion"/>).</summary>
    public const string Deleting = "deleting";
}

/// <summary>RDS's DBSnapshot shape (no password, ever).</summary>
internal sealed record DbSnapshotResponse(
    string DbSnapshotIdentifier,
    string DbSnapshotArn,
    string DbInstanceIdentifier,
    string DbiResourceId,
    string SnapshotType,
    string Status,
    string Engine,
    string EngineVersion,
    int AllocatedStorage,
    string MasterUsername,
    int Port,
    string VpcId,
    DateTime OriginalSnapshotCreateTime,
    DateTime? SnapshotCreateTime,
    int PercentProgress,
    IReadOnlyList<RdsTag> TagList)
{
    public static DbSnapshotResponse From(DbSnapshot snapshot, string region) => new(
        snapshot.Identifier,
        RdsArns.Snapshot(region, snapshot.AccountId, snapshot.Identifier),
        snapshot.SourceInstanceIdentifier,
        snapshot.SourceResourceId,
        snapshot.SnapshotType,
        snapshot.Status,
        snapshot.Engine,
        snapshot.EngineVersion,
        snapshot.AllocatedStorage,
        snapshot.MasterUsername,
        snapshot.Port,
        snapshot.VpcId,
        snapshot.CreatedAt,
        snapshot.SnapshotCreateTime,
        snapshot.Status == DbSnapshotStatus.Available ? 100 : 0,
        RdsNames.ReadTags(snapshot.Tags));
}

internal sealed record DbSnapshotsResponse(IReadOnlyList<DbSnapshotResponse> DbSnapshots);
