using Mediator;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Payloads;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Objects;

/// <summary>
/// CopyObject: the source's bytes are read and written as a new blob of the target (sealed again under a
/// new key when the target is encrypted), so no two objects ever share a blob.
/// </summary>
/// <param name="ReplaceMetadata">x-amz-metadata-directive: REPLACE takes the request's headers, COPY keeps the source's.</param>
/// <param name="ChecksumAlgorithm">x-amz-checksum-algorithm: the copy gets a checksum of it, computed as its bytes are copied;
/// without it the copy keeps the source's whole-object checksum (the same bytes have the same one).</param>
/// <param name="SourceVersionId">The source's version (x-amz-copy-source's ?versionId=); its current version when null.</param>
internal sealed record CopyObject(string SourceBucket, string SourceKey, string Bucket, string Key, ObjectConditions SourceConditions,
    bool ReplaceMetadata, string? ContentType, IReadOnlyDictionary<string, string> Metadata, bool Encrypt, string? ChecksumAlgorithm = null,
    string? SourceVersionId = null, IReadOnlyDictionary<string, string>? ReplaceTags = null, AclRequest? Acl = null,
    Locking.ObjectLockRequest? Lock = null)
    : IRequest<CopyObjectResult>, IValidatable
{
    public void Validate()
    {
        ObjectKey.Validate(SourceKey);
        ObjectKey.Validate(Key);
        if (ReplaceMetadata)
        {
            UserMetadata.Validate(Metadata);
        }

        _ = Checksum();
        ObjectVersions.Validate(SourceVersionId);
    }

    public FlexibleChecksum? Checksum() => ChecksumAlgorithm is null
        ? null
        : FlexibleChecksum.FromName(ChecksumAlgorithm)
            ?? throw S3Errors.InvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
}

/// <param name="SourceVersionId">x-amz-copy-source-version-id: the copied version's id.</param>
internal sealed record CopyObjectResult(string ETag, DateTime LastModified, StoredChecksum? Checksum, string? VersionId = null, string? SourceVersionId = null);

internal sealed class CopyObjectHandler(BucketAccess access, ObjectCatalog catalog, ObjectBytes bytes, TimeProvider clock, AclResolver acls)
    : IRequestHandler<CopyObject, CopyObjectResult>
{
    public async ValueTask<CopyObjectResult> Handle(CopyObject request, CancellationToken cancellationToken)
    {
        // Decided with the source version's ACL, before NoSuchKey, so a refused caller learns nothing of the source.
        var sourceBucket = await access.FindAsync(request.SourceBucket, cancellationToken);
        var found = request.SourceVersionId is { } named
            ? await catalog.FindVersionAsync(request.SourceBucket, request.SourceKey, named, cancellationToken)
            : await catalog.FindAsync(request.SourceBucket, request.SourceKey, cancellationToken);
        await access.AuthorizeAsync(sourceBucket, BucketAccess.ReadAction(request.SourceVersionId), BucketAccess.Arn(request.SourceBucket, request.SourceKey),
            cancellationToken, target: found);
        var target = await access.AuthorizeAsync(request.Bucket, "s3:PutObject", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken);
        var acl = await acls.ForNewObjectAsync(target, request.Acl, cancellationToken);
        await PutObjectHandler.AuthorizeAclAsync(access, target, request.Key, request.Acl, acl, cancellationToken);
        // The copy's own x-amz-object-lock-* (or the bucket's default retention), decided before any byte is copied.
        var locking = Locking.ObjectLockRequest.ForNewVersion(target, request.Lock, clock.GetUtcNow().UtcDateTime);
        await PutObjectHandler.AuthorizeLockAsync(access, target, request.Key, request.Lock, cancellationToken);
        var encrypt = request.Encrypt || target.DefaultEncryption;
        for (var attempt = 0; ; attempt++)
        {
            var source = request.SourceVersionId is { } sourceVersion
                ? await catalog.FindVersionAsync(request.SourceBucket, request.SourceKey, sourceVersion, cancellationToken) ?? throw S3Errors.NoSuchVersion()
                : await catalog.FindAsync(request.SourceBucket, request.SourceKey, cancellationToken) ?? throw S3Errors.NoSuchKey();
            if (source.IsDeleteMarker)
            {
                // S3: a delete marker cannot be copied; named by id it is a bad request, as current version the key is gone.
                throw request.SourceVersionId is null ? S3Errors.NoSuchKey() : S3Errors.InvalidRequest("The source of a copy request may not specifically refer to a delete marker by version id.");
            }

            if (request.SourceConditions.NotModified(source))
            {
                throw S3Errors.PreconditionFailed();
            }

            if (source.Size > PutObject.MaxSize)
            {
                throw S3Errors.CopySourceTooLarge();
            }

            if (request.SourceBucket == request.Bucket && request.SourceKey == request.Key && request.SourceVersionId is null && !request.ReplaceMetadata
                && encrypt == source.Encrypted)
            {
                throw S3Errors.InvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
            }

            await using var body = bytes.OpenRange(Segments.Parse(source.Segments), 0, source.Size);
            if (body is null)
            {
                if (attempt == 3)
                {
                    throw new IOException($"The bytes of {request.SourceBucket}/{request.SourceKey} are missing.");
                }

                continue;
            }

            var computing = request.Checksum() is { } algorithm ? BodyChecksum.Compute(algorithm) : null;
            var written = await bytes.WriteAsync(computing?.Wrap(body) ?? body, source.Size, encrypt, cancellationToken);
            var checksum = computing is not null
                ? new StoredChecksum(computing.Algorithm, computing.Value!, StoredChecksum.FullObject)
                : StoredChecksum.From(source.ChecksumAlgorithm, source.Checksum, source.ChecksumType) is { Type: StoredChecksum.FullObject } same ? same : null;
            var version = new StoredObject
            {
                BucketName = request.Bucket,
                Key = request.Key,
                Segments = Segments.Serialize([written.Segment]),
                Size = written.Segment.Size,
                // A copy is one blob: its ETag is its MD5 even when the source was uploaded in parts.
                ETag = $"\"{written.Md5Hex}\"",
                ContentType = request.ReplaceMetadata ? request.ContentType : source.ContentType,
                Metadata = request.ReplaceMetadata ? ObjectCatalog.SerializeMetadata(request.Metadata) : source.Metadata,
                LastModified = clock.GetUtcNow().UtcDateTime,
                Encrypted = encrypt,
                ChecksumAlgorithm = checksum?.Algorithm.Name,
                Checksum = checksum?.Value,
                ChecksumType = checksum?.Type,
                VersionId = ObjectVersions.NewIdFor(target),
                // x-amz-tagging-directive: COPY (the default) keeps the source's tags, REPLACE takes x-amz-tagging.
                Tags = request.ReplaceTags is null ? source.Tags : Tagging.TagSet.ToJson(request.ReplaceTags),
                // As on S3: a copy's ACL is the request's (the default without one), never the source's.
                Acl = acl,
            };
            locking.ApplyTo(version);
            try
            {
                await catalog.PutAsync(version, cancellationToken);
            }
            catch
            {
                bytes.Delete([written.Segment]);
                throw;
            }

            return new CopyObjectResult(version.ETag, version.LastModified, checksum, version.VersionId, source.VersionId);
        }
    }
}
