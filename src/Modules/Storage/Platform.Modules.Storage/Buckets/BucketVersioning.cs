using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Buckets;

/// <summary>PutBucketVersioning: Enabled or Suspended. A bucket never goes back to unversioned, as in S3 (there is no such status to send).</summary>
internal sealed record PutBucketVersioning(string Bucket, string? Status) : IRequest<Unit>, Platform.Modules.Shared.Messaging.IValidatable
{
    public void Validate()
    {
        if (Status is not (ObjectVersions.Enabled or ObjectVersions.Suspended))
        {
            throw S3Errors.MalformedXml();
        }
    }
}

/// <summary>GetBucketVersioning: the status, null while versioning was never enabled.</summary>
internal sealed record GetBucketVersioning(string Bucket) : IRequest<string?>;

internal sealed class BucketVersioningHandlers(StorageDbContext db, BucketAccess access)
    : IRequestHandler<PutBucketVersioning, Unit>, IRequestHandler<GetBucketVersioning, string?>
{
    public async ValueTask<Unit> Handle(PutBucketVersioning request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:PutBucketVersioning", BucketAccess.Arn(request.Bucket), cancellationToken);
        // Object lock keeps versioning Enabled for good: decided in the statement, so a lock enabled meanwhile is honoured.
        var updated = await db.Buckets.Where(b => b.Name == request.Bucket && (!b.ObjectLockEnabled || request.Status == ObjectVersions.Enabled))
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.Versioning, request.Status), cancellationToken);
        if (updated == 0)
        {
            throw S3Errors.InvalidBucketState("An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.");
        }

        return Unit.Value;
    }

    public async ValueTask<string?> Handle(GetBucketVersioning request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:GetBucketVersioning", BucketAccess.Arn(request.Bucket), cancellationToken);
        return bucket.Versioning;
    }
}
