using Mediator;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Contracts;

namespace Platform.Modules.Storage.Objects;

/// <summary>The same decision PutObject makes (<see cref="BucketAccess"/>), without the write.</summary>
internal sealed class AuthorizeBucketWriteHandler(BucketAccess access) : IRequestHandler<AuthorizeBucketWrite, string>
{
    public async ValueTask<string> Handle(AuthorizeBucketWrite request, CancellationToken cancellationToken)
    {
        ObjectKey.Validate(request.Key);
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:PutObject", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken);
        return bucket.AccountId;
    }
}
