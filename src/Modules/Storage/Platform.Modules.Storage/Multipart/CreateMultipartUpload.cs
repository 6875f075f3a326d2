using System.Security.Cryptography;
using Mediator;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Multipart;

/// <summary>CreateMultipartUpload: the object's headers are fixed now; its parts follow.</summary>
internal sealed record CreateMultipartUpload(string Bucket, string Key, string? ContentType, IReadOnlyDictionary<string, string> Metadata, bool Encrypt)
    : IRequest<MultipartUploadCreated>, IValidatable
{
    public void Validate()
    {
        ObjectKey.Validate(Key);
        UserMetadata.Validate(Metadata);
    }
}

internal sealed record MultipartUploadCreated(string UploadId, bool Encrypted);

internal sealed class CreateMultipartUploadHandler(StorageDbContext db, BucketAccess access, TimeProvider clock)
    : IRequestHandler<CreateMultipartUpload, MultipartUploadCreated>
{
    public async ValueTask<MultipartUploadCreated> Handle(CreateMultipartUpload request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:PutObject", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
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
        };
        db.MultipartUploads.Add(upload);
        await db.SaveChangesAsync(cancellationToken);
        return new MultipartUploadCreated(upload.UploadId, upload.Encrypted);
    }

    /// <summary>
    /// The initiation time (16 hex digits of ticks) then 128 random bits: ids sort as their uploads began, so listing by
    /// key and upload id lists one key's uploads oldest first, as S3 does, and upload-id-marker still pages by id.
    /// </summary>
    public static string NewUploadId(DateTime initiated) =>
        initiated.Ticks.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
