using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Storage.Blobs;
using Platform.Modules.Shared.Security;
using Platform.Modules.Storage.Persistence;
using Platform.Modules.Storage.Volumes.Encryption;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Storage.Volumes;

/// <summary>
/// CreateSnapshot: of an available or in-use volume. <c>pending</c> until the volume's server has streamed its bytes
/// to the API; a volume never attached has no bytes yet, so its snapshot is complete (and empty) at once.
/// </summary>
internal sealed record CreateSnapshot(string? VolumeId, string? Description, IReadOnlyList<ResourceTag>? Tags = null)
    : IRequest<SnapshotResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:CreateSnapshot", VolumeArns.Volume(region, caller.AccountId, VolumeId ?? "*"));

    public void Validate()
    {
        Parameter.Required(VolumeId, "volume_id");
        VolumeRules.EnsureVolumeId(VolumeId);
        ResourceTags.Validate(Tags);
        if (Description is { Length: > 255 })
        {
            throw ApiErrors.InvalidParameterValue("description is limited to 255 characters.");
        }
    }
}

internal sealed class CreateSnapshotHandler(StorageDbContext db, ICallerContext caller, ISender sender, ISecretProtector protector, TimeProvider clock)
    : IRequestHandler<CreateSnapshot, SnapshotResponse>
{
    public async ValueTask<SnapshotResponse> Handle(CreateSnapshot request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var volume = await VolumeLookup.OwnedAsync(db, accountId, request.VolumeId!, cancellationToken);
        VolumeRules.EnsureSnapshottable(volume);
        var now = clock.GetUtcNow().UtcDateTime;
        string? sharedBlob = null;
        if (volume.HostId is null && volume.SnapshotId is { } source)
        {
            // Not attached yet, so still exactly its source snapshot's bytes.
            sharedBlob = await db.Snapshots.AsNoTracking().Where(s => s.Id == source).Select(s => s.BlobId).SingleOrDefaultAsync(cancellationToken);
        }

        var id = ResourceIds.New("snap");
        var snapshot = new Snapshot
        {
            Id = id,
            AccountId = accountId,
            VolumeId = volume.Id,
            VolumeSizeGiB = volume.SizeGiB,
            Description = request.Description,
            State = volume.HostId is null ? SnapshotStates.Completed : SnapshotStates.Pending,
            HostId = volume.HostId,
            BlobId = sharedBlob,
            StartedAt = now,
            CompletedAt = volume.HostId is null ? now : null,
            Encrypted = volume.Encrypted,
            WrappedKey = volume.WrappedKey is { } key ? VolumeKeys.ForSnapshot(protector, volume.Id, key, id) : null,
        };
        db.Snapshots.Add(snapshot);
        VolumeTagStore.Add(db, accountId, snapshot.Id, request.Tags);
        await db.SaveChangesAsync(cancellationToken);
        if (snapshot.State == SnapshotStates.Pending)
        {
            await sender.Send(new Compute.Contracts.RaiseHostDesiredState(snapshot.HostId!), cancellationToken);
        }

        return SnapshotResponse.From(snapshot) with { Tags = request.Tags ?? [] };
    }
}

/// <summary>DescribeSnapshots: the account's own snapshots (all, or the ids asked for).</summary>
internal sealed record DescribeSnapshots(IReadOnlyList<string> SnapshotIds) : IRequest<SnapshotsResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DescribeSnapshots", VolumeArns.Snapshot(region, "*"));

    public void Validate()
    {
        foreach (var id in SnapshotIds)
        {
            VolumeRules.EnsureSnapshotId(id);
        }
    }
}

internal sealed class DescribeSnapshotsHandler(StorageDbContext db, ICallerContext caller) : IRequestHandler<DescribeSnapshots, SnapshotsResponse>
{
    public async ValueTask<SnapshotsResponse> Handle(DescribeSnapshots request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var ids = request.SnapshotIds.Distinct(StringComparer.Ordinal).ToList();
        var query = db.Snapshots.AsNoTracking().Where(s => s.AccountId == accountId);
        if (ids.Count > 0)
        {
            query = query.Where(s => ids.Contains(s.Id));
        }

        var snapshots = await query.OrderBy(s => s.StartedAt).ThenBy(s => s.Id).ToListAsync(cancellationToken);
        if (ids.FirstOrDefault(id => snapshots.All(s => s.Id != id)) is { } missing)
        {
            throw VolumeRules.SnapshotNotFound(missing);
        }

        var tags = await VolumeTagStore.OfAsync(db, accountId, [.. snapshots.Select(s => s.Id)], cancellationToken);
        return new SnapshotsResponse(snapshots.Select(s => SnapshotResponse.From(s) with { Tags = tags.For(s.Id) }).ToList());
    }
}

/// <summary>
/// DeleteSnapshot: a completed (or failed) snapshot that no volume still needs (a volume made from it restores its
/// bytes at its first attachment). Its blob goes unless another snapshot shares it.
/// </summary>
internal sealed record DeleteSnapshot(string SnapshotId) : IRequest, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DeleteSnapshot", VolumeArns.Snapshot(region, SnapshotId));

    public void Validate() => VolumeRules.EnsureSnapshotId(SnapshotId);
}

internal sealed class DeleteSnapshotHandler(StorageDbContext db, ICallerContext caller, IBlobStore blobs) : IRequestHandler<DeleteSnapshot>
{
    public async ValueTask<Unit> Handle(DeleteSnapshot request, CancellationToken cancellationToken)
    {
        var snapshot = await db.Snapshots.SingleOrDefaultAsync(s => s.Id == request.SnapshotId && s.AccountId == caller.Identity.AccountId, cancellationToken)
            ?? throw VolumeRules.SnapshotNotFound(request.SnapshotId);
        if (snapshot.State == SnapshotStates.Pending)
        {
            throw new ApiException(400, "IncorrectState", $"The snapshot '{snapshot.Id}' is still pending.");
        }

        var waiting = await db.Volumes.AsNoTracking()
            .Where(v => v.SnapshotId == snapshot.Id && !v.Materialized && v.State != VolumeStates.Deleted)
            .Select(v => v.Id).FirstOrDefaultAsync(cancellationToken);
        if (waiting is not null)
        {
            throw new ApiException(400, "InvalidSnapshot.InUse",
                $"The snapshot {snapshot.Id} is in use by volume {waiting}, whose data is restored from it at its first attachment.");
        }

        db.Snapshots.Remove(snapshot);
        db.VolumeTags.RemoveRange(await db.VolumeTags.Where(t => t.ResourceId == snapshot.Id).ToListAsync(cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        if (snapshot.BlobId is { } blobId && !await db.Snapshots.AnyAsync(s => s.BlobId == blobId, cancellationToken))
        {
            // After the commit: a crash in between leaves an orphan blob, which the sweep reclaims.
            blobs.Delete(blobId);
        }

        return Unit.Value;
    }
}
