namespace Platform.HostAgent.Protocol;

/// <summary>
/// The managed database an instance runs (RDS): the agent drives the guest's database agent through a channel the tenant
/// cannot reach (a virtio-serial port, never the tenant's network) until the guest's PostgreSQL matches this, and reports
/// what it found in <see cref="DatabaseReport"/>. Carried on <see cref="DesiredInstance.Database"/>; null for ordinary instances.
/// </summary>
/// <param name="DbInstanceIdentifier">The tenant's name for it (<c>orders</c>), for logs and the server's <c>cluster_name</c>.</param>
/// <param name="ResourceId">RDS's <c>DbiResourceId</c> (<c>db-…</c>): stable for the instance's life, the backup stanza's name.</param>
/// <param name="Engine">Only <c>postgres</c> so far.</param>
/// <param name="EngineVersion">The major version (<c>15</c>).</param>
/// <param name="MasterPassword">Plain text, as the API decrypted it for this guest: the agent hands it to the guest and keeps it nowhere.</param>
/// <param name="DataVolumeId">The platform volume (attached to this instance through <see cref="HostDesiredState.Volumes"/>) that
/// holds the data directory: a new, empty volume is initialized (initdb); one with data is started as it is.</param>
/// <param name="Parameters">PostgreSQL settings from the instance's parameter group, already validated by the API (name → value).</param>
/// <param name="Generation">Raised by the API whenever anything here changes; the guest reports the generation it applied.</param>
/// <param name="Backup">Where the backups and the archived write-ahead log go (null: automated backups off, retention 0).</param>
/// <param name="Restore">Set when this instance is made from a backup (point-in-time restore or snapshot): the data volume is
/// filled from that repository before the server first starts.</param>
/// <param name="Operations">One-off work the API asks for (backups), each with an id; the report lists each one once done or failed.
/// An operation stays here until the API saw its result, so a restarted agent or guest takes it again: the guest must make
/// each one idempotent by its id.</param>
/// <param name="Replication">Multi-AZ: this guest's side of the pair (null: a Single-AZ instance).</param>
public sealed record DesiredDatabase(
    string DbInstanceIdentifier,
    string ResourceId,
    string Engine,
    string EngineVersion,
    string MasterUsername,
    string MasterPassword,
    int Port,
    string DataVolumeId,
    IReadOnlyDictionary<string, string> Parameters,
    long Generation,
    DatabaseTls Tls,
    DatabaseBackupRepository? Backup = null,
    DatabaseRestore? Restore = null,
    IReadOnlyList<DatabaseOperation>? Operations = null,
    DatabaseReplication? Replication = null);

/// <summary>
/// Multi-AZ (docs/ARCHITECTURE.md, "Multi-AZ"): the two guests of one DB instance, each on a server of its own, the standby
/// streaming the primary's WAL synchronously, so every commit the primary acknowledged is on the standby too.
/// </summary>
/// <param name="Role">What this guest is to be.</param>
/// <param name="Term">How many failovers the pair has been through: a guest refuses a request of an older term than one it
/// acted on (an API that lags behind never turns a promoted standby back), and a guest that was the primary of an older term
/// is rebuilt from the new primary when it is made the standby.</param>
/// <param name="Password">The replication role's password (platform-made; the tenant never sees it).</param>
/// <param name="StandbyName">The standby's name (its replication slot and <c>application_name</c>, <c>[a-z0-9_]</c>): for a
/// primary the synchronous standby it waits for (null: none now, it commits alone), for a standby its own.</param>
/// <param name="PeerAddress">For a primary the standby's private address (the only one let in for replication; null: none),
/// for a standby the primary's (it connects on <see cref="DesiredDatabase.Port"/>).</param>
/// <param name="Synchronous">For a primary: commits wait for <paramref name="StandbyName"/>. The API turns it on once the standby
/// streams (while the standby is being made, commits would wait for it all along).</param>
/// <param name="PeerPort">For a standby: the primary's port when it is not <see cref="DesiredDatabase.Port"/> (null: the same, as
/// between two guests; two clusters on one machine in tests differ).</param>
public sealed record DatabaseReplication(DatabaseReplicationRole Role, long Term, string Password, string? StandbyName = null, string? PeerAddress = null,
    bool Synchronous = true, int? PeerPort = null);

public enum DatabaseReplicationRole
{
    Primary,
    Standby,
}

/// <summary>What the guest's side of a Multi-AZ pair is now.</summary>
/// <param name="Role">Null while it is neither yet (a standby being made).</param>
/// <param name="Streaming">On a primary: its standby streams; on a standby: it receives from its primary.</param>
/// <param name="LagBytes">On a primary: the WAL its standby has yet to replay; on a standby: what it received and has not replayed.</param>
/// <param name="Synchronous">On a primary: its standby is the synchronous one (commits wait for it).</param>
public sealed record DatabaseReplicationReport(DatabaseReplicationRole? Role, long Term, bool Streaming, long LagBytes, bool Synchronous, string? Message = null);

/// <summary>The server's TLS certificate (signed by the platform's database CA, which tenants can download) and its key, PEM.</summary>
public sealed record DatabaseTls(string CertificatePem, string PrivateKeyPem, string CaCertificatePem);

/// <summary>
/// An S3 repository in the platform's object store (space the tenant neither sees nor pays for), as pgBackRest's
/// <c>repo1-type=s3</c> takes it. Everything written there is encrypted with <paramref name="CipherPassphrase"/> (aes-256-cbc).
/// </summary>
/// <param name="Endpoint">Host[:port] of the platform's S3 endpoint as the guest reaches it over its management channel.</param>
/// <param name="Path">The repository's path in the bucket (one per database, by <see cref="DesiredDatabase.ResourceId"/>); the automated
/// backups and their archived WAL are there, the manual snapshots under <c>PATH/snapshots</c> (<see cref="SnapshotRepositoryPath"/>).</param>
/// <param name="ArchiveTimeoutSeconds">PostgreSQL's archive_timeout: the most committed work a lost server can take with it.</param>
/// <param name="RetentionDays">Automated backups older than this (and the WAL only they need) are pruned; 1..35. Never a snapshot's.</param>
public sealed record DatabaseBackupRepository(
    string Endpoint,
    string Bucket,
    string Region,
    string Path,
    string AccessKeyId,
    string SecretAccessKey,
    string CipherPassphrase,
    int ArchiveTimeoutSeconds,
    int RetentionDays,
    string? CaCertificatePem = null)
{
    /// <summary>Where a database's manual snapshots are, in the bucket: beside its automated backups, apart from their retention.</summary>
    public static string SnapshotRepositoryPath(string path) => path + "/snapshots";
}

/// <summary>Where a new instance's data comes from: another database's repository, to a point in time or a named backup.</summary>
/// <param name="Repository">The source database's repository (its stanza is <paramref name="SourceResourceId"/>).</param>
/// <param name="TargetTime">Restore to this instant (point-in-time restore); null with <paramref name="BackupLabel"/> null: the latest.</param>
/// <param name="BackupLabel">Restore exactly this backup set (a snapshot) and stop at its end.</param>
public sealed record DatabaseRestore(DatabaseBackupRepository Repository, string SourceResourceId, DateTimeOffset? TargetTime = null, string? BackupLabel = null);

public enum DatabaseOperationKind
{
    /// <summary>A full base backup (pgBackRest <c>--type=full</c>); its label is reported with the result.</summary>
    FullBackup,

    /// <summary>An incremental backup on the newest full one.</summary>
    IncrementalBackup,

    /// <summary>
    /// A manual snapshot: a full backup into the database's snapshot repository (pgBackRest's <c>repo2</c>, the
    /// <c>snapshots</c> prefix beside the automated backups), whose retention never expires a set, so the snapshot outlives
    /// the automated backups it was taken beside; its label is reported with the result.
    /// </summary>
    SnapshotBackup,
}

public sealed record DatabaseOperation(string OperationId, DatabaseOperationKind Kind);

public enum DatabaseState
{
    /// <summary>The guest is booting, or initializing or restoring the data directory.</summary>
    Creating,

    /// <summary>PostgreSQL accepts connections with the desired generation applied.</summary>
    Available,

    /// <summary>Applying a new generation (parameters, password).</summary>
    Modifying,

    /// <summary>The data volume is full.</summary>
    StorageFull,

    /// <summary>The guest could not bring PostgreSQL up; <see cref="DatabaseReport.Message"/> says why.</summary>
    Failed,
}

/// <summary>What the guest's database agent reported, on <see cref="InstanceReport.Database"/>.</summary>
/// <param name="AppliedGeneration">The newest <see cref="DesiredDatabase.Generation"/> the guest applied whole.</param>
/// <param name="PendingReboot">Static parameters changed that take effect at the next reboot.</param>
/// <param name="EarliestRestorableTime">The start of the oldest backup in the repository (null: none yet).</param>
/// <param name="LatestRestorableTime">The time of the newest archived commit (null: nothing archived yet).</param>
/// <param name="Backups">The backup sets the repository holds, as pgBackRest's <c>info</c> lists them (verified complete).</param>
/// <param name="Operations">Results of <see cref="DesiredDatabase.Operations"/>, each listed until the API drops the operation.</param>
/// <param name="Replication">For a Multi-AZ guest (<see cref="DesiredDatabase.Replication"/>): its side of the pair now.</param>
public sealed record DatabaseReport(
    DatabaseState State,
    long AppliedGeneration,
    string? Message = null,
    bool PendingReboot = false,
    DateTimeOffset? EarliestRestorableTime = null,
    DateTimeOffset? LatestRestorableTime = null,
    IReadOnlyList<DatabaseBackupSet>? Backups = null,
    IReadOnlyList<DatabaseOperationResult>? Operations = null,
    DatabaseMetrics? Metrics = null,
    DatabaseReplicationReport? Replication = null);

/// <param name="Label">pgBackRest's backup label (e.g. <c>20261205-030000F</c>).</param>
/// <param name="SizeBytes">The database's size in the backup; <paramref name="RepositoryBytes"/> what it takes in the repository.</param>
public sealed record DatabaseBackupSet(string Label, DatabaseOperationKind Kind, DateTimeOffset Started, DateTimeOffset Stopped, long SizeBytes, long RepositoryBytes);

/// <param name="BackupLabel">For a backup that succeeded: the set it made.</param>
public sealed record DatabaseOperationResult(string OperationId, bool Succeeded, string? Error = null, string? BackupLabel = null);

/// <summary>The database's figures for the metrics RDS publishes (FreeStorageSpace, DatabaseConnections, …).</summary>
public sealed record DatabaseMetrics(long FreeStorageBytes, int Connections, long ReadOperations, long WriteOperations, double? ReplicaLagSeconds = null);
