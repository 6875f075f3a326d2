using Mediator;

namespace Platform.Modules.Storage.Contracts;

/// <summary>
/// The block volumes bound to one server (by their first attachment there) that its agent must keep:
/// Compute puts them in the server's desired state.
/// </summary>
public sealed record DescribeHostVolumes(string HostId) : IRequest<IReadOnlyList<HostVolume>>;

/// <param name="Present">False while the volume is being deleted: the server must remove its bytes.</param>
/// <param name="RestoreFromSnapshotId">The snapshot whose bytes the volume starts from, when it has any.</param>
/// <param name="AttachedInstanceId">The instance it must be plugged into; null: none.</param>
/// <param name="TargetDevice">The hypervisor's target for it (<c>vdf</c>…<c>vdp</c>, from EC2's <c>/dev/sdf</c>…).</param>
/// <param name="PendingSnapshotIds">Snapshots the server must stream from it to the API.</param>
/// <param name="EncryptionKey">An encrypted volume's LUKS passphrase (base64 of its data key), unwrapped for this server only; null when not encrypted.</param>
public sealed record HostVolume(
    string VolumeId,
    int SizeGiB,
    bool Present,
    string? RestoreFromSnapshotId,
    string? AttachedInstanceId,
    string? TargetDevice,
    IReadOnlyList<string> PendingSnapshotIds,
    string? EncryptionKey = null);

/// <summary>
/// What a server's agent saw of its volumes, once it had applied desired-state version <paramref name="AppliedVersion"/>:
/// volumes move along EBS's states from it (attaching → attached, detaching → available, deleting → deleted).
/// </summary>
public sealed record RecordObservedVolumes(string HostId, long AppliedVersion, IReadOnlyList<ObservedVolume> Volumes) : IRequest;

/// <param name="AttachedInstanceId">The instance the volume is plugged into, null when none.</param>
/// <param name="CapacityBytes">Its size on the server (a modification completes once it is the volume's new size); null: not reported.</param>
public sealed record ObservedVolume(string VolumeId, string? AttachedInstanceId, long? CapacityBytes = null);

/// <summary>
/// Makes the data volume of a managed instance (a DB instance's guest) on its server and attaches it as the instance's only
/// data disk (<c>/dev/sdf</c>, target <c>vdf</c>). The volume is the platform's: the tenant's EC2 volume calls neither see
/// nor change it, and it is deleted when its instance is terminated. Idempotent per instance: answers the volume made before.
/// </summary>
/// <param name="ManagedBy">The managing module (<c>rds</c>).</param>
public sealed record CreateManagedVolume(string AccountId, string ManagedBy, string InstanceId, string HostId, string AvailabilityZone, int SizeGiB)
    : IRequest<string>;

/// <summary>
/// Grows a managed instance's data volume to <paramref name="SizeGiB"/> (EBS's ModifyVolume, on the platform's volume: the
/// managing module checks its own quota). Idempotent: a volume that has the size already is answered as it is, and so is one
/// whose earlier modification is still under way (ask again once it completed). Never shrinks.
/// </summary>
public sealed record GrowManagedVolume(string ManagedBy, string VolumeId, int SizeGiB) : IRequest<ManagedVolumeSize>;

/// <param name="SizeGiB">The volume's size (a modification's target once one started).</param>
/// <param name="Grown">Its server holds the bytes at that size (the modification is completed, or there was none).</param>
public sealed record ManagedVolumeSize(string VolumeId, int SizeGiB, bool Grown);
