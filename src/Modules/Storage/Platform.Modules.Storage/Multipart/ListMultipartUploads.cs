using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Multipart;

/// <summary>ListMultipartUploads: uploads in progress in a bucket, by key then upload id.</summary>
internal sealed record ListMultipartUploads(string Bucket, string? Prefix, int MaxUploads) : IRequest<IReadOnlyList<MultipartUpload>>;

internal sealed class ListMultipartUploadsHandler(StorageDbContext db, BucketAccess access) : IRequestHandler<ListMultipartUploads, IReadOnlyList<MultipartUpload>>
{
    public async ValueTask<IReadOnlyList<MultipartUpload>> Handle(ListMultipartUploads request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:ListBucketMultipartUploads", BucketAccess.Arn(request.Bucket), cancellationToken);
        var uploads = await db.MultipartUploads.AsNoTracking().Where(u => u.BucketName == request.Bucket)
            .OrderBy(u => u.Key).ThenBy(u => u.UploadId).ToListAsync(cancellationToken);
        var prefix = request.Prefix ?? "";
        return uploads.Where(u => u.Key.StartsWith(prefix, StringComparison.Ordinal)).Take(Math.Clamp(request.MaxUploads, 0, 1000)).ToList();
    }
}
