using Mediator;

namespace Platform.Modules.Storage.Buckets;

/// <summary>HeadBucket: whether the bucket exists and the caller may list it.</summary>
internal sealed record HeadBucket(string Bucket) : IRequest<Unit>;

internal sealed class HeadBucketHandler(BucketAccess access) : IRequestHandler<HeadBucket, Unit>
{
    public async ValueTask<Unit> Handle(HeadBucket request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:ListBucket", BucketAccess.Arn(request.Bucket), cancellationToken);
        return Unit.Value;
    }
}
