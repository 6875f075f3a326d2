using System.Text.RegularExpressions;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Volumes;

/// <summary>
/// EBS's rules for volumes, as pure functions: ids, sizes, device names, which state allows which call, and how
/// what a server observed moves a volume along (attaching → attached, detaching → available, deleting → deleted).
/// </summary>
internal static partial class VolumeRules
{
    public const int MinSizeGiB = 1;
    public const int MaxSizeGiB = 16384;

    private const long GiB = 1024L * 1024 * 1024;

    public static readonly string[] VolumeTypes = ["gp3", "gp2", "io1", "io2", "st1", "sc1", "standard"];

    public static void EnsureVolumeId(string? volumeId)
    {
        if (volumeId is null || !VolumeId().IsMatch(volumeId))
        {
            throw new ApiException(400, "InvalidVolumeID.Malformed", $"Invalid id: \"{volumeId}\" (expecting \"vol-...\")");
        }
    }

    public static void EnsureSnapshotId(string? snapshotId)
    {
        if (snapshotId is null || !SnapshotId().IsMatch(snapshotId))
        {
            throw new ApiException(400, "InvalidSnapshotID.Malformed", $"Invalid id: \"{snapshotId}\" (expecting \"snap-...\")");
        }
    }

    public static void EnsureInstanceId(string? instanceId)
    {
        if (instanceId is null || !InstanceId().IsMatch(instanceId))
        {
            throw new ApiException(400, "InvalidInstanceID.Malformed", $"Invalid id: \"{instanceId}\" (expecting \"i-...\")");
        }
    }

    /// <summary>
    /// The hypervisor target for an EC2 device name: <c>/dev/sdf</c>…<c>/dev/sdp</c> and <c>/dev/xvdf</c>…<c>/dev/xvdp</c>
    /// (the names EC2 recommends for data volumes) become <c>vdf</c>…<c>vdp</c>; anything else is refused.
    /// </summary>
    public static string TargetDevice(string? device)
    {
        var match = device is null ? Match.Empty : DeviceName().Match(device);
        return match.Success
            ? "vd" + match.Groups["letter"].Value
            : throw ApiErrors.InvalidParameterValue($"Value ({device}) for parameter device is invalid. Use /dev/sdf through /dev/sdp (or /dev/xvdf through /dev/xvdp).");
    }

    public static void EnsureSize(int? sizeGiB)
    {
        if (sizeGiB is < MinSizeGiB or > MaxSizeGiB)
        {
            throw ApiErrors.InvalidParameterValue($"Volume of {sizeGiB}GiB is outside the allowed range of {MinSizeGiB} to {MaxSizeGiB} GiB.");
        }
    }

    public static ApiException NotFound(string volumeId) => new(400, "InvalidVolume.NotFound", $"The volume '{volumeId}' does not exist.");

    public static ApiException SnapshotNotFound(string snapshotId) => new(400, "InvalidSnapshot.NotFound", $"The snapshot '{snapshotId}' does not exist.");

    public static ApiException IncorrectState(Volume volume) =>
        new(400, "IncorrectState", $"The volume '{volume.Id}' is in the '{Shown(volume)}' state.");

    /// <summary>The state EBS shows: <c>in-use</c> during attaching, attached and detaching.</summary>
    public static string Shown(Volume volume) => volume.State;

    /// <summary>AttachVolume's precondition: the volume is available.</summary>
    public static void EnsureAttachable(Volume volume)
    {
        switch (volume.State)
        {
            case VolumeStates.Available:
                return;
            case VolumeStates.InUse:
                throw new ApiException(400, "VolumeInUse", $"{volume.Id} is already attached to an instance");
            default:
                throw IncorrectState(volume);
        }
    }

    /// <summary>
    /// The volume's bytes are on the server of its first attachment; another server cannot reach them
    /// (volumes are local to a server's storage pool).
    /// </summary>
    public static void EnsureSameServer(Volume volume, string instanceId, string instanceHostId)
    {
        if (volume.HostId is { } bound && bound != instanceHostId)
        {
            throw new ApiException(400, "UnsupportedOperation",
                $"The volume '{volume.Id}' holds its data on the server where it was first attached, and instance '{instanceId}' runs on another server. " +
                "A volume can be attached only to instances on that server.");
        }
    }

    /// <summary>DetachVolume's precondition: attached or attaching (to <paramref name="instanceId"/>, when given).</summary>
    public static void EnsureDetachable(Volume volume, string? instanceId)
    {
        if (volume.State != VolumeStates.InUse || volume.AttachmentState == AttachmentStates.Detaching)
        {
            throw IncorrectState(volume);
        }

        if (instanceId is not null && instanceId != volume.InstanceId)
        {
            throw new ApiException(400, "InvalidAttachment.NotFound", $"The volume '{volume.Id}' is not attached to instance '{instanceId}'.");
        }
    }

    /// <summary>DeleteVolume's precondition: not attached; deleting twice is not an error.</summary>
    public static void EnsureDeletable(Volume volume)
    {
        switch (volume.State)
        {
            case VolumeStates.Available or VolumeStates.Deleting:
                return;
            case VolumeStates.InUse:
                throw new ApiException(400, "VolumeInUse", $"Volume {volume.Id} is currently attached to {volume.InstanceId}");
            default:
                throw IncorrectState(volume);
        }
    }

    public static void EnsureSnapshottable(Volume volume)
    {
        if (volume.State is not (VolumeStates.Available or VolumeStates.InUse))
        {
            throw IncorrectState(volume);
        }
    }

    /// <summary>
    /// ModifyVolume's preconditions (EBS's elastic volumes, size only): the volume is available or in use, no modification
    /// of it is under way, and the new size is larger and within the limits (a volume never shrinks).
    /// </summary>
    public static void EnsureModifiable(Volume volume, int targetSizeGiB)
    {
        if (volume.State is not (VolumeStates.Available or VolumeStates.InUse) || volume.AttachmentState == AttachmentStates.Detaching)
        {
            throw IncorrectState(volume);
        }

        if (volume.ModificationState == ModificationStates.Modifying)
        {
            throw new ApiException(400, "IncorrectModificationState",
                $"Volume {volume.Id} is already being modified (to {volume.SizeGiB}GiB); wait until its modification is completed.");
        }

        if (targetSizeGiB < volume.SizeGiB)
        {
            throw ApiErrors.InvalidParameterValue($"New size cannot be smaller than existing size (volume {volume.Id} is {volume.SizeGiB}GiB, asked {targetSizeGiB}GiB).");
        }

        if (targetSizeGiB == volume.SizeGiB)
        {
            throw ApiErrors.InvalidParameterValue($"Volume {volume.Id} is {volume.SizeGiB}GiB already: the modification would change nothing.");
        }

        EnsureSize(targetSizeGiB);
    }

    /// <summary>
    /// Starts a modification: the volume has its new size at once (as EBS describes it), and the modification is
    /// <c>modifying</c> until its server holds the bytes at that size; a volume no server holds yet is made at the new
    /// size at its first attachment, so its modification is completed at once.
    /// </summary>
    public static void Modify(Volume volume, int targetSizeGiB, DateTime now)
    {
        volume.OriginalSizeGiB = volume.SizeGiB;
        volume.SizeGiB = targetSizeGiB;
        volume.ModificationStartedAt = now;
        volume.ModificationState = volume.HostId is null ? ModificationStates.Completed : ModificationStates.Modifying;
        volume.ModificationEndedAt = volume.HostId is null ? now : null;
        volume.Revision++;
    }

    /// <summary>EBS's progress of a modification, in percent: its server either holds the new size or not yet.</summary>
    public static int ModificationProgress(Volume volume) => volume.ModificationState == ModificationStates.Completed ? 100 : 0;

    public static void Attach(Volume volume, string instanceId, string device, string hostId, DateTime now)
    {
        volume.State = VolumeStates.InUse;
        volume.AttachmentState = AttachmentStates.Attaching;
        volume.InstanceId = instanceId;
        volume.Device = device;
        volume.HostId = hostId;
        volume.AttachedAt = now;
        volume.Revision++;
    }

    public static void Detach(Volume volume)
    {
        volume.AttachmentState = AttachmentStates.Detaching;
        volume.Revision++;
    }

    /// <summary>Deleting: at once when no server holds its bytes, else once the server has removed them.</summary>
    public static void Delete(Volume volume)
    {
        volume.State = volume.HostId is null ? VolumeStates.Deleted : VolumeStates.Deleting;
        volume.Revision++;
    }

    /// <summary>The instance is gone: the volume stays, unplugged (EBS's DeleteOnTermination is false for data volumes).</summary>
    public static void Release(Volume volume)
    {
        volume.State = VolumeStates.Available;
        volume.AttachmentState = null;
        volume.InstanceId = null;
        volume.Device = null;
        volume.AttachedAt = null;
        volume.Revision++;
    }

    /// <summary>
    /// Moves a volume along from what its server observed after applying its latest change:
    /// <paramref name="observed"/> is null when the volume is not in the server's pool, else the instance it is plugged into (or null).
    /// </summary>
    /// <param name="capacityBytes">The pool volume's size on the server, when reported: a modification completes once it is the new size.</param>
    /// <returns>Whether the volume changed.</returns>
    public static bool Advance(Volume volume, bool present, string? attachedTo, long? capacityBytes = null, DateTime? now = null)
    {
        var changed = false;
        if (present && !volume.Materialized)
        {
            volume.Materialized = true;
            changed = true;
        }

        if (volume.ModificationState == ModificationStates.Modifying && present && capacityBytes >= volume.SizeGiB * GiB)
        {
            volume.ModificationState = ModificationStates.Completed;
            volume.ModificationEndedAt = now ?? DateTime.UtcNow;
            volume.Revision++;
            changed = true;
        }

        switch (volume.State)
        {
            case VolumeStates.InUse when volume.AttachmentState == AttachmentStates.Attaching && present && attachedTo == volume.InstanceId:
                volume.AttachmentState = AttachmentStates.Attached;
                break;
            case VolumeStates.InUse when volume.AttachmentState == AttachmentStates.Detaching && attachedTo != volume.InstanceId:
                Release(volume);
                break;
            case VolumeStates.Deleting when !present:
                volume.State = VolumeStates.Deleted;
                break;
            default:
                return changed;
        }

        volume.Revision++;
        return true;
    }

    [GeneratedRegex("^vol-[0-9a-f]{8,17}$")]
    private static partial Regex VolumeId();

    [GeneratedRegex("^snap-[0-9a-f]{8,17}$")]
    private static partial Regex SnapshotId();

    [GeneratedRegex("^i-[0-9a-f]{8,17}$")]
    private static partial Regex InstanceId();

    [GeneratedRegex("^/dev/(sd|xvd)(?<letter>[f-p])$")]
    private static partial Regex DeviceName();
}
