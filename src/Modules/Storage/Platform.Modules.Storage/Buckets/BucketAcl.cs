using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Buckets;

/// <summary>GetBucketAcl: s3:GetBucketAcl (or the ACL's READ_ACP). With ACLs disabled, the owner's full control.</summary>
internal sealed record GetBucketAcl(string Bucket) : IRequest<AccessControlList>;

/// <summary>
/// PutBucketAcl: s3:PutBucketAcl (or the ACL's WRITE_ACP). With ACLs disabled (BucketOwnerEnforced) only the owner's full control is
/// accepted, and changes nothing; any other ACL is AccessControlListNotSupported. BlockPublicAcls refuses a public one.
/// </summary>
internal sealed record PutBucketAcl(string Bucket, AclRequest Acl) : IRequest<Unit>;

internal sealed class BucketAclHandlers(StorageDbContext db, BucketAccess access, AclResolver acls)
    : IRequestHandler<GetBucketAcl, AccessControlList>, IRequestHandler<PutBucketAcl, Unit>
{
    public async ValueTask<AccessControlList> Handle(GetBucketAcl request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:GetBucketAcl", BucketAccess.Arn(request.Bucket), cancellationToken);
        return BucketAccess.BucketAcl(bucket);
    }

    public async ValueTask<Unit> Handle(PutBucketAcl request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:PutBucketAcl", BucketAccess.Arn(request.Bucket), cancellationToken);
        var acl = await acls.ResolveAsync(request.Acl, bucket.AccountId, bucket.AccountId, cancellationToken);
        if (!ObjectOwnership.AclsEnabled(bucket.ObjectOwnership))
        {
            return acl.IsBucketOwnerFullControlOnly(bucket.AccountId) ? Unit.Value : throw S3Errors.AccessControlListNotSupported();
        }

        AclResolver.CheckPublicAccessBlock(bucket, acl);
        var stored = acl.ToStored(bucket.AccountId);
        await db.Buckets.Where(b => b.Name == bucket.Name).ExecuteUpdateAsync(s => s.SetProperty(b => b.Acl, stored), cancellationToken);
        return Unit.Value;
    }
}
