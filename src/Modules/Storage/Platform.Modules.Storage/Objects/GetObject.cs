using System.Globalization;
using Mediator;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Objects;

/// <summary>The conditional headers of GET and HEAD (RFC 7232 as S3 applies them).</summary>
internal sealed record ObjectConditions(string? IfMatch, string? IfNoneMatch, DateTimeOffset? IfModifiedSince, DateTimeOffset? IfUnmodifiedSince)
{
    public static readonly ObjectConditions None = new(null, null, null, null);

    /// <summary>412 when a precondition fails; true when the object is not modified (304 for GET and HEAD).</summary>
    public bool NotModified(StoredObject stored)
    {
        var lastModified = TruncateToSeconds(stored.LastModified);
        var ifMatchHolds = IfMatch is null || EtagMatches(IfMatch, stored.ETag);
        if (!ifMatchHolds || (IfMatch is null && IfUnmodifiedSince is { } unmodified && lastModified > unmodified.UtcDateTime))
        {
            throw S3Errors.PreconditionFailed();
        }

        if (IfNoneMatch is not null)
        {
            return EtagMatches(IfNoneMatch, stored.ETag);
        }

        return IfModifiedSince is { } since && lastModified <= since.UtcDateTime;
    }

    public static DateTimeOffset? ParseDate(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            ? date
            : null;

    private static bool EtagMatches(string header, string etag) =>
        header.Split(',').Select(t => t.Trim()).Any(t => t == "*" || t == etag || $"\"{t}\"" == etag);

    private static DateTime TruncateToSeconds(DateTime time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
}

/// <summary>GetObject and HeadObject: the object's metadata and, for GET, its bytes or the requested range of them.</summary>
/// <param name="VersionId">?versionId=: that version ("null" the null version); the current one when null.</param>
internal sealed record GetObject(string Bucket, string Key, string? Range, ObjectConditions Conditions, bool HeadOnly, string? VersionId = null)
    : IRequest<ObjectRead>, Platform.Modules.Shared.Messaging.IValidatable
{
    public void Validate() => ObjectVersions.Validate(VersionId);
}

/// <param name="Body">Null for HEAD and for a 304.</param>
internal sealed record ObjectRead(StoredObject Object, IReadOnlyDictionary<string, string> Metadata, Stream? Body, long Offset, long Length,
    bool IsPartial, bool NotModified);

internal sealed class GetObjectHandler(BucketAccess access, ObjectCatalog catalog, ObjectBytes bytes) : IRequestHandler<GetObject, ObjectRead>
{
    public async ValueTask<ObjectRead> Handle(GetObject request, CancellationToken cancellationToken)
    {
        var bucket = await access.FindAsync(request.Bucket, cancellationToken);
        // An overwrite may delete the blobs between reading the row and opening them: read the new row then.
        for (var attempt = 0; ; attempt++)
        {
            var found = request.VersionId is { } versionId
                ? await catalog.FindVersionAsync(request.Bucket, request.Key, versionId, cancellationToken)
                : await catalog.FindAsync(request.Bucket, request.Key, cancellationToken);
            // Decided with the version's tags (s3:ExistingObjectTag/<key>), and before NoSuchKey, so a refused caller learns nothing.
            await access.AuthorizeAsync(bucket, BucketAccess.ReadAction(request.VersionId), BucketAccess.Arn(request.Bucket, request.Key),
                cancellationToken, Tagging.ObjectTagConditions.Existing(found?.Tags), found);
            var stored = found ?? throw (request.VersionId is null ? S3Errors.NoSuchKey() : S3Errors.NoSuchVersion());
            if (stored.IsDeleteMarker)
            {
                throw S3Errors.DeleteMarker(stored.VersionId, named: request.VersionId is not null);
            }

            var metadata = ObjectCatalog.ParseMetadata(stored.Metadata);
            if (request.Conditions.NotModified(stored))
            {
                return new ObjectRead(stored, metadata, null, 0, 0, false, true);
            }

            var (offset, length, partial) = ByteRange.Resolve(request.Range, stored.Size);
            if (request.HeadOnly)
            {
                return new ObjectRead(stored, metadata, null, offset, length, partial, false);
            }

            if (bytes.OpenRange(Segments.Parse(stored.Segments), offset, length) is { } body)
            {
                return new ObjectRead(stored, metadata, body, offset, length, partial, false);
            }

            if (attempt == 3)
            {
                throw new IOException($"The bytes of {request.Bucket}/{request.Key} are missing.");
            }
        }
    }
}

/// <summary>The Range header's single byte range (bytes=a-b, bytes=a-, bytes=-n); anything else reads the whole object.</summary>
internal static class ByteRange
{
    public static (long Offset, long Length, bool Partial) Resolve(string? header, long size)
    {
        if (header is null || !header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || header.Contains(','))
        {
            return (0, size, false);
        }

        var spec = header[6..].Trim();
        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return (0, size, false);
        }

        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
            {
                return (0, size, false);
            }

            if (suffix == 0)
            {
                throw S3Errors.InvalidRange();
            }

            var take = Math.Min(suffix, size);
            return (size - take, take, true);
        }

        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return (0, size, false);
        }

        var end = size - 1;
        if (last.Length > 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
            {
                return (0, size, false);
            }
        }

        if (start >= size)
        {
            throw S3Errors.InvalidRange();
        }

        end = Math.Min(end, size - 1);
        return (start, end - start + 1, true);
    }
}
