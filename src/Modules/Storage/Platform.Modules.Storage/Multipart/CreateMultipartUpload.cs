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
    public void Validate() => ObjectKey.Validate(Key);
}

internal sealed record MultipartUploadCreated(string UploadId, bool Encrypted);

internal sealed class CreateMultipartUploadHandler(StorageDbContext db, BucketAccess access, TimeProvider clock)
    : IRequestHandler<CreateMultipartUpload, MultipartUploadCreated>
{
    public async ValueTask<MultipartUploadCreated> Handle(CreateMultipartUpload request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:PutObject", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken);
        var upload = new MultipartUpload
        {
            UploadId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
            BucketName = bucket.Name,
            Key = request.Key,
            AccountId = bucket.AccountId,
            ContentType = request.ContentType,
            Metadata = ObjectCatalog.SerializeMetadata(request.Metadata),
            Encrypted = request.Encrypt || bucket.DefaultEncryption,
            InitiatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.MultipartUploads.Add(upload);
        await db.SaveChangesAsync(cancellationToken);
        return new MultipartUploadCreated(upload.UploadId, upload.Encrypted);
    }
}
