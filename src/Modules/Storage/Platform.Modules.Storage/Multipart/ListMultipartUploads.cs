using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Multipart;

/// <summary>
/// ListMultipartUploads: uploads in progress in a bucket by key, then by upload id (which begins with the initiation
/// time, so uploads of one key come oldest first, as S3 lists them), after the markers: keys after
/// <paramref name="KeyMarker"/>, and with <paramref name="UploadIdMarker"/> also that key's uploads after that id. Keys
/// with the delimiter past the prefix are rolled up into common prefixes; at most MaxUploads entries of both kinds.
/// Read a batch at a time, never all of a bucket's uploads at once.
/// </summary>
internal sealed record ListMultipartUploads(string Bucket, string? Prefix, string? Delimiter, int MaxUploads, string? KeyMarker, string? UploadIdMarker)
    : IRequest<UploadListing>;

/// <param name="NextKeyMarker">With <paramref name="NextUploadIdMarker"/>, where the next page starts; set when truncated.</param>
/// <param name="NextUploadIdMarker">Empty when the page ended on a common prefix.</param>
internal sealed record UploadListing(IReadOnlyList<MultipartUpload> Uploads, IReadOnlyList<string> CommonPrefixes, bool IsTruncated,
    string? NextKeyMarker, string? NextUploadIdMarker);

internal sealed class ListMultipartUploadsHandler(StorageDbContext db, BucketAccess access) : IRequestHandler<ListMultipartUploads, UploadListing>
{
    public const int MaxUploads = 1000;
    private const int Batch = 1000;

    public async ValueTask<UploadListing> Handle(ListMultipartUploads request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:ListBucketMultipartUploads", BucketAccess.Arn(request.Bucket), cancellationToken);
        var prefix = request.Prefix ?? "";
        var delimiter = string.IsNullOrEmpty(request.Delimiter) ? null : request.Delimiter;
        var limit = Math.Clamp(request.MaxUploads, 0, MaxUploads);
        var uploads = new List<MultipartUpload>();
        var prefixes = new List<string>();
        if (limit == 0)
        {
            return new UploadListing(uploads, prefixes, false, null, null);
        }

        // S3 ignores upload-id-marker without key-marker. Start at the prefix when the marker is before it: keys before
        // it cannot match (a range scan, not LIKE, which SQLite folds by case).
        var keyMarker = string.IsNullOrEmpty(request.KeyMarker) ? null : request.KeyMarker;
        var idMarker = keyMarker is null || string.IsNullOrEmpty(request.UploadIdMarker) ? null : request.UploadIdMarker;
        string fromKey;
        string? fromId;
        bool inclusive;
        if (keyMarker is not null && string.CompareOrdinal(keyMarker, prefix) >= 0)
        {
            // After (key, id): that key's later uploads, then later keys. Without an id, later keys only.
            (fromKey, fromId, inclusive) = (keyMarker, idMarker, false);
        }
        else
        {
            (fromKey, fromId, inclusive) = (prefix, null, true);
        }

        MultipartUpload? lastUpload = null;
        string? lastPrefix = null;
        while (true)
        {
            var query = db.MultipartUploads.AsNoTracking().Where(u => u.BucketName == request.Bucket);
            var key = fromKey;
            var id = fromId;
            query = inclusive
                ? query.Where(u => u.Key.CompareTo(key) >= 0)
                : id is null
                    ? query.Where(u => u.Key.CompareTo(key) > 0)
                    : query.Where(u => u.Key.CompareTo(key) > 0 || (u.Key == key && u.UploadId.CompareTo(id) > 0));
            var rows = await query.OrderBy(u => u.Key).ThenBy(u => u.UploadId).Take(Batch).ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                if (!row.Key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return new UploadListing(uploads, prefixes, false, null, null);
                }

                var cut = delimiter is null ? -1 : row.Key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (cut >= 0)
                {
                    var common = row.Key[..(cut + delimiter!.Length)];
                    // Keys under a prefix already returned, on this page or (via the marker) on an earlier one.
                    if ((prefixes.Count > 0 && prefixes[^1] == common) || (keyMarker is not null && keyMarker.StartsWith(common, StringComparison.Ordinal)))
                    {
                        continue;
                    }

                    if (uploads.Count + prefixes.Count == limit)
                    {
                        return Truncated();
                    }

                    prefixes.Add(common);
                    (lastPrefix, lastUpload) = (common, null);
                    continue;
                }

                if (uploads.Count + prefixes.Count == limit)
                {
                    return Truncated();
                }

                uploads.Add(row);
                (lastPrefix, lastUpload) = (null, row);
            }

            if (rows.Count < Batch)
            {
                return new UploadListing(uploads, prefixes, false, null, null);
            }

            (fromKey, fromId, inclusive) = (rows[^1].Key, rows[^1].UploadId, false);
        }

        UploadListing Truncated() => lastUpload is not null
            ? new UploadListing(uploads, prefixes, true, lastUpload.Key, lastUpload.UploadId)
            : new UploadListing(uploads, prefixes, true, lastPrefix, "");
    }
}
