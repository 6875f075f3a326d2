using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Buckets;

/// <summary>
/// Finds a bucket and decides an action on it or its objects. The decision needs the bucket's owner and
/// policy, which only Storage knows, so IAM is asked with both (identity and bucket policy together,
/// explicit deny wins; another account or an anonymous caller needs the bucket policy's grant).
/// </summary>
internal sealed class BucketAccess(StorageDbContext db, ISender sender, ICallerContext caller)
{
    public static string Arn(string bucket, string? key = null) => key is null ? $"arn:aws:s3:::{bucket}" : $"arn:aws:s3:::{bucket}/{key}";

    public async Task<Bucket> AuthorizeAsync(string bucketName, string action, string resourceArn, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? conditionKeys = null)
    {
        var bucket = await FindAsync(bucketName, cancellationToken);
        await AuthorizeAsync(bucket, action, resourceArn, cancellationToken, conditionKeys);
        return bucket;
    }

    /// <param name="target">The object version the action is on, whose ACL may grant it (GetObject, GetObjectAcl, ...); null when there is none.</param>
    public async Task AuthorizeAsync(Bucket bucket, string action, string resourceArn, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? conditionKeys = null, StoredObject? target = null)
    {
        var block = PublicAccessBlock.FromJson(bucket.PublicAccessBlock);
        var callerAccount = caller.IsAuthenticated ? caller.Identity.AccountId : null;
        if (block is { RestrictPublicBuckets: true } && PublicPolicy.IsPublic(bucket.Policy) && callerAccount != bucket.AccountId)
        {
            // RestrictPublicBuckets: a bucket with a public policy is the owner account's alone; anonymous and other accounts' callers,
            // whom only the policy could let in, are refused whatever it says.
            throw ApiErrors.AccessDenied("Access Denied");
        }

        var grantedByAcl = false;
        if (ObjectOwnership.AclsEnabled(bucket.ObjectOwnership))
        {
            var ignorePublic = block is { IgnorePublicAcls: true };
            if (AclPermissions.OnBucket(action) is { } onBucket)
            {
                grantedByAcl = BucketAcl(bucket).Allows(onBucket, callerAccount, bucket.AccountId, ignorePublic);
            }
            else if (AclPermissions.OnObject(action) is { } onObject && target is not null)
            {
                var acl = ObjectAcl(bucket, target);
                grantedByAcl = acl.Allows(onObject, callerAccount, bucket.AccountId, ignorePublic);
                // An object another account wrote and owns (ObjectWriter): the bucket owner's account reads it, or its ACL,
                // only where that ACL grants it so, whatever its own policies say.
                if (acl.Owner != bucket.AccountId && callerAccount == bucket.AccountId
                    && !acl.Grants.Any(g => g.Type == AclGrant.CanonicalUser && g.Grantee == bucket.AccountId
                        && (g.Permission == onObject || g.Permission == AccessControlList.FullControl)))
                {
                    throw ApiErrors.AccessDenied("Access Denied");
                }
            }
        }

        await sender.Send(new AuthorizeResourceAccess(action, resourceArn, bucket.AccountId, bucket.Policy, conditionKeys, grantedByAcl), cancellationToken);
    }

    /// <summary>
    /// Whether the caller may take <paramref name="action"/> (decided as <see cref="AuthorizeAsync(Bucket, string, string, CancellationToken, IReadOnlyDictionary{string, string}?, StoredObject?)"/>),
    /// for a permission that only widens what a request may do (s3:BypassGovernanceRetention): false instead of AccessDenied.
    /// </summary>
    public async Task<bool> IsAllowedAsync(Bucket bucket, string action, string resourceArn, CancellationToken cancellationToken)
    {
        try
        {
            await AuthorizeAsync(bucket, action, resourceArn, cancellationToken);
            return true;
        }
        catch (ApiException e) when (e.StatusCode == 403)
        {
            return false;
        }
    }

    /// <summary>The bucket's ACL as it applies: the owner's full control alone while ACLs are disabled (BucketOwnerEnforced).</summary>
    public static AccessControlList BucketAcl(Bucket bucket) =>
        (ObjectOwnership.AclsEnabled(bucket.ObjectOwnership) ? AccessControlList.FromJson(bucket.Acl) : null) ?? AccessControlList.Private(bucket.AccountId);

    /// <summary>An object version's owner and ACL as they apply: the bucket owner's full control alone while ACLs are disabled.</summary>
    public static AccessControlList ObjectAcl(Bucket bucket, StoredObject target) =>
        (ObjectOwnership.AclsEnabled(bucket.ObjectOwnership) ? AccessControlList.FromJson(target.Acl) : null) ?? AccessControlList.Private(bucket.AccountId);

    /// <summary>
    /// The action that reads an object: s3:GetObject for the current version, s3:GetObjectVersion when a version is named
    /// (GetObject, HeadObject and a copy's source with versionId), as AWS's "Actions, resources and condition keys for S3" has it.
    /// </summary>
    public static string ReadAction(string? versionId) => versionId is null ? "s3:GetObject" : "s3:GetObjectVersion";

    /// <summary>The listing calls' condition keys: <c>s3:prefix</c> (empty for none), so a policy can hand out one prefix of a bucket.</summary>
    public static IReadOnlyDictionary<string, string> ListingKeys(string? prefix) => new Dictionary<string, string> { ["s3:prefix"] = prefix ?? "" };

    /// <summary>The bucket, without deciding anything yet; NoSuchBucket when there is none.</summary>
    public async Task<Bucket> FindAsync(string bucketName, CancellationToken cancellationToken) =>
        BucketName.IsValid(bucketName)
            ? await FindBucket(db, bucketName, cancellationToken) ?? throw S3Errors.NoSuchBucket()
            : throw S3Errors.NoSuchBucket();

    /// <summary>Compiled once: every object request looks its bucket up, and translating the LINQ each time costs more than the query.</summary>
    private static readonly Func<StorageDbContext, string, CancellationToken, Task<Bucket?>> FindBucket =
        EF.CompileAsyncQuery((StorageDbContext db, string name, CancellationToken _) => db.Buckets.AsNoTracking().SingleOrDefault(b => b.Name == name));
}
