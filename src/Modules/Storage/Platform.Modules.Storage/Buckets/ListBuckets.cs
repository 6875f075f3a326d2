using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Buckets;

/// <summary>ListBuckets: the caller's account's buckets, by name.</summary>
internal sealed record ListBuckets : IRequest<BucketList>;

internal sealed record BucketList(string OwnerId, IReadOnlyList<BucketSummary> Buckets);

internal sealed record BucketSummary(string Name, DateTime CreatedAt);

internal sealed class ListBucketsHandler(StorageDbContext db, ICallerContext caller, ISender sender) : IRequestHandler<ListBuckets, BucketList>
{
    public async ValueTask<BucketList> Handle(ListBuckets request, CancellationToken cancellationToken)
    {
        if (!caller.IsAuthenticated)
        {
            throw ApiErrors.AccessDenied("Access Denied");
        }

        var account = caller.Identity.AccountId;
        await sender.Send(new AuthorizeResourceAccess("s3:ListAllMyBuckets", "arn:aws:s3:::*", account, null), cancellationToken);
        var buckets = await db.Buckets.AsNoTracking().Where(b => b.AccountId == account).OrderBy(b => b.Name)
            .Select(b => new BucketSummary(b.Name, b.CreatedAt)).ToListAsync(cancellationToken);
        return new BucketList(account, buckets);
    }
}
