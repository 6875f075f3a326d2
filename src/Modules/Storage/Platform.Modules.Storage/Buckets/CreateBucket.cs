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
/// but the ACL (set again to the one asked for, the default without one, where ACLs are enabled).
/// </summary>
/// <param name="ObjectOwnership">x-amz-object-ownership; BucketOwnerEnforced (ACLs disabled) when null, as S3 since April 2023.</param>
/// <param name="Acl">x-amz-acl or x-amz-grant-*: with ACLs disabled only the owner's full control (InvalidBucketAclWithObjectOwnership otherwise).</param>
/// <param name="ObjectLockEnabled">x-amz-bucket-object-lock-enabled: object lock from the start, versioning Enabled with it.</param>
internal sealed record CreateBucket(string Bucket, string? ObjectOwnership = null, AclRequest? Acl = null, bool ObjectLockEnabled = false)
    : IRequest<Unit>, IValidatable
{
    public void Validate() => BucketName.Validate(Bucket);
}

internal sealed class CreateBucketHandler(StorageDbContext db, ICallerContext caller, ISender sender, TimeProvider clock, IOptions<PlatformOptions> platform,
    AclResolver acls)
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
        if (request.ObjectLockEnabled)
        {
            // As S3: a bucket made with object lock needs the permissions of the two calls it stands for.
            await sender.Send(new AuthorizeResourceAccess("s3:PutBucketObjectLockConfiguration", BucketAccess.Arn(request.Bucket), account, null), cancellationToken);
            await sender.Send(new AuthorizeResourceAccess("s3:PutBucketVersioning", BucketAccess.Arn(request.Bucket), account, null), cancellationToken);
        }

        var ownership = request.ObjectOwnership ?? ObjectOwnership.BucketOwnerEnforced;
        var acl = await acls.ResolveAsync(request.Acl ?? new AclRequest("private", null), account, account, cancellationToken);
        if (!ObjectOwnership.AclsEnabled(ownership) && !acl.IsBucketOwnerFullControlOnly(account))
        {
            throw S3Errors.InvalidBucketAclWithObjectOwnership();
        }

        var stored = ObjectOwnership.AclsEnabled(ownership) ? acl.ToStored(account) : null;
        if (await IsOwnedAlreadyAsync(request.Bucket, account, cancellationToken))
        {
            await ResetAclAsync(request.Bucket, acl, stored, cancellationToken);
            return Unit.Value;
        }

        db.Buckets.Add(new Bucket
        {
            Name = request.Bucket, AccountId = account, CreatedAt = clock.GetUtcNow().UtcDateTime, ObjectOwnership = ownership, Acl = stored,
            ObjectLockEnabled = request.ObjectLockEnabled, Versioning = request.ObjectLockEnabled ? Objects.ObjectVersions.Enabled : null,
        });
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
                await ResetAclAsync(request.Bucket, acl, stored, cancellationToken);
                return Unit.Value;
            }

            throw;
        }

        return Unit.Value;
    }

    /// <summary>
    /// us-east-1's CreateBucket of one's own bucket: the ACL is set again where the bucket's ACLs are enabled, its public access
    /// block applied as PutBucketAcl applies it.
    /// </summary>
    private async Task ResetAclAsync(string name, AccessControlList acl, string? stored, CancellationToken cancellationToken)
    {
        var bucket = await db.Buckets.AsNoTracking().SingleAsync(b => b.Name == name, cancellationToken);
        if (ObjectOwnership.AclsEnabled(bucket.ObjectOwnership))
        {
            AclResolver.CheckPublicAccessBlock(bucket, acl);
            await db.Buckets.Where(b => b.Name == name).ExecuteUpdateAsync(s => s.SetProperty(b => b.Acl, stored), cancellationToken);
        }
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
