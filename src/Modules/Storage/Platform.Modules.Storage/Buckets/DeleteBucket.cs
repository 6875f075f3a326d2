using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Buckets;

/// <summary>DeleteBucket: only an empty bucket goes; unfinished multipart uploads go with it.</summary>
internal sealed record DeleteBucket(string Bucket) : IRequest<Unit>;

internal sealed class DeleteBucketHandler(StorageDbContext db, BucketAccess access, ObjectBytes bytes) : IRequestHandler<DeleteBucket, Unit>
{
    public async ValueTask<Unit> Handle(DeleteBucket request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:DeleteBucket", BucketAccess.Arn(request.Bucket), cancellationToken);
        // Kept versions and delete markers too, as S3: a versioned bucket is empty only when every version is gone.
        if (await db.Objects.AnyAsync(o => o.BucketName == bucket.Name, cancellationToken))
        {
            throw S3Errors.BucketNotEmpty();
        }

        var uploads = await db.MultipartUploads.Where(u => u.BucketName == bucket.Name).Select(u => u.UploadId).ToListAsync(cancellationToken);
        var parts = await db.UploadParts.Where(p => uploads.Contains(p.UploadId)).ToListAsync(cancellationToken);
        db.UploadParts.RemoveRange(parts);
        db.MultipartUploads.RemoveRange(db.MultipartUploads.Where(u => u.BucketName == bucket.Name));
        db.Buckets.Remove(await db.Buckets.SingleAsync(b => b.Name == bucket.Name, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        bytes.Delete(parts.Select(p => new Segment(p.BlobId, p.Size, p.WrappedKey)));
        return Unit.Value;
    }
}
