using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Contracts;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Volumes;

/// <summary>Storage's state as Billing samples it: three aggregate reads, nothing changed.</summary>
internal sealed class DescribeStoredUsageHandler(StorageDbContext db) : IRequestHandler<DescribeStoredUsage, IReadOnlyList<StoredUsage>>
{
    private const long GiB = 1L << 30;

    public async ValueTask<IReadOnlyList<StoredUsage>> Handle(DescribeStoredUsage request, CancellationToken cancellationToken)
    {
        var volumes = await db.Volumes.AsNoTracking().Where(v => v.State != VolumeStates.Deleted && v.State != VolumeStates.Deleting)
            .Select(v => new { v.AccountId, v.Id, v.VolumeType, v.SizeGiB, v.ManagedBy, v.CreatedAt }).ToListAsync(cancellationToken);
        var snapshots = await db.Snapshots.AsNoTracking().Where(s => s.State == SnapshotStates.Completed)
            .Select(s => new { s.AccountId, s.Id, s.SizeBytes, s.StartedAt }).ToListAsync(cancellationToken);
        var current = await db.Objects.AsNoTracking().GroupBy(o => o.BucketName).Select(g => new { Bucket = g.Key, Bytes = g.Sum(o => o.Size) }).ToListAsync(cancellationToken);
        var kept = await db.Versions.AsNoTracking().GroupBy(o => o.BucketName).Select(g => new { Bucket = g.Key, Bytes = g.Sum(o => o.Size) }).ToListAsync(cancellationToken);
        var owners = await db.Buckets.AsNoTracking().Select(b => new { b.Name, b.AccountId, b.CreatedAt }).ToDictionaryAsync(b => b.Name, StringComparer.Ordinal, cancellationToken);
        var buckets = current.Concat(kept).GroupBy(b => b.Bucket, StringComparer.Ordinal)
            .Select(g => (Bucket: g.Key, Bytes: g.Sum(b => b.Bytes)))
            .Where(b => b.Bytes > 0 && owners.ContainsKey(b.Bucket));
        return
        [
            .. volumes.Select(v => new StoredUsage(v.AccountId, v.Id, StoredKinds.Volume, v.VolumeType, v.SizeGiB * GiB, v.ManagedBy, Utc(v.CreatedAt))),
            .. snapshots.Select(s => new StoredUsage(s.AccountId, s.Id, StoredKinds.Snapshot, null, s.SizeBytes, null, Utc(s.StartedAt))),
            .. buckets.Select(b => new StoredUsage(owners[b.Bucket].AccountId, b.Bucket, StoredKinds.Bucket, null, b.Bytes, null, Utc(owners[b.Bucket].CreatedAt))),
        ];
    }

    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);
}
