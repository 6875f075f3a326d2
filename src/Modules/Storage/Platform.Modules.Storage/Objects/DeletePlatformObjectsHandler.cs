using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Contracts;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Objects;

/// <summary>Objects the platform deletes from its own bucket by prefix, each as an unversioned DeleteObject deletes it (its bytes freed after the commit).</summary>
internal sealed class DeletePlatformObjectsHandler(BucketAccess access, StorageDbContext db, ObjectCatalog catalog) : IRequestHandler<DeletePlatformObjects, int>
{
    private const int Batch = 500;

    public async ValueTask<int> Handle(DeletePlatformObjects request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.Prefix))
        {
            throw new ArgumentException("The platform deletes objects under a prefix, never a whole bucket.", nameof(request));
        }

        var bucket = await access.FindAsync(request.Bucket, cancellationToken);
        if (bucket.AccountId != request.OwnerAccountId)
        {
            throw S3Errors.NoSuchBucket();
        }

        if (bucket.Versioning is not null)
        {
            throw new InvalidOperationException($"Bucket {bucket.Name} is versioned; the platform's own buckets are not, and their deletes free the bytes.");
        }

        var deleted = 0;
        while (true)
        {
            // From the prefix on (a range scan, not LIKE, which SQLite folds by case), until a key leaves it.
            var keys = await db.Objects.AsNoTracking()
                .Where(o => o.BucketName == bucket.Name && o.Key.CompareTo(request.Prefix) >= 0)
                .OrderBy(o => o.Key).Select(o => o.Key).Take(Batch).ToListAsync(cancellationToken);
            var under = keys.TakeWhile(k => k.StartsWith(request.Prefix, StringComparison.Ordinal)).ToList();
            foreach (var key in under)
            {
                if (await catalog.DeleteAsync(bucket.Name, key, cancellationToken))
                {
                    deleted++;
                }
            }

            if (under.Count < Batch)
            {
                return deleted;
            }
        }
    }
}
