using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Security;
using Platform.Modules.Storage.Persistence;
using Platform.Modules.Storage.Volumes.Encryption;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Storage.Volumes;

internal static class VolumeArns
{
    public static string Volume(string region, string accountId, string volumeId) => Arns.Build("ec2", region, accountId, $"volume/{volumeId}");

    public static string Snapshot(string region, string snapshotId) => Arns.Build("ec2", region, "", $"snapshot/{snapshotId}");
}

/// <summary>
/// CreateVolume: N GiB in a zone, empty or from a completed snapshot (then of the snapshot's size). Available at once: its bytes are made on the server of its first attachment.
/// <c>client_token</c> makes it idempotent as EC2's ClientToken. <c>encrypted</c> (or the account's encryption by default)
/// gives it a data key of its own; a volume from an encrypted snapshot is encrypted under the snapshot's key.
/// </summary>
internal sealed record CreateVolume(string? AvailabilityZone, int? Size, string? SnapshotId, string? VolumeType, string? ClientToken, bool? Encrypted = null,
    IReadOnlyList<ResourceTag>? Tags = null)
    : IRequest<VolumeResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:CreateVolume", VolumeArns.Volume(region, caller.AccountId, "*"));

    public void Validate()
    {
        Parameter.Required(AvailabilityZone, "availability_zone");
        ResourceTags.Validate(Tags);
        if (Size is null && SnapshotId is null)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter size or snapshot_id");
        }

        VolumeRules.EnsureSize(Size);
        if (SnapshotId is not null)
        {
            VolumeRules.EnsureSnapshotId(SnapshotId);
        }

        if (VolumeType is not null && !VolumeRules.VolumeTypes.Contains(VolumeType, StringComparer.Ordinal))
        {
            throw ApiErrors.InvalidParameterValue($"Value ({VolumeType}) for parameter volume_type is invalid. Valid values: {string.Join(", ", VolumeRules.VolumeTypes)}.");
        }

        if (ClientToken is { Length: 0 or > 64 })
        {
            throw ApiErrors.InvalidParameterValue("client_token must be 1 to 64 ASCII characters.");
        }
    }

    public string ParametersHash() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        JsonSerializer.Serialize(new object?[] { AvailabilityZone, Size, SnapshotId, VolumeType, Encrypted }))));
}

internal sealed class CreateVolumeHandler(StorageDbContext db, ICallerContext caller, IOptions<PlatformOptions> platform, ISecretProtector protector,
    IOptions<StorageOptions> storage, TimeProvider clock)
    : IRequestHandler<CreateVolume, VolumeResponse>
{
    public async ValueTask<VolumeResponse> Handle(CreateVolume request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var hash = request.ParametersHash();
        if (await EarlierAsync(accountId, request.ClientToken, hash, cancellationToken) is { } earlier)
        {
            return earlier;
        }

        if (!platform.Value.Zones.Contains(request.AvailabilityZone!, StringComparer.Ordinal))
        {
            throw ApiErrors.InvalidParameterValue($"Invalid availability zone: [{request.AvailabilityZone}]");
        }

        var size = request.Size;
        var id = ResourceIds.New("vol");
        string? wrappedKey = null;
        if (request.SnapshotId is { } snapshotId)
        {
            var snapshot = await db.Snapshots.AsNoTracking().SingleOrDefaultAsync(s => s.Id == snapshotId && s.AccountId == accountId, cancellationToken)
                ?? throw VolumeRules.SnapshotNotFound(snapshotId);
            if (snapshot.State != SnapshotStates.Completed)
            {
                throw new ApiException(400, "IncorrectState", $"Snapshot '{snapshotId}' is in the '{snapshot.State}' state; volumes are made from completed snapshots.");
            }

            size ??= snapshot.VolumeSizeGiB;
            if (size != snapshot.VolumeSizeGiB)
            {
                // The snapshot is the source's qcow2 file, restored as it is: the new volume has the snapshot's size.
                throw ApiErrors.InvalidParameterValue($"A volume from snapshot '{snapshotId}' has its size, {snapshot.VolumeSizeGiB}GiB (asked: {size}GiB).");
            }

            // The snapshot's bytes are restored as they are: an encrypted one's stay ciphertext under its key, and a clear one's stay clear.
            if (snapshot.Encrypted && request.Encrypted == false)
            {
                throw new ApiException(400, "InvalidParameterCombination", $"Snapshot '{snapshotId}' is encrypted; a volume created from it is encrypted too.");
            }

            if (!snapshot.Encrypted && request.Encrypted == true)
            {
                throw new ApiException(400, "InvalidParameterCombination", 
                    $"Snapshot '{snapshotId}' is not encrypted; encrypting its bytes while restoring them is not supported yet: create an encrypted volume and copy into it.");
            }

            wrappedKey = snapshot.WrappedKey is { } snapshotKey ? VolumeKeys.ForRestoredVolume(protector, snapshotId, snapshotKey, id) : null;
        }
        else if (request.Encrypted == true || await EncryptionDefaults.IsEnabledAsync(db, accountId, cancellationToken))
        {
            // As on EC2, encryption by default makes every new empty volume encrypted, whatever the call says.
            wrappedKey = VolumeKeys.NewWrapped(protector, id);
        }

        await Modify.VolumeQuota.EnsureRoomAsync(db, storage.Value, accountId, size!.Value, cancellationToken);
        var volume = new Volume
        {
            Id = id,
            AccountId = accountId,
            AvailabilityZone = request.AvailabilityZone!,
            SizeGiB = size!.Value,
            VolumeType = request.VolumeType ?? "gp3",
            SnapshotId = request.SnapshotId,
            State = VolumeStates.Available,
            ClientToken = request.ClientToken,
            ParametersHash = hash,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            Encrypted = wrappedKey is not null,
            WrappedKey = wrappedKey,
        };
        db.Volumes.Add(volume);
        VolumeTagStore.Add(db, accountId, volume.Id, request.Tags);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (request.ClientToken is not null)
        {
            // A retry with the same token committed first: answer as it did.
            db.ChangeTracker.Clear();
            return await EarlierAsync(accountId, request.ClientToken, hash, cancellationToken)
                ?? throw new InvalidOperationException("A volume with a client token failed to commit, yet none with that token exists.");
        }

        return VolumeResponse.From(volume) with { Tags = request.Tags ?? [] };
    }

    private async Task<VolumeResponse?> EarlierAsync(string accountId, string? clientToken, string hash, CancellationToken cancellationToken)
    {
        if (clientToken is null)
        {
            return null;
        }

        var earlier = await db.Volumes.AsNoTracking().SingleOrDefaultAsync(v => v.AccountId == accountId && v.ClientToken == clientToken, cancellationToken);
        return earlier is null ? null
            : earlier.ParametersHash != hash ? throw ApiErrors.IdempotentParameterMismatch($"The client token '{clientToken}' was already used by a request with different parameters.")
            : VolumeResponse.From(earlier) with { Tags = (await VolumeTagStore.OfAsync(db, accountId, [earlier.Id], cancellationToken)).For(earlier.Id) };
    }
}

/// <summary>DescribeVolumes: the account's volumes (all, or the ids asked for; an unknown id is InvalidVolume.NotFound).</summary>
internal sealed record DescribeVolumes(IReadOnlyList<string> VolumeIds) : IRequest<VolumesResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DescribeVolumes", VolumeArns.Volume(region, caller.AccountId, "*"));

    public void Validate()
    {
        foreach (var id in VolumeIds)
        {
            VolumeRules.EnsureVolumeId(id);
        }
    }
}

internal sealed class DescribeVolumesHandler(StorageDbContext db, ICallerContext caller) : IRequestHandler<DescribeVolumes, VolumesResponse>
{
    public async ValueTask<VolumesResponse> Handle(DescribeVolumes request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var ids = request.VolumeIds.Distinct(StringComparer.Ordinal).ToList();
        var query = db.Volumes.AsNoTracking().Where(v => v.AccountId == accountId && v.State != VolumeStates.Deleted && v.ManagedBy == null);
        if (ids.Count > 0)
        {
            query = query.Where(v => ids.Contains(v.Id));
        }

        var volumes = await query.OrderBy(v => v.CreatedAt).ThenBy(v => v.Id).ToListAsync(cancellationToken);
        if (ids.FirstOrDefault(id => volumes.All(v => v.Id != id)) is { } missing)
        {
            throw VolumeRules.NotFound(missing);
        }

        var tags = await VolumeTagStore.OfAsync(db, accountId, [.. volumes.Select(v => v.Id)], cancellationToken);
        return new VolumesResponse(volumes.Select(v => VolumeResponse.From(v) with { Tags = tags.For(v.Id) }).ToList());
    }
}

/// <summary>
/// AttachVolume: to a running or stopped instance in the volume's zone, at a free device name. The volume turns
/// <c>in-use</c> with its attachment <c>attaching</c> until the instance's server reports the disk plugged in.
/// </summary>
internal sealed record AttachVolume(string VolumeId, string? InstanceId, string? Device) : IRequest<AttachmentResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:AttachVolume", VolumeArns.Volume(region, caller.AccountId, VolumeId));

    public void Validate()
    {
        VolumeRules.EnsureVolumeId(VolumeId);
        Parameter.Required(InstanceId, "instance_id");
        Parameter.Required(Device, "device");
        VolumeRules.EnsureInstanceId(InstanceId);
        VolumeRules.TargetDevice(Device);
    }
}

internal sealed class AttachVolumeHandler(StorageDbContext db, ICallerContext caller, ISender sender, TimeProvider clock)
    : IRequestHandler<AttachVolume, AttachmentResponse>
{
    public async ValueTask<AttachmentResponse> Handle(AttachVolume request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var volume = await VolumeLookup.OwnedAsync(db, accountId, request.VolumeId, cancellationToken);
        VolumeRules.EnsureAttachable(volume);
        var instance = await sender.Send(new DescribeInstancePlacement(accountId, request.InstanceId!), cancellationToken)
            ?? throw new ApiException(400, "InvalidInstanceID.NotFound", $"The instance ID '{request.InstanceId}' does not exist");
        if (instance.State is not ("running" or "stopped"))
        {
            throw new ApiException(400, "IncorrectInstanceState", $"The instance '{instance.InstanceId}' is not 'running' or 'stopped'.");
        }

        if (instance.AvailabilityZone != volume.AvailabilityZone)
        {
            throw new ApiException(400, "InvalidVolume.ZoneMismatch",
                $"The volume '{volume.Id}' is not in the same availability zone as instance '{instance.InstanceId}'");
        }

        VolumeRules.EnsureSameServer(volume, instance.InstanceId, instance.HostId);
        if (await db.Volumes.AnyAsync(v => v.InstanceId == instance.InstanceId && v.Device == request.Device, cancellationToken))
        {
            throw ApiErrors.InvalidParameterValue($"Attachment point {request.Device} is already in use");
        }

        VolumeRules.Attach(volume, instance.InstanceId, request.Device!, instance.HostId, clock.GetUtcNow().UtcDateTime);
        await VolumeLookup.SaveAsync(db, volume, cancellationToken);
        await VolumeLookup.PushAsync(db, sender, volume, cancellationToken);
        return AttachmentResponse.From(volume);
    }
}

/// <summary>DetachVolume: the attachment turns <c>detaching</c>; the volume is <c>available</c> once the server has unplugged it.</summary>
internal sealed record DetachVolume(string VolumeId, string? InstanceId) : IRequest<AttachmentResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DetachVolume", VolumeArns.Volume(region, caller.AccountId, VolumeId));

    public void Validate()
    {
        VolumeRules.EnsureVolumeId(VolumeId);
        if (InstanceId is not null)
        {
            VolumeRules.EnsureInstanceId(InstanceId);
        }
    }
}

internal sealed class DetachVolumeHandler(StorageDbContext db, ICallerContext caller, ISender sender) : IRequestHandler<DetachVolume, AttachmentResponse>
{
    public async ValueTask<AttachmentResponse> Handle(DetachVolume request, CancellationToken cancellationToken)
    {
        var volume = await VolumeLookup.OwnedAsync(db, caller.Identity.AccountId, request.VolumeId, cancellationToken);
        VolumeRules.EnsureDetachable(volume, request.InstanceId);
        VolumeRules.Detach(volume);
        await VolumeLookup.SaveAsync(db, volume, cancellationToken);
        await VolumeLookup.PushAsync(db, sender, volume, cancellationToken);
        return AttachmentResponse.From(volume);
    }
}

/// <summary>DeleteVolume: only when not attached. A volume with bytes on a server is <c>deleting</c> until the server removed them.</summary>
internal sealed record DeleteVolume(string VolumeId) : IRequest, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DeleteVolume", VolumeArns.Volume(region, caller.AccountId, VolumeId));

    public void Validate() => VolumeRules.EnsureVolumeId(VolumeId);
}

internal sealed class DeleteVolumeHandler(StorageDbContext db, ICallerContext caller, ISender sender) : IRequestHandler<DeleteVolume>
{
    public async ValueTask<Unit> Handle(DeleteVolume request, CancellationToken cancellationToken)
    {
        var volume = await VolumeLookup.OwnedAsync(db, caller.Identity.AccountId, request.VolumeId, cancellationToken);
        VolumeRules.EnsureDeletable(volume);
        if (volume.State == VolumeStates.Deleting)
        {
            return Unit.Value;
        }

        VolumeRules.Delete(volume);
        await VolumeLookup.SaveAsync(db, volume, cancellationToken);
        if (volume.State == VolumeStates.Deleting)
        {
            await VolumeLookup.PushAsync(db, sender, volume, cancellationToken);
        }

        return Unit.Value;
    }
}

internal static class VolumeLookup
{
    /// <summary>
    /// The account's volume, tracked; another account's (or a deleted one) is as absent as a missing one, and so is a
    /// managed instance's data volume, which is the platform's.
    /// </summary>
    public static async Task<Volume> OwnedAsync(StorageDbContext db, string accountId, string volumeId, CancellationToken cancellationToken) =>
        await db.Volumes.SingleOrDefaultAsync(
                v => v.Id == volumeId && v.AccountId == accountId && v.State != VolumeStates.Deleted && v.ManagedBy == null, cancellationToken)
            ?? throw VolumeRules.NotFound(volumeId);

    public static async Task SaveAsync(StorageDbContext db, Volume volume, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ApiException(400, "IncorrectState", $"The volume '{volume.Id}' changed while this request ran; describe it and try again.");
        }
        catch (DbUpdateException) when (volume.Device is not null)
        {
            // The unique index on (instance, device): another volume took the device name first.
            throw ApiErrors.InvalidParameterValue($"Attachment point {volume.Device} is already in use");
        }
    }

    /// <summary>
    /// Tells the volume's server (through Compute) that what it must hold changed, and remembers the version that
    /// carries the change: reports made before it do not judge the volume.
    /// </summary>
    public static async Task PushAsync(StorageDbContext db, ISender sender, Volume volume, CancellationToken cancellationToken)
    {
        if (volume.HostId is not { } hostId)
        {
            return;
        }

        var version = await sender.Send(new RaiseHostDesiredState(hostId), cancellationToken);
        await db.Volumes.Where(v => v.Id == volume.Id && v.ChangedAtVersion < version)
            .ExecuteUpdateAsync(set => set.SetProperty(v => v.ChangedAtVersion, version), cancellationToken);
    }
}
