using System.Security.Cryptography;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Multipart;

/// <summary>
/// CompleteMultipartUpload: the object becomes the listed parts' blobs, in one commit that also ends the
/// upload, so readers see no object or the whole of it; no byte is copied. Unlisted parts are deleted.
/// </summary>
internal sealed record CompleteMultipartUpload(string Bucket, string Key, string UploadId, IReadOnlyList<(int PartNumber, string ETag)> Parts)
    : IRequest<MultipartCompleted>;

internal sealed record MultipartCompleted(string ETag, bool Encrypted);

internal sealed class CompleteMultipartUploadHandler(StorageDbContext db, BucketAccess access, ObjectCatalog catalog, ObjectBytes bytes, TimeProvider clock)
    : IRequestHandler<CompleteMultipartUpload, MultipartCompleted>
{
    public async ValueTask<MultipartCompleted> Handle(CompleteMultipartUpload request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:PutObject", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken);
        var upload = await MultipartUploads.FindAsync(db, request.Bucket, request.Key, request.UploadId, cancellationToken);
        if (request.Parts.Count == 0)
        {
            throw S3Errors.MalformedXml();
        }

        for (var i = 1; i < request.Parts.Count; i++)
        {
            if (request.Parts[i].PartNumber <= request.Parts[i - 1].PartNumber)
            {
                throw S3Errors.InvalidPartOrder();
            }
        }

        var stored = await db.UploadParts.AsNoTracking().Where(p => p.UploadId == upload.UploadId).ToDictionaryAsync(p => p.PartNumber, cancellationToken);
        var chosen = new List<StoredPart>();
        foreach (var (number, etag) in request.Parts)
        {
            if (!stored.TryGetValue(number, out var part) || Unquote(part.ETag) != Unquote(etag))
            {
                throw S3Errors.InvalidPart();
            }

            chosen.Add(part);
        }

        if (chosen.Take(chosen.Count - 1).Any(p => p.Size < MultipartUploads.MinPartSize))
        {
            throw S3Errors.EntityTooSmall();
        }

        using var md5s = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        foreach (var part in chosen)
        {
            md5s.AppendData(Convert.FromHexString(Unquote(part.ETag)));
        }

        var version = new StoredObject
        {
            BucketName = upload.BucketName,
            Key = upload.Key,
            Segments = Segments.Serialize(chosen.Select(p => new Segment(p.BlobId, p.Size, p.WrappedKey)).ToList()),
            Size = chosen.Sum(p => p.Size),
            ETag = $"\"{Convert.ToHexStringLower(md5s.GetHashAndReset())}-{chosen.Count}\"",
            ContentType = upload.ContentType,
            Metadata = upload.Metadata,
            LastModified = clock.GetUtcNow().UtcDateTime,
            Encrypted = upload.Encrypted,
            PartsCount = chosen.Count,
        };
        await catalog.PutAsync(version, cancellationToken, async () =>
        {
            db.UploadParts.RemoveRange(await db.UploadParts.Where(p => p.UploadId == upload.UploadId).ToListAsync(cancellationToken));
            db.MultipartUploads.Remove(await db.MultipartUploads.SingleAsync(u => u.UploadId == upload.UploadId, cancellationToken));
        });

        var used = chosen.Select(p => p.PartNumber).ToHashSet();
        bytes.Delete(stored.Values.Where(p => !used.Contains(p.PartNumber)).Select(p => new Segment(p.BlobId, p.Size, p.WrappedKey)));
        return new MultipartCompleted(version.ETag, version.Encrypted);
    }

    private static string Unquote(string etag) => etag.Trim().Trim('"');
}
