using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Buckets;

/// <summary>
/// CreateBucket: the name is global, so another account's bucket of that name is BucketAlreadyExists. One's own bucket
/// again is BucketAlreadyOwnedByYou, except in us-east-1, where S3 answers 200 for legacy compatibility and changes nothing
/// but the ACLs (this platform keeps none).
/// </summary>
internal sealed record CreateBucket(string Bucket) : IRequest<Unit>, IValidatable
{
    public void Validate() => BucketName.Validate(Bucket);
}

internal sealed class CreateBucketHandler(StorageDbContext db, ICallerContext caller, ISender sender, TimeProvider clock, IOptions<PlatformOptions> platform)
    : IRequestHandler<CreateBucket, Unit>
{
    public async ValueTask<Unit> Handle(CreateBucket request, CancellationToken cancellationToken)
    {
        if (!caller.IsAuthenticated)
        {
            throw ApiErrors.AccessDenied("Access Denied");
        }

        var account = caller.Identity.AccountId;
        await sender.Send(new AuthorizeResourceAccess("s3:CreateBucket", BucketAccess.Arn(request.Bucket), account, null), cancellationToken);
        if (await IsOwnedAlreadyAsync(request.Bucket, account, cancellationToken))
        {
            return Unit.Value;
        }

        db.Buckets.Add(new Bucket { Name = request.Bucket, AccountId = account, CreatedAt = clock.GetUtcNow().UtcDateTime });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another request created it between the check and the insert.
            db.ChangeTracker.Clear();
            if (await IsOwnedAlreadyAsync(request.Bucket, account, cancellationToken))
            {
                return Unit.Value;
            }

            throw;
        }

        return Unit.Value;
    }

    /// <returns>True when the caller owns the bucket already and the region answers that as success (us-east-1).</returns>
    private async Task<bool> IsOwnedAlreadyAsync(string name, string account, CancellationToken cancellationToken)
    {
        var owner = await db.Buckets.AsNoTracking().Where(b => b.Name == name).Select(b => b.AccountId).SingleOrDefaultAsync(cancellationToken);
        return owner switch
        {
            null => false,
            _ when owner != account => throw S3Errors.BucketAlreadyExists(),
            _ when platform.Value.Region == LegacyRegion => true,
            _ => throw S3Errors.BucketAlreadyOwnedByYou(),
        };
    }

    private const string LegacyRegion = "us-east-1";
}
