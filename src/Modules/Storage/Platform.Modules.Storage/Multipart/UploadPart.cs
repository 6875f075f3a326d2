using Mediator;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Payloads;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Multipart;

/// <summary>
/// UploadPart and UploadPartCopy: a part is a blob of its own, durable before its row commits; uploading
/// the same part number again replaces it (<see cref="PartCatalog.PutAsync"/>).
/// </summary>
/// <param name="Body">The part's bytes; null for UploadPartCopy, which reads <paramref name="CopySource"/>.</param>
/// <param name="Checksum">The additional checksum the part declares; one of the upload's algorithm is computed when it declares none.</param>
internal sealed record UploadPart(string Bucket, string Key, string UploadId, int PartNumber, Stream? Body, long? ContentLength, string? ContentMd5,
    CopySource? CopySource, BodyChecksum? Checksum = null) : IRequest<PartUploaded>, IValidatable
{
    public void Validate()
    {
        ObjectKey.Validate(Key);
        MultipartUploads.ValidatePartNumber(PartNumber);
        if (ContentLength > PutObject.MaxSize)
        {
            throw S3Errors.EntityTooLarge();
        }
    }
}

/// <param name="Range">x-amz-copy-source-range, bytes=first-last; null copies the whole source.</param>
internal sealed record CopySource(string Bucket, string Key, string? Range, ObjectConditions Conditions, string? VersionId = null);

internal sealed record PartUploaded(string ETag, DateTime LastModified, FlexibleChecksum? ChecksumAlgorithm, string? Checksum);

internal sealed class UploadPartHandler(StorageDbContext db, BucketAccess access, ObjectBytes bytes, ObjectCatalog catalog, PartCatalog parts, TimeProvider clock)
    : IRequestHandler<UploadPart, PartUploaded>
{
    public async ValueTask<PartUploaded> Handle(UploadPart request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:PutObject", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken);
        var upload = await MultipartUploads.FindAsync(db, request.Bucket, request.Key, request.UploadId, cancellationToken);
        var checksum = request.Checksum;
        if (FlexibleChecksum.FromName(upload.ChecksumAlgorithm) is { } expected)
        {
            if (checksum is not null && checksum.Algorithm != expected)
            {
                throw S3Errors.InvalidRequest($"Checksum Type mismatch occurred, expected checksum Type: {expected.Name.ToLowerInvariant()}, actual checksum Type: {checksum.Algorithm.Name.ToLowerInvariant()}");
            }

            checksum ??= BodyChecksum.Compute(expected);
        }

        var written = request.CopySource is { } source
            ? await CopyAsync(source, upload.Encrypted, checksum, cancellationToken)
            : await ContentMd5Header.WriteCheckedAsync(bytes, checksum?.Wrap(request.Body!) ?? request.Body!, request.ContentLength, request.ContentMd5,
                upload.Encrypted, cancellationToken);

        var now = clock.GetUtcNow().UtcDateTime;
        var etag = $"\"{written.Md5Hex}\"";
        await parts.PutAsync(upload, new StoredPart
        {
            UploadId = upload.UploadId,
            PartNumber = request.PartNumber,
            BlobId = written.Segment.BlobId,
            Size = written.Segment.Size,
            ETag = etag,
            WrappedKey = written.Segment.WrappedKey,
            LastModified = now,
            ChecksumAlgorithm = checksum?.Algorithm.Name,
            Checksum = checksum?.Value,
        }, cancellationToken);

        return new PartUploaded(etag, now, checksum?.Algorithm, checksum?.Value);
    }

    private async Task<WrittenSegment> CopyAsync(CopySource source, bool encrypt, BodyChecksum? checksum, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(source.Bucket, BucketAccess.ReadAction(source.VersionId), BucketAccess.Arn(source.Bucket, source.Key), cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var stored = (source.VersionId is { } versionId
                    ? await catalog.FindVersionAsync(source.Bucket, source.Key, versionId, cancellationToken) ?? throw S3Errors.NoSuchVersion()
                    : await catalog.FindAsync(source.Bucket, source.Key, cancellationToken)) is { IsDeleteMarker: false } found
                ? found
                : throw S3Errors.NoSuchKey();
            if (source.Conditions.NotModified(stored))
            {
                throw S3Errors.PreconditionFailed();
            }

            var (offset, length, partial) = ByteRange.Resolve(source.Range, stored.Size);
            if (length > PutObject.MaxSize)
            {
                // A part is at most 5 GiB: a larger source is copied a range at a time.
                throw S3Errors.CopySourceTooLarge();
            }

            if (source.Range is not null && !partial)
            {
                throw S3Errors.InvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
            }

            await using var body = bytes.OpenRange(Segments.Parse(stored.Segments), offset, length);
            if (body is not null)
            {
                return await bytes.WriteAsync(checksum?.Wrap(body) ?? body, length, encrypt, cancellationToken);
            }

            if (attempt == 3)
            {
                throw new IOException($"The bytes of {source.Bucket}/{source.Key} are missing.");
            }
        }
    }
}
