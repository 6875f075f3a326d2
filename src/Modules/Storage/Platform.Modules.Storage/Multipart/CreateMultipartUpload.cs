using System.Security.Cryptography;
using Mediator;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Payloads;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Multipart;

/// <summary>
/// CreateMultipartUpload: the object's headers are fixed now; its parts follow. With x-amz-checksum-algorithm, every
/// part gets a checksum of it and the object one of x-amz-checksum-type: COMPOSITE (the default, not for CRC64NVME)
/// or FULL_OBJECT (the CRCs only; CRC64NVME's default).
/// </summary>
internal sealed record CreateMultipartUpload(string Bucket, string Key, string? ContentType, IReadOnlyDictionary<string, string> Metadata, bool Encrypt,
    string? ChecksumAlgorithm = null, string? ChecksumType = null, IReadOnlyDictionary<string, string>? Tags = null, AclRequest? Acl = null)
    : IRequest<MultipartUploadCreated>, IValidatable
{
    public void Validate()
    {
        ObjectKey.Validate(Key);
        UserMetadata.Validate(Metadata);
        _ = Checksum();
    }

    /// <summary>The upload's checksum algorithm and type, S3's rules checked; null without an algorithm.</summary>
    public (FlexibleChecksum Algorithm, string Type)? Checksum()
    {
        if (ChecksumAlgorithm is null)
        {
            return ChecksumType is null
                ? null
                : throw S3Errors.InvalidRequest("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.");
        }

        var algorithm = FlexibleChecksum.FromName(ChecksumAlgorithm)
            ?? throw S3Errors.InvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
        var type = ChecksumType?.Trim().ToUpperInvariant() ?? (algorithm.Name == FlexibleChecksum.Crc64Nvme.Name ? StoredChecksum.FullObject : StoredChecksum.Composite);
        if (type is not (StoredChecksum.FullObject or StoredChecksum.Composite))
        {
            throw S3Errors.InvalidRequest("Value for x-amz-checksum-type header is invalid.");
        }

        if ((type == StoredChecksum.FullObject && !algorithm.CanCombine) || (type == StoredChecksum.Composite && algorithm == FlexibleChecksum.Crc64Nvme))
        {
            throw S3Errors.InvalidRequest($"The {type} checksum type cannot be used with the {algorithm.Name.ToLowerInvariant()} checksum algorithm.");
        }

        return (algorithm, type);
    }
}

internal sealed record MultipartUploadCreated(string UploadId, bool Encrypted, string? ChecksumAlgorithm, string? ChecksumType);

internal sealed class CreateMultipartUploadHandler(StorageDbContext db, BucketAccess access, TimeProvider clock, AclResolver acls)
    : IRequestHandler<CreateMultipartUpload, MultipartUploadCreated>
{
    public async ValueTask<MultipartUploadCreated> Handle(CreateMultipartUpload request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:PutObject", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken);
        // Resolved now, as S3 does: the completed object gets the ACL its upload was created with.
        var acl = await acls.ForNewObjectAsync(bucket, request.Acl, cancellationToken);
        await Objects.PutObjectHandler.AuthorizeAclAsync(access, bucket, request.Key, request.Acl, acl, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var checksum = request.Checksum();
        var upload = new MultipartUpload
        {
            UploadId = NewUploadId(now),
            BucketName = bucket.Name,
            Key = request.Key,
            AccountId = bucket.AccountId,
            ContentType = request.ContentType,
            Metadata = ObjectCatalog.SerializeMetadata(request.Metadata),
            Encrypted = request.Encrypt || bucket.DefaultEncryption,
            InitiatedAt = now,
            ChecksumAlgorithm = checksum?.Algorithm.Name,
            ChecksumType = checksum?.Type,
            Tags = request.Tags is null ? null : Tagging.TagSet.ToJson(request.Tags),
            Acl = acl,
        };
        db.MultipartUploads.Add(upload);
        await db.SaveChangesAsync(cancellationToken);
        return new MultipartUploadCreated(upload.UploadId, upload.Encrypted, upload.ChecksumAlgorithm, upload.ChecksumType);
    }

    /// <summary>
    /// The initiation time (16 hex digits of ticks) then 128 random bits: ids sort as their uploads began, so listing by
    /// key and upload id lists one key's uploads oldest first, as S3 does, and upload-id-marker still pages by id.
    /// </summary>
    public static string NewUploadId(DateTime initiated) =>
        initiated.Ticks.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
