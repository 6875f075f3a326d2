using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Multipart;

/// <summary>ListParts: the parts uploaded so far, by number, after the marker.</summary>
internal sealed record ListParts(string Bucket, string Key, string UploadId, int MaxParts, int PartNumberMarker) : IRequest<PartListing>;

internal sealed record PartListing(MultipartUpload Upload, IReadOnlyList<StoredPart> Parts, bool IsTruncated);

internal sealed class ListPartsHandler(StorageDbContext db, BucketAccess access) : IRequestHandler<ListParts, PartListing>
{
    public async ValueTask<PartListing> Handle(ListParts request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:ListMultipartUploadParts", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken);
        var upload = await MultipartUploads.FindAsync(db, request.Bucket, request.Key, request.UploadId, cancellationToken);
        var max = Math.Clamp(request.MaxParts, 0, 1000);
        var parts = await db.UploadParts.AsNoTracking().Where(p => p.UploadId == upload.UploadId && p.PartNumber > request.PartNumberMarker)
            .OrderBy(p => p.PartNumber).Take(max + 1).ToListAsync(cancellationToken);
        return new PartListing(upload, parts.Take(max).ToList(), parts.Count > max);
    }
}
