using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Buckets;

/// <summary>CreateBucket: the name is global, so another account's bucket of that name is BucketAlreadyExists.</summary>
internal sealed record CreateBucket(string Bucket) : IRequest<Unit>, IValidatable
{
    public void Validate() => BucketName.Validate(Bucket);
}

internal sealed class CreateBucketHandler(StorageDbContext db, ICallerContext caller, ISender sender, TimeProvider clock)
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
        await ThrowIfTakenAsync(request.Bucket, account, cancellationToken);
        db.Buckets.Add(new Bucket { Name = request.Bucket, AccountId = account, CreatedAt = clock.GetUtcNow().UtcDateTime });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another request created it between the check and the insert.
            db.ChangeTracker.Clear();
            await ThrowIfTakenAsync(request.Bucket, account, cancellationToken);
            throw;
        }

        return Unit.Value;
    }

    private async Task ThrowIfTakenAsync(string name, string account, CancellationToken cancellationToken)
    {
        var owner = await db.Buckets.AsNoTracking().Where(b => b.Name == name).Select(b => b.AccountId).SingleOrDefaultAsync(cancellationToken);
        if (owner is not null)
        {
            throw owner == account ? S3Errors.BucketAlreadyOwnedByYou() : S3Errors.BucketAlreadyExists();
        }
    }
}
