using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Multipart;

/// <summary>AbortMultipartUpload: the upload and its parts go, their blobs after the commit.</summary>
internal sealed record AbortMultipartUpload(string Bucket, string Key, string UploadId) : IRequest<Unit>;

internal sealed class AbortMultipartUploadHandler(StorageDbContext db, BucketAccess access, ObjectBytes bytes) : IRequestHandler<AbortMultipartUpload, Unit>
{
    public async ValueTask<Unit> Handle(AbortMultipartUpload request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:AbortMultipartUpload", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken);
        var upload = await MultipartUploads.FindAsync(db, request.Bucket, request.Key, request.UploadId, cancellationToken);
        var parts = await db.UploadParts.Where(p => p.UploadId == upload.UploadId).ToListAsync(cancellationToken);
        db.UploadParts.RemoveRange(parts);
        db.MultipartUploads.Remove(await db.MultipartUploads.SingleAsync(u => u.UploadId == upload.UploadId, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        bytes.Delete(parts.Select(p => new Segment(p.BlobId, p.Size, p.WrappedKey)));
        return Unit.Value;
    }
}
