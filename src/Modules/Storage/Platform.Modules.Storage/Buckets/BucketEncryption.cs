using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Buckets;

/// <summary>PutBucketEncryption / GetBucketEncryption / DeleteBucketEncryption: SSE-S3 (AES256) by default for new objects, or not.</summary>
internal sealed record PutBucketEncryption(string Bucket, bool Enabled) : IRequest<Unit>;

internal sealed record GetBucketEncryption(string Bucket) : IRequest<bool>;

internal sealed class BucketEncryptionHandlers(StorageDbContext db, BucketAccess access)
    : IRequestHandler<PutBucketEncryption, Unit>, IRequestHandler<GetBucketEncryption, bool>
{
    public async ValueTask<Unit> Handle(PutBucketEncryption request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:PutEncryptionConfiguration", BucketAccess.Arn(request.Bucket), cancellationToken);
        await db.Buckets.Where(b => b.Name == request.Bucket)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.DefaultEncryption, request.Enabled), cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<bool> Handle(GetBucketEncryption request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:GetEncryptionConfiguration", BucketAccess.Arn(request.Bucket), cancellationToken);
        return bucket.DefaultEncryption;
    }
}
