using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Volumes.Modify;

/// <summary>
/// ModifyVolume (EBS's elastic volumes), for the size: the volume grows to <see cref="Size"/> GiB while it stays in use. The
/// volume has its new size at once; its server grows the pool volume (and, when a running guest has it plugged in, tells
/// QEMU, so the guest sees the new size without a reboot), and the modification goes from <c>modifying</c> to
/// <c>completed</c> when the server reports the new size. One modification at a time; a volume never shrinks. The type,
/// IOPS and throughput are labels on this platform (every volume is a qcow2 file on its server's pool): changing them is
/// not offered.
/// </summary>
internal sealed record ModifyVolume(string VolumeId, int? Size, string? VolumeType = null) : IRequest<VolumeModificationResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:ModifyVolume", VolumeArns.Volume(region, caller.AccountId, VolumeId));

    public void Validate()
    {
        VolumeRules.EnsureVolumeId(VolumeId);
        if (Size is null)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter size");
        }

        VolumeRules.EnsureSize(Size);
        if (VolumeType is not null && !VolumeRules.VolumeTypes.Contains(VolumeType, StringComparer.Ordinal))
        {
            throw ApiErrors.InvalidParameterValue($"Value ({VolumeType}) for parameter volume_type is invalid. Valid values: {string.Join(", ", VolumeRules.VolumeTypes)}.");
        }
    }
}

internal sealed class ModifyVolumeHandler(StorageDbContext db, ICallerContext caller, ISender sender, IOptions<StorageOptions> options, TimeProvider clock)
    : IRequestHandler<ModifyVolume, VolumeModificationResponse>
{
    public async ValueTask<VolumeModificationResponse> Handle(ModifyVolume request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var volume = await VolumeLookup.OwnedAsync(db, accountId, request.VolumeId, cancellationToken);
        if (request.VolumeType is { } type && type != volume.VolumeType)
        {
            throw ApiErrors.InvalidParameterValue(
                $"Changing the type of volume {volume.Id} ({volume.VolumeType} to {type}) is not offered by this platform: every type is the same qcow2 volume on its server.");
        }

        var size = request.Size!.Value;
        VolumeRules.EnsureModifiable(volume, size);
        await VolumeQuota.EnsureRoomAsync(db, options.Value, accountId, size - volume.SizeGiB, cancellationToken);
        VolumeRules.Modify(volume, size, clock.GetUtcNow().UtcDateTime);
        await VolumeLookup.SaveAsync(db, volume, cancellationToken);
        await VolumeLookup.PushAsync(db, sender, volume, cancellationToken);
        return VolumeModificationResponse.From(volume);
    }
}

/// <summary>
/// DescribeVolumesModifications: the latest modification of each of the account's volumes (all modified ones, or the ids
/// asked for: an unknown id is InvalidVolume.NotFound, a volume never modified has none to show).
/// </summary>
internal sealed record DescribeVolumesModifications(IReadOnlyList<string> VolumeIds)
    : IRequest<VolumeModificationsResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DescribeVolumesModifications", VolumeArns.Volume(region, caller.AccountId, "*"));

    public void Validate()
    {
        foreach (var id in VolumeIds)
        {
            VolumeRules.EnsureVolumeId(id);
        }
    }
}

internal sealed class DescribeVolumesModificationsHandler(StorageDbContext db, ICallerContext caller)
    : IRequestHandler<DescribeVolumesModifications, VolumeModificationsResponse>
{
    public async ValueTask<VolumeModificationsResponse> Handle(DescribeVolumesModifications request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var ids = request.VolumeIds.Distinct(StringComparer.Ordinal).ToList();
        var query = db.Volumes.AsNoTracking().Where(v => v.AccountId == accountId && v.State != VolumeStates.Deleted && v.ManagedBy == null);
        if (ids.Count > 0)
        {
            query = query.Where(v => ids.Contains(v.Id));
        }

        var volumes = await query.ToListAsync(cancellationToken);
        if (ids.FirstOrDefault(id => volumes.All(v => v.Id != id)) is { } missing)
        {
            throw VolumeRules.NotFound(missing);
        }

        return new VolumeModificationsResponse(volumes.Where(v => v.ModificationState is not null)
            .OrderBy(v => v.ModificationStartedAt).ThenBy(v => v.Id, StringComparer.Ordinal)
            .Select(VolumeModificationResponse.From).ToList());
    }
}

/// <summary>EBS's volume modification: what the volume was and is to be, how far its server is, and when.</summary>
internal sealed record VolumeModificationResponse(
    string VolumeId,
    string ModificationState,
    int TargetSize,
    int OriginalSize,
    string TargetVolumeType,
    string OriginalVolumeType,
    int Progress,
    DateTime StartTime,
    DateTime? EndTime)
{
    public static VolumeModificationResponse From(Volume volume) => new(
        volume.Id,
        volume.ModificationState!,
        volume.SizeGiB,
        volume.OriginalSizeGiB ?? volume.SizeGiB,
        volume.VolumeType,
        volume.VolumeType,
        VolumeRules.ModificationProgress(volume),
        volume.ModificationStartedAt ?? volume.CreatedAt,
        volume.ModificationEndedAt);
}

internal sealed record VolumeModificationsResponse(IReadOnlyList<VolumeModificationResponse> VolumesModifications);

/// <summary>
/// The account's EBS storage quota (EBS's per-region storage limit): the GiB of its volumes together, checked when a volume
/// is made or grown. A managed instance's data volume counts against its own module's quota (RDS's allocated storage), not this one.
/// </summary>
internal static class VolumeQuota
{
    public static async Task EnsureRoomAsync(StorageDbContext db, StorageOptions options, string accountId, int addedGiB, CancellationToken cancellationToken)
    {
        var used = await db.Volumes.Where(v => v.AccountId == accountId && v.State != VolumeStates.Deleted && v.ManagedBy == null)
            .SumAsync(v => (long)v.SizeGiB, cancellationToken);
        if (used + addedGiB > options.VolumeStorageQuotaGiB)
        {
            throw new ApiException(400, "VolumeLimitExceeded",
                $"You have exceeded your maximum volume storage limit of {options.VolumeStorageQuotaGiB} GiB in this region ({used} GiB in use, {addedGiB} GiB more asked).");
        }
    }
}
