using System.Text;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Objects;

/// <summary>
/// ListObjects (v1 and v2 share it): keys in UTF-8 binary order after <paramref name="After"/>, those with
/// the delimiter past the prefix rolled up into common prefixes, at most MaxKeys entries of both kinds.
/// </summary>
internal sealed record ListObjects(string Bucket, string? Prefix, string? Delimiter, int MaxKeys, string? After) : IRequest<ObjectListing>;

internal sealed record ObjectListing(IReadOnlyList<ObjectSummary> Contents, IReadOnlyList<string> CommonPrefixes, bool IsTruncated, string? NextAfter);

internal sealed record ObjectSummary(string Key, long Size, string ETag, DateTime LastModified);

internal sealed class ListObjectsHandler(StorageDbContext db, BucketAccess access) : IRequestHandler<ListObjects, ObjectListing>
{
    public const int MaxKeys = 1000;
    private const int Batch = 1000;

    public async ValueTask<ObjectListing> Handle(ListObjects request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:ListBucket", BucketAccess.Arn(request.Bucket), cancellationToken, BucketAccess.ListingKeys(request.Prefix));
        var prefix = request.Prefix ?? "";
        var delimiter = string.IsNullOrEmpty(request.Delimiter) ? null : request.Delimiter;
        var limit = Math.Clamp(request.MaxKeys, 0, MaxKeys);
        var contents = new List<ObjectSummary>();
        var prefixes = new List<string>();
        // Start at the prefix itself: keys before it cannot match (a range scan, not LIKE, which SQLite folds by case).
        var cursor = request.After is { } after && string.CompareOrdinal(after, prefix) > 0 ? after : null;
        var from = cursor ?? prefix;
        var inclusive = cursor is null;
        string? last = null;
        if (limit == 0)
        {
            return new ObjectListing(contents, prefixes, false, null);
        }

        while (true)
        {
            var query = db.Objects.AsNoTracking().Where(o => o.BucketName == request.Bucket && !o.IsDeleteMarker);
            query = inclusive ? query.Where(o => o.Key.CompareTo(from) >= 0) : query.Where(o => o.Key.CompareTo(from) > 0);
            var rows = await query.OrderBy(o => o.Key).Take(Batch)
                .Select(o => new ObjectSummary(o.Key, o.Size, o.ETag, o.LastModified)).ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                if (!row.Key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return new ObjectListing(contents, prefixes, false, null);
                }

                var cut = delimiter is null ? -1 : row.Key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (cut >= 0)
                {
                    var common = row.Key[..(cut + delimiter!.Length)];
                    // Keys under a prefix already returned, on this page or (via the marker) on an earlier one.
                    if ((prefixes.Count > 0 && prefixes[^1] == common)
                        || (request.After is { } marker && marker.StartsWith(common, StringComparison.Ordinal)))
                    {
                        continue;
                    }

                    if (contents.Count + prefixes.Count == limit)
                    {
                        return new ObjectListing(contents, prefixes, true, last);
                    }

                    prefixes.Add(common);
                    last = common;
                    continue;
                }

                if (contents.Count + prefixes.Count == limit)
                {
                    return new ObjectListing(contents, prefixes, true, last);
                }

                contents.Add(row);
                last = row.Key;
            }

            if (rows.Count < Batch)
            {
                return new ObjectListing(contents, prefixes, false, null);
            }

            from = rows[^1].Key;
            inclusive = false;
        }
    }

    /// <summary>The opaque continuation token of ListObjectsV2: the last key or prefix returned.</summary>
    public static string Token(string after) => Convert.ToBase64String(Encoding.UTF8.GetBytes(after));

    public static string? FromToken(string? token)
    {
        if (token is null)
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw S3Errors.InvalidArgument("The continuation token provided is incorrect");
        }
    }
}
