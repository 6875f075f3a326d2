using Mediator;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Multipart;

/// <summary>
/// CompleteMultipartUpload: the object becomes the listed parts' blobs, in one commit that also ends the
/// upload, so readers see no object or the whole of it; no byte is copied. Unlisted parts are deleted
/// (<see cref="PartCatalog.CompleteAsync"/>).
/// </summary>
/// <param name="ExpectedChecksum">x-amz-checksum-* of the request: the whole object's checksum, compared with the one the parts give.</param>
internal sealed record CompleteMultipartUpload(string Bucket, string Key, string UploadId, IReadOnlyList<ListedPart> Parts, string? ExpectedChecksum = null)
    : IRequest<MultipartCompleted>;

internal sealed record MultipartCompleted(string ETag, bool Encrypted, Objects.StoredChecksum? Checksum, string? VersionId = null);

internal sealed class CompleteMultipartUploadHandler(StorageDbContext db, BucketAccess access, PartCatalog parts, TimeProvider clock)
    : IRequestHandler<CompleteMultipartUpload, MultipartCompleted>
{
    public async ValueTask<MultipartCompleted> Handle(CompleteMultipartUpload request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:PutObject", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken);
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

        var now = clock.GetUtcNow().UtcDateTime;
        // The bucket's default retention, as every new version of a bucket with object lock gets it.
        var version = await parts.CompleteAsync(upload, request.Parts, now, cancellationToken, request.ExpectedChecksum,
            Objects.ObjectVersions.NewIdFor(bucket), Locking.ObjectLockRequest.ForNewVersion(bucket, null, now));
        return new MultipartCompleted(version.ETag, version.Encrypted,
            Objects.StoredChecksum.From(version.ChecksumAlgorithm, version.Checksum, version.ChecksumType), version.VersionId);
    }
}
