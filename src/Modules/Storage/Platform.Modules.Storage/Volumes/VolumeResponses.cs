using Platform.Modules.Storage.Persistence;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Storage.Volumes;

internal sealed record VolumeAttachmentResponse(string VolumeId, string InstanceId, string Device, string State, DateTime? AttachTime, bool DeleteOnTermination);

internal sealed record VolumeResponse(
    string VolumeId,
    int Size,
    string AvailabilityZone,
    string State,
    string VolumeType,
    string? SnapshotId,
    bool Encrypted,
    DateTime CreateTime,
    IReadOnlyList<VolumeAttachmentResponse> Attachments)
{
    /// <summary>The resource's tags (EC2's tagSet), by key.</summary>
    public IReadOnlyList<ResourceTag> Tags { get; init; } = [];

    public static VolumeResponse From(Volume volume) => new(
        volume.Id,
        volume.SizeGiB,
        volume.AvailabilityZone,
        volume.State,
        volume.VolumeType,
        volume.SnapshotId,
        volume.Encrypted,
        volume.CreatedAt,
        volume.InstanceId is { } instanceId && volume.AttachmentState is { } state
            ? [new VolumeAttachmentResponse(volume.Id, instanceId, volume.Device!, state, volume.AttachedAt, false)]
            : []);
}

internal sealed record VolumesResponse(IReadOnlyList<VolumeResponse> Volumes);

/// <summary>AttachVolume's and DetachVolume's answer, as EC2's: the attachment with its new state.</summary>
internal sealed record AttachmentResponse(string VolumeId, string? InstanceId, string? Device, string State, DateTime? AttachTime)
{
    public static AttachmentResponse From(Volume volume) =>
        new(volume.Id, volume.InstanceId, volume.Device, volume.AttachmentState ?? "detached", volume.AttachedAt);
}

internal sealed record SnapshotResponse(
    string SnapshotId,
    string VolumeId,
    int VolumeSize,
    string State,
    string Progress,
    string? Description,
    string OwnerId,
    DateTime StartTime,
    DateTime? CompletionTime,
    bool Encrypted)
{
    /// <summary>The resource's tags (EC2's tagSet), by key.</summary>
    public IReadOnlyList<ResourceTag> Tags { get; init; } = [];

    public static SnapshotResponse From(Snapshot snapshot) => new(
        snapshot.Id,
        snapshot.VolumeId,
        snapshot.VolumeSizeGiB,
        snapshot.State,
        snapshot.State == SnapshotStates.Completed ? "100%" : "0%",
        snapshot.Description,
        snapshot.AccountId,
        snapshot.StartedAt,
        snapshot.CompletedAt,
        snapshot.Encrypted);
}

internal sealed record SnapshotsResponse(IReadOnlyList<SnapshotResponse> Snapshots);
