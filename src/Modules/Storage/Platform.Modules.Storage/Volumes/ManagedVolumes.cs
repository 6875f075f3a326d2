using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Storage.Contracts;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Volumes;

/// <summary>
/// A managed instance's data volume: bound to its server and attaching at once (the instance is being launched there),
/// as <c>/dev/sdf</c>, the only data disk the guest sees. One per instance: a second call answers the first volume.
/// </summary>
internal sealed class CreateManagedVolumeHandler(StorageDbContext db, ISender sender, TimeProvider clock) : IRequestHandler<CreateManagedVolume, string>
{
    public const string Device = "/dev/sdf";

    public async ValueTask<string> Handle(CreateManagedVolume request, CancellationToken cancellationToken)
    {
        if (await ExistingAsync(request, cancellationToken) is { } existing)
        {
            return existing;
        }

        VolumeRules.EnsureSize(request.SizeGiB);
        var now = clock.GetUtcNow().UtcDateTime;
        var volume = new Volume
        {
            Id = ResourceIds.New("vol"),
            AccountId = request.AccountId,
            AvailabilityZone = request.AvailabilityZone,
            SizeGiB = request.SizeGiB,
            VolumeType = "gp3",
            State = VolumeStates.Available,
            CreatedAt = now,
            ManagedBy = request.ManagedBy,
        };
        VolumeRules.Attach(volume, request.InstanceId, Device, request.HostId, now);
        db.Volumes.Add(volume);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The unique (instance, device) index: a concurrent call made the instance's volume first.
            db.ChangeTracker.Clear();
            return await ExistingAsync(request, cancellationToken) ?? throw new InvalidOperationException(
                $"The data volume of {request.InstanceId} failed to commit, yet the instance has none.");
        }

        await VolumeLookup.PushAsync(db, sender, volume, cancellationToken);
        return volume.Id;
    }

    private async Task<string?> ExistingAsync(CreateManagedVolume request, CancellationToken cancellationToken) =>
        await db.Volumes.AsNoTracking()
            .Where(v => v.InstanceId == request.InstanceId && v.ManagedBy == request.ManagedBy && v.State != VolumeStates.Deleted)
            .Select(v => v.Id).FirstOrDefaultAsync(cancellationToken);
}

/// <summary>
/// The managed data volume's grow (<see cref="GrowManagedVolume"/>): the rules of ModifyVolume (<see cref="VolumeRules.Modify"/>)
/// without the tenant's quota; two callers at once: one modifies, the other is answered the modification under way.
/// </summary>
internal sealed class GrowManagedVolumeHandler(StorageDbContext db, ISender sender, TimeProvider clock) : IRequestHandler<GrowManagedVolume, ManagedVolumeSize>
{
    public async ValueTask<ManagedVolumeSize> Handle(GrowManagedVolume request, CancellationToken cancellationToken)
    {
        VolumeRules.EnsureSize(request.SizeGiB);
        var volume = await db.Volumes.SingleOrDefaultAsync(
                v => v.Id == request.VolumeId && v.ManagedBy == request.ManagedBy && v.State != VolumeStates.Deleted && v.State != VolumeStates.Deleting, cancellationToken)
            ?? throw VolumeRules.NotFound(request.VolumeId);
        if (volume.SizeGiB < request.SizeGiB && volume.ModificationState != ModificationStates.Modifying)
        {
            VolumeRules.Modify(volume, request.SizeGiB, clock.GetUtcNow().UtcDateTime);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                // Changed meanwhile (a report, or another caller's grow): answered as it is now; the caller asks again.
                db.ChangeTracker.Clear();
                volume = await db.Volumes.AsNoTracking().SingleAsync(v => v.Id == request.VolumeId, cancellationToken);
                return Size(volume);
            }

            await VolumeLookup.PushAsync(db, sender, volume, cancellationToken);
        }

        return Size(volume);
    }

    private static ManagedVolumeSize Size(Volume volume) =>
        new(volume.Id, volume.SizeGiB, volume.ModificationState != ModificationStates.Modifying);
}
