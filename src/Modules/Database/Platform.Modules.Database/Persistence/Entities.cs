namespace Platform.Modules.Database.Persistence;

/// <summary>A DB subnet group: subnets of one VPC of the account, in at least two zones. Names are kept lower case, as RDS does.</summary>
internal sealed class DbSubnetGroup
{
    public required string AccountId { get; init; }

    public required string Name { get; init; }

    public required string Description { get; set; }

    public required string VpcId { get; set; }

    /// <summary>The subnets as <c>subnet-…@zone</c>, comma-separated: read and written only whole, with the group.</summary>
    public required string Subnets { get; set; }

    public string? Tags { get; set; }

    public DateTime CreatedAt { get; init; }
}

/// <summary>A DB parameter group of family postgres15: the settings that differ from the family's defaults.</summary>
internal sealed class DbParameterGroup
{
    public required string AccountId { get; init; }

    public required string Name { get; init; }

    public required string Family { get; init; }

    public required string Description { get; init; }

    /// <summary>The changed parameters as JSON (name → value); the defaults come from the catalog.</summary>
    public required string Parameters { get; set; }

    public string? Tags { get; set; }

    public DateTime CreatedAt { get; init; }

    /// <summary>Raised by every change, so two concurrent modifications cannot lose one another.</summary>
    public long Version { get; set; }
}

/// <summary>A DB instance. Its id is RDS's DbiResourceId (<c>db-…</c>); the tenant's identifier is unique per account while it exists.</summary>
internal sealed class DbInstance
{
    public required string ResourceId { get; init; }

    public required string AccountId { get; init; }

    public required string Identifier { get; init; }

    public required string Engine { get; init; }

    public required string EngineVersion { get; init; }

    public required string InstanceClass { get; set; }

    public int AllocatedStorage { get; set; }

    public required string MasterUsername { get; init; }

    /// <summary>Encrypted under the platform key with the resource id as context; never returned.</summary>
    public required string MasterPasswordProtected { get; set; }

    public int Port { get; init; }

    public required string SubnetGroupName { get; init; }

    public required string VpcId { get; init; }

    public string? AvailabilityZone { get; set; }

    /// <summary>Comma-separated security group ids.</summary>
    public required string SecurityGroupIds { get; set; }

    public required string ParameterGroupName { get; set; }

    public int BackupRetentionPeriod { get; set; }

    public required string PreferredBackupWindow { get; set; }

    public required string PreferredMaintenanceWindow { get; set; }

    public bool PubliclyAccessible { get; set; }

    public bool DeletionProtection { get; set; }

    public required string Status { get; set; }

    /// <summary>Raised whenever what the guest must apply changes (parameters, password); the guest reports the one it applied.</summary>
    public long Generation { get; set; }

    public long AppliedGeneration { get; set; }

    /// <summary>RDS's DBParameterGroupStatus.ParameterApplyStatus: in-sync, applying or pending-reboot.</summary>
    public required string ParameterApplyStatus { get; set; }

    public string? StatusMessage { get; set; }

    public DateTime? EarliestRestorableTime { get; set; }

    public DateTime? LatestRestorableTime { get; set; }

    /// <summary>Where this instance was restored from: <c>snapshot:ID</c> or <c>pitr:RESOURCE-ID@TIME</c> (null: made empty).</summary>
    public string? RestoredFrom { get; init; }

    public string? Tags { get; set; }

    public DateTime CreatedAt { get; init; }

    /// <summary>The last UTC day an automated backup was asked for, so the job asks once a day whoever runs it.</summary>
    public DateOnly? LastBackupDay { get; set; }

    /// <summary>The server's TLS certificate from the database CA, PEM, made the first time the guest's desired state is composed.</summary>
    public string? ServerCertificatePem { get; set; }

    /// <summary>Its private key, encrypted under the platform key with the resource id as context.</summary>
    public string? ServerKeyProtected { get; set; }

    /// <summary>The access key of the instance's backup credential (an IAM user of the management account allowed its own prefix of the backup bucket only), made the first time backups are on.</summary>
    public string? BackupAccessKeyId { get; set; }

    /// <summary>That key's secret, encrypted under the platform key with the resource id as context.</summary>
    public string? BackupSecretProtected { get; set; }

    /// <summary>The passphrase pgBackRest encrypts the repository with (aes-256-cbc), encrypted under the platform key; kept for the instance's life.</summary>
    public string? BackupCipherProtected { get; set; }

    /// <summary>
    /// For a restored instance: the source repository's passphrase (from the snapshot, or from the source instance at the
    /// restore), encrypted under the platform key with this instance's resource id as context, so the restore still reads
    /// the repository after the source is deleted.
    /// </summary>
    public string? RestoreCipherProtected { get; init; }

    /// <summary>For a restored instance: the access key of its read-only credential on the source's prefix (made when first composed).</summary>
    public string? RestoreAccessKeyId { get; set; }

    /// <summary>That key's secret, encrypted under the platform key with the resource id as context.</summary>
    public string? RestoreSecretProtected { get; set; }

    /// <summary>When StopDBInstance was called (null unless stopping or stopped): RDS starts an instance stopped for 7 days again.</summary>
    public DateTime? StoppedAt { get; set; }

    /// <summary>
    /// Multi-AZ (docs/ARCHITECTURE.md, "Multi-AZ"): a standby guest in another zone on another server, side B
    /// (<see cref="Guests.MultiAzPair.StandbyResourceId"/>), streaming the primary's WAL synchronously.
    /// </summary>
    public bool MultiAz { get; set; }

    /// <summary>Which guest is the primary: <c>a</c> (the guest of <see cref="ResourceId"/>) or <c>b</c> (the other side); raised with the term at a failover.</summary>
    public string PrimarySide { get; set; } = "a";

    /// <summary>How many failovers the pair has been through; the guests refuse requests of an older term.</summary>
    public long ReplicationTerm { get; set; }

    /// <summary>The replication role's password (random, never shown), encrypted under the platform key with the resource id as context.</summary>
    public string? ReplicationPasswordProtected { get; set; }

    /// <summary>The zone of the standby's guest (RDS's SecondaryAvailabilityZone; <see cref="AvailabilityZone"/> is the primary's, and a failover swaps them); null until it is placed.</summary>
    public string? SecondaryAvailabilityZone { get; set; }

    /// <summary>The standby of the current term reported streaming: the primary's composition names it its synchronous standby.</summary>
    public bool StandbySynchronous { get; set; }

    /// <summary>
    /// A class ModifyDBInstance asked for and not applied yet (RDS's PendingModifiedValues.DBInstanceClass): applied at once
    /// with ApplyImmediately, else in the next maintenance window (<see cref="Instances.Resize.DbInstanceResizeJob"/>).
    /// </summary>
    public string? PendingInstanceClass { get; set; }

    /// <summary>Allocated storage asked for and not applied yet (PendingModifiedValues.AllocatedStorage); larger than <see cref="AllocatedStorage"/>.</summary>
    public int? PendingAllocatedStorage { get; set; }

    /// <summary>The pending values are being applied now (status <c>modifying</c>): the resize job's steps, not the guest's reports, decide the status until they are done.</summary>
    public bool ResizeApplying { get; set; }

    /// <summary>Optimistic concurrency: every change raises it.</summary>
    public long Version { get; set; }
}

/// <summary>A DB snapshot: a backup set in the instance's repository, named by the tenant (manual) or by the platform (automated).</summary>
internal sealed class DbSnapshot
{
    public required string AccountId { get; init; }

    public required string Identifier { get; init; }

    public required string SourceInstanceIdentifier { get; init; }

    public required string SourceResourceId { get; init; }

    /// <summary><c>manual</c> (kept until deleted, beyond the instance) or <c>automated</c> (pruned with the retention).</summary>
    public required string SnapshotType { get; init; }

    /// <summary><c>creating</c> until the guest reports the backup with its label, then <c>available</c>; <c>failed</c> when it reported a failure.</summary>
    public required string Status { get; set; }

    /// <summary>The backup operation the guest is asked to run; its result names the label.</summary>
    public required string OperationId { get; init; }

    public string? BackupLabel { get; set; }

    public required string Engine { get; init; }

    public required string EngineVersion { get; init; }

    public int AllocatedStorage { get; init; }

    public required string MasterUsername { get; init; }

    /// <summary>The master password when the snapshot was taken, which an instance restored from it gets; encrypted, never returned.</summary>
    public required string MasterPasswordProtected { get; init; }

    public int Port { get; init; }

    public required string VpcId { get; init; }

    public string? Tags { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime? SnapshotCreateTime { get; set; }

    /// <summary>
    /// The source repository's passphrase when the snapshot was taken, encrypted under the platform key with the snapshot as
    /// context: the snapshot outlives its instance, and restoring it needs the passphrase.
    /// </summary>
    public string? BackupCipherProtected { get; init; }
}

/// <summary>
/// A backup the guest is asked to take (<see cref="Platform.HostAgent.Protocol.DatabaseOperation"/>): listed in the desired
/// state until its result is recorded. <see cref="ScheduledDay"/> is unique per instance for automated backups: the lease
/// that lets two job runs or two replicas ask for one backup a day and never two.
/// </summary>
internal sealed class DbBackupOperation
{
    public required string OperationId { get; init; }

    public required string AccountId { get; init; }

    public required string ResourceId { get; init; }

    public required string Kind { get; init; }

    /// <summary>The UTC day of an automated backup (null for a manual snapshot's).</summary>
    public DateOnly? ScheduledDay { get; init; }

    /// <summary>The manual snapshot this backup makes (null for an automated one).</summary>
    public string? SnapshotIdentifier { get; init; }

    public DateTime RequestedAt { get; init; }

    public DateTime? CompletedAt { get; set; }

    public bool? Succeeded { get; set; }

    public string? BackupLabel { get; set; }

    public string? Error { get; set; }
}

/// <summary>
/// The automated backups a deleted DB instance left behind (DeleteDBInstance with <c>delete_automated_backups</c> false):
/// what a point-in-time restore needs of the instance that is gone (its repository is still its resource id's prefix, its
/// passphrase and master password still encrypted under its resource id), kept until its retention period has passed
/// since its latest restorable time or the tenant deletes it (DeleteDBInstanceAutomatedBackup).
/// </summary>
internal sealed class DbRetainedBackup
{
    public required string ResourceId { get; init; }

    public required string AccountId { get; init; }

    public required string InstanceIdentifier { get; init; }

    public required string Engine { get; init; }

    public required string EngineVersion { get; init; }

    public required string InstanceClass { get; init; }

    public int AllocatedStorage { get; init; }

    public required string MasterUsername { get; init; }

    /// <summary>The instance's master password as it was kept (encrypted with the resource id as context), for the restored instance.</summary>
    public required string MasterPasswordProtected { get; init; }

    public int Port { get; init; }

    public required string VpcId { get; init; }

    public required string SubnetGroupName { get; init; }

    public required string SecurityGroupIds { get; init; }

    public required string ParameterGroupName { get; init; }

    public string? AvailabilityZone { get; init; }

    public int BackupRetentionPeriod { get; init; }

    public required string PreferredBackupWindow { get; init; }

    public required string PreferredMaintenanceWindow { get; init; }

    public DateTime EarliestRestorableTime { get; init; }

    public DateTime LatestRestorableTime { get; init; }

    public DateTime InstanceCreateTime { get; init; }

    /// <summary>The repository's passphrase, as the instance kept it (context: its resource id).</summary>
    public required string BackupCipherProtected { get; init; }

    public DateTime RetainedAt { get; init; }
}

/// <summary>The platform's database CA (one row): its certificate, and its key encrypted under the platform key.</summary>
internal sealed class DatabaseCertificateAuthority
{
    public required string Identifier { get; init; }

    public required string CertificatePem { get; init; }

    public required string PrivateKeyProtected { get; init; }

    public DateTime CreatedAt { get; init; }
}
