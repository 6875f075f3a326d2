using Mediator;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Multipart;

/// <summary>AbortMultipartUpload: the upload and its parts go, their blobs after the commit.</summary>
internal sealed record AbortMultipartUpload(string Bucket, string Key, string UploadId) : IRequest<Unit>;

internal sealed class AbortMultipartUploadHandler(StorageDbContext db, BucketAccess access, PartCatalog parts) : IRequestHandler<AbortMultipartUpload, Unit>
{
    public async ValueTask<Unit> Handle(AbortMultipartUpload request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:AbortMultipartUpload", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken);
        var upload = await MultipartUploads.FindAsync(db, request.Bucket, request.Key, request.UploadId, cancellationToken);
        await parts.AbortAsync(upload, cancellationToken);
        return Unit.Value;
    }
}
