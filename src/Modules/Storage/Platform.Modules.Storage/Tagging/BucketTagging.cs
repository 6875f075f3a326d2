using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Tagging;

/// <summary>PutBucketTagging: replaces the bucket's tags as a whole (checked when parsed); an empty set removes them.</summary>
internal sealed record PutBucketTagging(string Bucket, IReadOnlyDictionary<string, string> Tags) : IRequest<Unit>;

/// <summary>GetBucketTagging: NoSuchTagSet when the bucket has none.</summary>
internal sealed record GetBucketTagging(string Bucket) : IRequest<IReadOnlyDictionary<string, string>>;

internal sealed record DeleteBucketTagging(string Bucket) : IRequest<Unit>;

internal sealed class BucketTaggingHandlers(StorageDbContext db, BucketAccess access)
    : IRequestHandler<PutBucketTagging, Unit>, IRequestHandler<GetBucketTagging, IReadOnlyDictionary<string, string>>, IRequestHandler<DeleteBucketTagging, Unit>
{
    public async ValueTask<Unit> Handle(PutBucketTagging request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:PutBucketTagging", BucketAccess.Arn(request.Bucket), cancellationToken);
        var json = TagSet.ToJson(request.Tags);
        await db.Buckets.Where(b => b.Name == request.Bucket).ExecuteUpdateAsync(s => s.SetProperty(b => b.Tagging, json), cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<IReadOnlyDictionary<string, string>> Handle(GetBucketTagging request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:GetBucketTagging", BucketAccess.Arn(request.Bucket), cancellationToken);
        return bucket.Tagging is null ? throw S3Errors.NoSuchTagSet() : TagSet.FromJson(bucket.Tagging);
    }

    public async ValueTask<Unit> Handle(DeleteBucketTagging request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:PutBucketTagging", BucketAccess.Arn(request.Bucket), cancellationToken);
        await db.Buckets.Where(b => b.Name == request.Bucket).ExecuteUpdateAsync(s => s.SetProperty(b => b.Tagging, (string?)null), cancellationToken);
        return Unit.Value;
    }
}

/// <summary>Billing's read of one account's buckets' tags (<see cref="Contracts.DescribeBucketTags"/>): no permission of its own, nothing changed.</summary>
internal sealed class DescribeBucketTagsHandler(StorageDbContext db) : IRequestHandler<Contracts.DescribeBucketTags, IReadOnlyList<Contracts.BucketTagSet>>
{
    public async ValueTask<IReadOnlyList<Contracts.BucketTagSet>> Handle(Contracts.DescribeBucketTags request, CancellationToken cancellationToken)
    {
        var names = request.Buckets.Distinct(StringComparer.Ordinal).ToList();
        var buckets = await db.Buckets.AsNoTracking().Where(b => b.AccountId == request.AccountId && names.Contains(b.Name))
            .Select(b => new { b.Name, b.Tagging }).ToListAsync(cancellationToken);
        return [.. buckets.OrderBy(b => b.Name, StringComparer.Ordinal)
            .Select(b => new Contracts.BucketTagSet(b.Name, TagSet.FromJson(b.Tagging)))];
    }
}
