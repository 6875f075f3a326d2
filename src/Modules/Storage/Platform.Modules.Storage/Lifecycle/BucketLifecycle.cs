using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Lifecycle;

/// <summary>PutBucketLifecycleConfiguration: replaces the bucket's rules (checked when parsed) as a whole.</summary>
internal sealed record PutBucketLifecycle(string Bucket, LifecycleConfiguration Configuration) : IRequest<Unit>;

/// <summary>GetBucketLifecycleConfiguration: NoSuchLifecycleConfiguration when none is set.</summary>
internal sealed record GetBucketLifecycle(string Bucket) : IRequest<LifecycleConfiguration>;

/// <summary>DeleteBucketLifecycle: S3 asks for the put permission; deleting none is no error.</summary>
internal sealed record DeleteBucketLifecycle(string Bucket) : IRequest<Unit>;

internal sealed class BucketLifecycleHandlers(StorageDbContext db, BucketAccess access)
    : IRequestHandler<PutBucketLifecycle, Unit>, IRequestHandler<GetBucketLifecycle, LifecycleConfiguration>, IRequestHandler<DeleteBucketLifecycle, Unit>
{
    public async ValueTask<Unit> Handle(PutBucketLifecycle request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:PutLifecycleConfiguration", BucketAccess.Arn(request.Bucket), cancellationToken);
        var json = request.Configuration.ToJson();
        await db.Buckets.Where(b => b.Name == request.Bucket).ExecuteUpdateAsync(s => s.SetProperty(b => b.Lifecycle, json), cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<LifecycleConfiguration> Handle(GetBucketLifecycle request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:GetLifecycleConfiguration", BucketAccess.Arn(request.Bucket), cancellationToken);
        return LifecycleConfiguration.FromJson(bucket.Lifecycle) ?? throw S3Errors.NoSuchLifecycleConfiguration();
    }

    public async ValueTask<Unit> Handle(DeleteBucketLifecycle request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:PutLifecycleConfiguration", BucketAccess.Arn(request.Bucket), cancellationToken);
        await db.Buckets.Where(b => b.Name == request.Bucket).ExecuteUpdateAsync(s => s.SetProperty(b => b.Lifecycle, (string?)null), cancellationToken);
        return Unit.Value;
    }
}
