using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Contracts;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Buckets;

internal sealed class EnsurePlatformBucketHandler(StorageDbContext db, TimeProvider clock) : IRequestHandler<EnsurePlatformBucket, Unit>
{
    public async ValueTask<Unit> Handle(EnsurePlatformBucket request, CancellationToken cancellationToken)
    {
        BucketName.Validate(request.Bucket);
        if (await OwnerAsync(request.Bucket, cancellationToken) is { } owner)
        {
            return Owned(request, owner);
        }

        db.Buckets.Add(new Bucket { Name = request.Bucket, AccountId = request.OwnerAccountId, CreatedAt = clock.GetUtcNow().UtcDateTime });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return Unit.Value;
        }
        catch (DbUpdateException)
        {
            // Made meanwhile (another replica's start): whose it is decides.
            db.ChangeTracker.Clear();
            return Owned(request, await OwnerAsync(request.Bucket, cancellationToken) ?? throw new InvalidOperationException($"The platform bucket {request.Bucket} could not be made."));
        }
    }

    private static Unit Owned(EnsurePlatformBucket request, string owner) => owner == request.OwnerAccountId
        ? Unit.Value
        : throw new InvalidOperationException($"The platform bucket {request.Bucket} belongs to account {owner}, not to the management account: choose another name.");

    private async Task<string?> OwnerAsync(string bucket, CancellationToken cancellationToken) =>
        await db.Buckets.AsNoTracking().Where(b => b.Name == bucket).Select(b => b.AccountId).SingleOrDefaultAsync(cancellationToken);
}
