namespace Platform.Modules.Storage.Persistence;

/// <summary>
/// A block volume (EBS's). Its bytes live on one server, the one of its first attachment (<see cref="HostId"/>),
/// as a qcow2 volume in that server's storage pool named by <see cref="Id"/>; until then it has none.
/// </summary>
internal sealed class Volume
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string AvailabilityZone { get; init; }

    /// <summary>Its size; a modification (ModifyVolume) sets the new one at once, and the server grows the bytes to it.</summary>
    public int SizeGiB { get; set; }

    public required string VolumeType { get; init; }

    /// <summary>The snapshot it was created from; its bytes are restored on the server at the first attachment.</summary>
    public string? SnapshotId { get; init; }

    /// <summary>creating, available, in-use, deleting, deleted (<see cref="VolumeStates"/>).</summary>
    public required string State { get; set; }

    /// <summary>The server holding its bytes; set by the first attachment, never changed after.</summary>
    public string? HostId { get; set; }

    /// <summary>Whether the server has reported the volume in its pool at least once.</summary>
    public bool Materialized { get; set; }

    public string? InstanceId { get; set; }

    /// <summary>The device name the user asked for (<c>/dev/sdf</c>).</summary>
    public string? Device { get; set; }

    /// <summary>attaching, attached, detaching; null without an attachment.</summary>
    public string? AttachmentState { get; set; }

    public DateTime? AttachedAt { get; set; }

    /// <summary>The server's desired-state version that carries the volume's latest change; older reports do not judge it.</summary>
    public long ChangedAtVersion { get; set; }

    public string? ClientToken { get; init; }

    public string? ParametersHash { get; init; }

    public DateTime CreatedAt { get; init; }

    /// <summary>Whether the server keeps its bytes as a LUKS-encrypted qcow2 (EBS's <c>Encrypted</c>).</summary>
    public bool Encrypted { get; init; }

    /// <summary>
    /// An encrypted volume's data key (the LUKS passphrase), sealed by the platform master key with the volume's id as
    /// context (<see cref="Volumes.VolumeKeys"/>); null when not encrypted.
    /// </summary>
    public string? WrappedKey { get; init; }

    /// <summary>Optimistic concurrency: two changes to one volume never both commit.</summary>
    public int Revision { get; set; }

    /// <summary>
    /// The module whose managed instance this volume serves (<c>rds</c>), null for a tenant's volume. A managed volume
    /// is the platform's: no EC2 call of the tenant sees or changes it, and it is deleted with its instance.
    /// </summary>
    public string? ManagedBy { get; init; }

    /// <summary>
    /// The latest modification's state (EBS's elastic volumes): <c>modifying</c> until its server holds the bytes at
    /// <see cref="SizeGiB"/>, then <c>completed</c> (<see cref="ModificationStates"/>); null: never modified.
    /// </summary>
    public string? ModificationState { get; set; }

    /// <summary>The size before the latest modification.</summary>
    public int? OriginalSizeGiB { get; set; }

    public DateTime? ModificationStartedAt { get; set; }

    public DateTime? ModificationEndedAt { get; set; }
}

/// <summary>
/// A point-in-time copy of a volume's bytes: the server streams its pool volume (virStorageVolDownload) to the API,
/// which keeps it as one blob of the object store's blob store (not in any tenant's bucket).
/// </summary>
internal sealed class Snapshot
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string VolumeId { get; init; }

    public int VolumeSizeGiB { get; init; }

    public string? Description { get; init; }

    /// <summary>pending, completed, error (<see cref="SnapshotStates"/>).</summary>
    public required string State { get; set; }

    /// <summary>The server that must stream it; null when the volume had no bytes yet (the snapshot is empty).</summary>
    public string? HostId { get; init; }

    /// <summary>The blob with its bytes; null for an empty snapshot (a volume never attached).</summary>
    public string? BlobId { get; set; }

    public long SizeBytes { get; set; }

    public DateTime StartedAt { get; init; }

    public DateTime? CompletedAt { get; set; }

    /// <summary>Whether its bytes are an encrypted volume's (LUKS inside the qcow2: ciphertext in the blob store).</summary>
    public bool Encrypted { get; init; }

    /// <summary>The source volume's data key, sealed again with the snapshot's id as context; volumes restored from it get the same key.</summary>
    public string? WrappedKey { get; init; }
}

/// <summary>EC2's EBS encryption by default, per account (and, on this platform, one region): new volumes are encrypted.</summary>
internal sealed class EncryptionByDefault
{
    public required string AccountId { get; init; }

    public bool Enabled { get; set; }
}

internal static class VolumeStates
{
    public const string Creating = "creating";
    public const string Available = "available";
    public const string InUse = "in-use";
    public const string Deleting = "deleting";
    public const string Deleted = "deleted";
}

internal static class ModificationStates
{
    public const string Modifying = "modifying";
    public const string Completed = "completed";
}

internal static class AttachmentStates
{
    public const string Attaching = "attaching";
    public const string Attached = "attached";
    public const string Detaching = "detaching";
}

internal static class SnapshotStates
{
    public const string Pending = "pending";
    public const string Completed = "completed";
    public const string Error = "error";
}

/// <summary>A tag of one of the account's volumes or snapshots (EC2's tags), known by the resource's id.</summary>
internal sealed class VolumeTagRow
{
    public required string ResourceId { get; init; }

    public required string AccountId { get; init; }

    /// <summary><c>volume</c> or <c>snapshot</c>, EC2's resource type, for DescribeTags.</summary>
    public required string ResourceType { get; init; }

    public required string Key { get; init; }

    public required string Value { get; set; }
}
