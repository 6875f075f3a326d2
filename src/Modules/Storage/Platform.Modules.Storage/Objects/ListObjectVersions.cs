using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Objects;

/// <summary>ListObjectVersions: every version and delete marker, by key then newest first, paged by key-marker and version-id-marker.</summary>
internal sealed record ListObjectVersions(string Bucket, string? Prefix, string? Delimiter, int MaxKeys, string? KeyMarker, string? VersionIdMarker)
    : IRequest<VersionPage>;

internal sealed class ListObjectVersionsHandler(StorageDbContext db, BucketAccess access) : IRequestHandler<ListObjectVersions, VersionPage>
{
    private const int Batch = 500;

    public async ValueTask<VersionPage> Handle(ListObjectVersions request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:ListBucketVersions", BucketAccess.Arn(request.Bucket), cancellationToken, BucketAccess.ListingKeys(request.Prefix));
        var listing = new VersionListing(request.Prefix, request.Delimiter, request.KeyMarker, request.VersionIdMarker, request.MaxKeys);
        var from = listing.StartKey;
        var inclusive = true;
        while (true)
        {
            // Every key with a version has its current one in s3_objects: walk those, and fetch the kept versions of each batch's keys at once.
            var query = db.Objects.AsNoTracking().Where(o => o.BucketName == request.Bucket);
            query = inclusive ? query.Where(o => o.Key.CompareTo(from) >= 0) : query.Where(o => o.Key.CompareTo(from) > 0);
            var current = await query.OrderBy(o => o.Key).Take(Batch).ToListAsync(cancellationToken);
            if (current.Count == 0)
            {
                return listing.Page();
            }

            var first = current[0].Key;
            var last = current[^1].Key;
            var kept = (await db.Versions.AsNoTracking()
                    .Where(v => v.BucketName == request.Bucket && v.Key.CompareTo(first) >= 0 && v.Key.CompareTo(last) <= 0)
                    .ToListAsync(cancellationToken))
                .ToLookup(v => v.Key, StringComparer.Ordinal);
            foreach (var row in current)
            {
                if (!listing.Offer(Entry(row)))
                {
                    return listing.Page();
                }

                foreach (var version in NewestFirst(kept[row.Key]))
                {
                    if (!listing.Offer(Entry(version)))
                    {
                        return listing.Page();
                    }
                }
            }

            if (current.Count < Batch)
            {
                return listing.Page();
            }

            from = last;
            inclusive = false;
        }
    }

    /// <summary>A key's kept versions newest first: the latest to stop being current first, as DeleteVersionAsync promotes them.</summary>
    public static IEnumerable<NoncurrentVersion> NewestFirst(IEnumerable<NoncurrentVersion> versions) =>
        versions.OrderByDescending(v => v.NoncurrentSince).ThenByDescending(v => v.LastModified);

    private static VersionEntry Entry(StoredObject current) => new(current.Key, ObjectVersions.Wire(current.VersionId), true, current.IsDeleteMarker,
        current.LastModified, current.ETag, current.Size);

    private static VersionEntry Entry(NoncurrentVersion kept) =>
        new(kept.Key, kept.VersionId, false, kept.IsDeleteMarker, kept.LastModified, kept.ETag, kept.Size);
}
