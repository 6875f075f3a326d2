using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Locking;

/// <summary>
/// PutObjectLockConfiguration: s3:PutBucketObjectLockConfiguration. Sets (or, without a rule, removes) the default retention of a
/// bucket with object lock; on a bucket without it, enables object lock when its versioning is Enabled (as S3 does since 2023).
/// </summary>
internal sealed record PutObjectLockConfiguration(string Bucket, ObjectLockConfiguration Configuration) : IRequest<Unit>;

/// <summary>GetObjectLockConfiguration: s3:GetBucketObjectLockConfiguration; ObjectLockConfigurationNotFoundError without object lock.</summary>
internal sealed record GetObjectLockConfiguration(string Bucket) : IRequest<ObjectLockConfiguration>;

internal sealed class BucketObjectLockHandlers(StorageDbContext db, BucketAccess access)
    : IRequestHandler<PutObjectLockConfiguration, Unit>, IRequestHandler<GetObjectLockConfiguration, ObjectLockConfiguration>
{
    public async ValueTask<Unit> Handle(PutObjectLockConfiguration request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:PutBucketObjectLockConfiguration", BucketAccess.Arn(request.Bucket), cancellationToken);
        var json = request.Configuration.Rule?.ToJson();
        // One statement: a versioning suspension racing this one either happened first (refused here) or is refused itself.
        var updated = await db.Buckets.Where(b => b.Name == request.Bucket && (b.ObjectLockEnabled || b.Versioning == ObjectVersions.Enabled))
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.ObjectLockEnabled, true).SetProperty(b => b.ObjectLock, json), cancellationToken);
        if (updated == 0)
        {
            throw S3Errors.InvalidBucketState("Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration");
        }

        return Unit.Value;
    }

    public async ValueTask<ObjectLockConfiguration> Handle(GetObjectLockConfiguration request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:GetBucketObjectLockConfiguration", BucketAccess.Arn(request.Bucket), cancellationToken);
        return bucket.ObjectLockEnabled
            ? new ObjectLockConfiguration(DefaultRetention.FromJson(bucket.ObjectLock))
            : throw S3Errors.NoSuchObjectLockConfiguration();
    }
}
