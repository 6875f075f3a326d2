using Mediator;
using Platform.Modules.Storage.Buckets;

namespace Platform.Modules.Storage.Objects;

/// <summary>DeleteObject: idempotent, as in S3: deleting a missing key succeeds.</summary>
internal sealed record DeleteObject(string Bucket, string Key) : IRequest<Unit>;

internal sealed class DeleteObjectHandler(BucketAccess access, ObjectCatalog catalog) : IRequestHandler<DeleteObject, Unit>
{
    public async ValueTask<Unit> Handle(DeleteObject request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:DeleteObject", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken);
        await catalog.DeleteAsync(request.Bucket, request.Key, cancellationToken);
        return Unit.Value;
    }
}
