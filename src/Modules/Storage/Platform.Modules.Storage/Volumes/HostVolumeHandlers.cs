using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Shared.Security;
using Platform.Modules.Storage.Blobs;
using Platform.Modules.Storage.Contracts;
using Platform.Modules.Storage.Persistence;
using Platform.Modules.Storage.Volumes.Encryption;

namespace Platform.Modules.Storage.Volumes;

/// <summary>The volumes bound to a server, for its desired state.</summary>
internal sealed class DescribeHostVolumesHandler(StorageDbContext db, ISecretProtector protector) : IRequestHandler<DescribeHostVolumes, IReadOnlyList<HostVolume>>
{
    public async ValueTask<IReadOnlyList<HostVolume>> Handle(DescribeHostVolumes request, CancellationToken cancellationToken)
    {
        var volumes = await db.Volumes.AsNoTracking()
            .Where(v => v.HostId == request.HostId && v.State != VolumeStates.Deleted)
            .OrderBy(v => v.Id).ToListAsync(cancellationToken);
        if (volumes.Count == 0)
        {
            return [];
        }

        var ids = volumes.Select(v => v.Id).ToList();
        var pending = (await db.Snapshots.AsNoTracking()
                .Where(s => ids.Contains(s.VolumeId) && s.State == SnapshotStates.Pending && s.HostId == request.HostId)
                .Select(s => new { s.VolumeId, s.Id }).ToListAsync(cancellationToken))
            .ToLookup(s => s.VolumeId, s => s.Id, StringComparer.Ordinal);
        var sources = volumes.Where(v => v.SnapshotId is not null).Select(v => v.SnapshotId!).Distinct().ToList();
        var withBytes = (await db.Snapshots.AsNoTracking().Where(s => sources.Contains(s.Id) && s.BlobId != null).Select(s => s.Id)
            .ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);

        return volumes.Select(v =>
        {
            var plugged = v.State == VolumeStates.InUse && v.AttachmentState is AttachmentStates.Attaching or AttachmentStates.Attached;
            return new HostVolume(
                v.Id,
                v.SizeGiB,
                v.State != VolumeStates.Deleting,
                v.SnapshotId is { } source && withBytes.Contains(source) ? source : null,
                plugged ? v.InstanceId : null,
                plugged ? VolumeRules.TargetDevice(v.Device) : null,
                pending[v.Id].Order(StringComparer.Ordinal).ToList(),
                v.WrappedKey is { } key && v.State != VolumeStates.Deleting ? VolumeKeys.Unwrap(protector, v.Id, key) : null);
        }).ToList();
    }
}

/// <summary>What a server saw of its volumes: moves them along EBS's states (<see cref="VolumeRules.Advance"/>).</summary>
internal sealed class RecordObservedVolumesHandler(StorageDbContext db, TimeProvider clock) : IRequestHandler<RecordObservedVolumes>
{
    public async ValueTask<Unit> Handle(RecordObservedVolumes request, CancellationToken cancellationToken)
    {
        var observed = request.Volumes.ToDictionary(v => v.VolumeId, StringComparer.Ordinal);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            db.ChangeTracker.Clear();
            var volumes = await db.Volumes
                .Where(v => v.HostId == request.HostId && v.State != VolumeStates.Deleted && v.State != VolumeStates.Available)
                .ToListAsync(cancellationToken);
            volumes.AddRange(await db.Volumes
                .Where(v => v.HostId == request.HostId && v.State == VolumeStates.Available
                    && (!v.Materialized || v.ModificationState == ModificationStates.Modifying))
                .ToListAsync(cancellationToken));
            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var volume in volumes.Where(v => request.AppliedVersion >= v.ChangedAtVersion))
            {
                var seen = observed.GetValueOrDefault(volume.Id);
                VolumeRules.Advance(volume, seen is not null, seen?.AttachedInstanceId, seen?.CapacityBytes, now);
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return Unit.Value;
            }
            catch (DbUpdateConcurrencyException)
            {
                // A user's call changed a volume meanwhile: judge again against what it is now.
            }
        }

        return Unit.Value;
    }
}

/// <summary>
/// An instance is gone, and with its domain its disks: the volumes it had are available again (on the same server), but a
/// managed instance's data volume, which goes with it (its server is told to remove the bytes).
/// </summary>
internal sealed class ReleaseVolumesOfTerminatedInstance(StorageDbContext db, ISender sender) : INotificationHandler<InstanceTerminated>
{
    public async ValueTask Handle(InstanceTerminated notification, CancellationToken cancellationToken)
    {
        var volumes = await db.Volumes.Where(v => v.InstanceId == notification.InstanceId && v.AccountId == notification.AccountId)
            .ToListAsync(cancellationToken);
        var deleted = new List<Volume>();
        foreach (var volume in volumes)
        {
            VolumeRules.Release(volume);
            if (volume.ManagedBy is not null)
            {
                VolumeRules.Delete(volume);
                deleted.Add(volume);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var volume in deleted.Where(v => v.State == VolumeStates.Deleting))
        {
            await VolumeLookup.PushAsync(db, sender, volume, cancellationToken);
        }
    }
}

/// <summary>A server streams a pending snapshot's bytes: they become one blob, and the snapshot completes.</summary>
internal sealed record StoreSnapshotBytes(string HostId, string SnapshotId, Stream Content, long? Length) : IRequest;

internal sealed class StoreSnapshotBytesHandler(StorageDbContext db, IBlobStore blobs, ISender sender, TimeProvider clock) : IRequestHandler<StoreSnapshotBytes>
{
    public async ValueTask<Unit> Handle(StoreSnapshotBytes request, CancellationToken cancellationToken)
    {
        var snapshot = await db.Snapshots.SingleOrDefaultAsync(s => s.Id == request.SnapshotId && s.HostId == request.HostId, cancellationToken)
            ?? throw VolumeRules.SnapshotNotFound(request.SnapshotId);
        if (snapshot.State != SnapshotStates.Pending)
        {
            return Unit.Value;
        }

        var written = await blobs.WriteAsync(request.Content, request.Length, cancellationToken);
        snapshot.BlobId = written.BlobId;
        snapshot.SizeBytes = written.Length;
        snapshot.State = SnapshotStates.Completed;
        snapshot.CompletedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        await sender.Send(new RaiseHostDesiredState(request.HostId), cancellationToken);
        return Unit.Value;
    }
}

/// <summary>A snapshot's bytes for a server that restores a volume bound to it from them.</summary>
internal sealed record OpenSnapshotBytes(string HostId, string SnapshotId) : IRequest<SnapshotBytes>;

internal sealed record SnapshotBytes(Stream Content, long Length);

internal sealed class OpenSnapshotBytesHandler(StorageDbContext db, IBlobStore blobs) : IRequestHandler<OpenSnapshotBytes, SnapshotBytes>
{
    public async ValueTask<SnapshotBytes> Handle(OpenSnapshotBytes request, CancellationToken cancellationToken)
    {
        var needed = await db.Volumes.AnyAsync(v => v.HostId == request.HostId && v.SnapshotId == request.SnapshotId && v.State != VolumeStates.Deleted,
            cancellationToken);
        var snapshot = needed ? await db.Snapshots.AsNoTracking().SingleOrDefaultAsync(s => s.Id == request.SnapshotId, cancellationToken) : null;
        if (snapshot?.BlobId is not { } blobId || blobs.OpenRead(blobId) is not { } content)
        {
            throw VolumeRules.SnapshotNotFound(request.SnapshotId);
        }

        return new SnapshotBytes(content, snapshot.SizeBytes);
    }
}
