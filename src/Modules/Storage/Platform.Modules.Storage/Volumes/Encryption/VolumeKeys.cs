using System.Security.Cryptography;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Storage.Volumes.Encryption;

/// <summary>
/// The data keys of encrypted volumes and snapshots, in the key hierarchy secret access keys and SSE-S3 keys use: each a
/// random 256-bit key, kept only sealed (AES-256-GCM) by the platform master key, with the volume's or snapshot's id as
/// the sealing context, so a wrapped key copied onto another row does not open. The server gets it in clear (as the
/// LUKS passphrase, base64) over the TLS agent channel, in the desired state of the one server that holds the volume.
/// </summary>
internal static class VolumeKeys
{
    public static string NewWrapped(ISecretProtector protector, string volumeId) =>
        protector.Protect(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), VolumeContext(volumeId));

    /// <summary>The volume's passphrase (base64 of its data key), for its server only.</summary>
    public static string Unwrap(ISecretProtector protector, string volumeId, string wrapped) => protector.Unprotect(wrapped, VolumeContext(volumeId));

    /// <summary>A volume's key sealed again for a snapshot of it (the snapshot's bytes open with the same key).</summary>
    public static string ForSnapshot(ISecretProtector protector, string volumeId, string wrapped, string snapshotId) =>
        protector.Protect(protector.Unprotect(wrapped, VolumeContext(volumeId)), SnapshotContext(snapshotId));

    /// <summary>A snapshot's key sealed again for a volume restored from it.</summary>
    public static string ForRestoredVolume(ISecretProtector protector, string snapshotId, string wrapped, string volumeId) =>
        protector.Protect(protector.Unprotect(wrapped, SnapshotContext(snapshotId)), VolumeContext(volumeId));

    private static string VolumeContext(string volumeId) => $"ebs/volume/{volumeId}";

    private static string SnapshotContext(string snapshotId) => $"ebs/snapshot/{snapshotId}";
}
