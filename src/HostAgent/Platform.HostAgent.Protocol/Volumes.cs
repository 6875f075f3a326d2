namespace Platform.HostAgent.Protocol;

/// <summary>
/// A block volume bound to this server. Its bytes are a qcow2 volume in the agent's storage pool named by
/// the volume id (so a restarted agent finds it and never makes a second one), made at its first attachment:
/// empty, or restored from <see cref="RestoreFromSnapshotId"/>.
/// </summary>
/// <param name="Present">False: the volume is being deleted; the agent unplugs it and removes its pool volume.</param>
/// <param name="Attachment">Where it must be plugged in; null: plugged in nowhere.</param>
/// <param name="PendingSnapshots">Snapshots the agent must stream from the volume to the API (<see cref="AgentApi.Snapshots"/>).</param>
/// <param name="EncryptionKey">
/// For an encrypted volume, its LUKS passphrase: the agent keeps it only in a libvirt secret (ephemeral, private, UUID
/// <see cref="BlockVolumes.SecretUuid"/>) and the pool volume is a LUKS-encrypted qcow2. Null: not encrypted. It travels
/// only to the server holding the volume, over the agent's TLS channel; the agent never writes it to disk.
/// </param>
public sealed record DesiredVolume(
    string VolumeId,
    long SizeBytes,
    bool Present = true,
    string? RestoreFromSnapshotId = null,
    DesiredAttachment? Attachment = null,
    IReadOnlyList<string>? PendingSnapshots = null,
    string? EncryptionKey = null)
{
    /// <summary>Not the key: desired states are logged and compared as records.</summary>
    public override string ToString() => $"DesiredVolume {{ VolumeId = {VolumeId}, Encrypted = {EncryptionKey is not null} }}";
}

/// <param name="TargetDevice">The libvirt target (<c>vdf</c>…<c>vdp</c>); the guest names disks in probe order, so it finds a volume by its serial.</param>
/// <param name="Serial">The disk's serial: <c>vol</c> and the id's 17 hex digits, as EC2's Nitro instances show it (20 characters, virtio-blk's limit).</param>
public sealed record DesiredAttachment(string InstanceId, string TargetDevice, string Serial);

/// <summary>A volume in this server's pool, and the instance it is plugged into (if any).</summary>
/// <param name="CapacityBytes">The pool volume's size as libvirt reads it (a grown volume's new size once grown); null from an older agent.</param>
public sealed record VolumeReport(string VolumeId, string? AttachedInstanceId = null, string? TargetDevice = null, long? CapacityBytes = null);

/// <summary>Block volume helpers both sides agree on.</summary>
public static class BlockVolumes
{
    /// <summary>EC2's Nitro serial: <c>vol-0123…</c> becomes <c>vol0123…</c>.</summary>
    public static string Serial(string volumeId) => volumeId.Replace("-", "", StringComparison.Ordinal);

    /// <summary>The UUID of the libvirt secret holding an encrypted volume's passphrase: derived from its id, so a restarted agent finds it.</summary>
    public static Guid SecretUuid(string volumeId)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("platform/volume-secret/" + volumeId));
        // An RFC 9562 version 8 (custom) UUID.
        hash[6] = (byte)((hash[6] & 0x0f) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3f) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
