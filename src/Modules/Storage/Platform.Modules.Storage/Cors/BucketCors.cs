using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Cors;

/// <summary>PutBucketCors: replaces the bucket's CORS rules as a whole (checked when parsed). Policy action s3:PutBucketCORS.</summary>
internal sealed record PutBucketCors(string Bucket, CorsConfiguration Configuration) : IRequest<Unit>;

/// <summary>GetBucketCors: NoSuchCORSConfiguration when the bucket has none. Policy action s3:GetBucketCORS.</summary>
internal sealed record GetBucketCors(string Bucket) : IRequest<CorsConfiguration>;

/// <summary>DeleteBucketCors: as on S3, decided as s3:PutBucketCORS (there is no delete action of its own).</summary>
internal sealed record DeleteBucketCors(string Bucket) : IRequest<Unit>;

/// <summary>
/// The rules a browser's request is answered by, read without deciding anything: a preflight carries no signature (browsers
/// send none), and the rules are what the owner published for any origin to learn. Null when the bucket has none; NoSuchBucket
/// when there is no bucket.
/// </summary>
internal sealed record FindCorsRules(string Bucket) : IRequest<CorsConfiguration?>;

internal sealed class BucketCorsHandlers(StorageDbContext db, BucketAccess access)
    : IRequestHandler<PutBucketCors, Unit>, IRequestHandler<GetBucketCors, CorsConfiguration>, IRequestHandler<DeleteBucketCors, Unit>,
        IRequestHandler<FindCorsRules, CorsConfiguration?>
{
    public async ValueTask<Unit> Handle(PutBucketCors request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:PutBucketCORS", BucketAccess.Arn(request.Bucket), cancellationToken);
        var json = request.Configuration.ToJson();
        await db.Buckets.Where(b => b.Name == request.Bucket).ExecuteUpdateAsync(s => s.SetProperty(b => b.Cors, json), cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<CorsConfiguration> Handle(GetBucketCors request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:GetBucketCORS", BucketAccess.Arn(request.Bucket), cancellationToken);
        return CorsConfiguration.FromJson(bucket.Cors) ?? throw S3Errors.NoSuchCorsConfiguration();
    }

    public async ValueTask<Unit> Handle(DeleteBucketCors request, CancellationToken cancellationToken)
    {
        await access.AuthorizeAsync(request.Bucket, "s3:PutBucketCORS", BucketAccess.Arn(request.Bucket), cancellationToken);
        await db.Buckets.Where(b => b.Name == request.Bucket).ExecuteUpdateAsync(s => s.SetProperty(b => b.Cors, (string?)null), cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<CorsConfiguration?> Handle(FindCorsRules request, CancellationToken cancellationToken) =>
        CorsConfiguration.FromJson((await access.FindAsync(request.Bucket, cancellationToken)).Cors);
}
