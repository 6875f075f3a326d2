using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Buckets;

/// <summary>PutBucketPolicy / GetBucketPolicy / DeleteBucketPolicy: the policy is checked by IAM's grammar before it is kept.</summary>
internal sealed record PutBucketPolicy(string Bucket, string Policy) : IRequest<Unit>;

internal sealed record GetBucketPolicy(string Bucket) : IRequest<string>;

internal sealed record DeleteBucketPolicy(string Bucket) : IRequest<Unit>;

internal sealed class BucketPolicyHandlers(StorageDbContext db, BucketAccess access, ISender sender)
    : IRequestHandler<PutBucketPolicy, Unit>, IRequestHandler<GetBucketPolicy, string>, IRequestHandler<DeleteBucketPolicy, Unit>
{
    public async ValueTask<Unit> Handle(PutBucketPolicy request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:PutBucketPolicy", BucketAccess.Arn(request.Bucket), cancellationToken);
        await sender.Send(new ValidateResourcePolicy(request.Policy), cancellationToken);
        if (PublicAccessBlock.FromJson(bucket.PublicAccessBlock) is { BlockPublicPolicy: true } && PublicPolicy.IsPublic(request.Policy))
        {
            throw ApiErrors.AccessDenied(
                $"User is not authorized to perform: s3:PutBucketPolicy on resource: \"{BucketAccess.Arn(request.Bucket)}\" because public policies are blocked by the BlockPublicPolicy block public access setting.");
        }

        await db.Buckets.Where(b => b.Name == request.Bucket).ExecuteUpdateAsync(s => s.SetProperty(b => b.Policy, request.Policy), cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<string> Handle(GetBucketPolicy request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:GetBucketPolicy", BucketAccess.Arn(request.Bucket), cancellationToken);
        return bucket.Policy ?? throw S3Errors.NoSuchBucketPolicy();
    }

    public async ValueTask<Unit> Handle(DeleteBucketPolicy request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:DeleteBucketPolicy", BucketAccess.Arn(request.Bucket), cancellationToken);
        await db.Buckets.Where(b => b.Name == request.Bucket).ExecuteUpdateAsync(s => s.SetProperty(b => b.Policy, (string?)null), cancellationToken);
        return Unit.Value;
    }
}
