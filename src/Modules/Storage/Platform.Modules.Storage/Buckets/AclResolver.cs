using Mediator;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Buckets;

/// <summary>
/// An ACL as a request states it: a canned ACL (x-amz-acl), grants (x-amz-grant-* headers or an AccessControlPolicy
/// document), and the owner id the document names, if any. Made into an <see cref="AccessControlList"/> once the
/// resource's owner is known.
/// </summary>
internal sealed record AclRequest(string? Canned, IReadOnlyList<AclGrant>? Grants, string? DocumentOwner = null)
{
    /// <summary>x-amz-acl and x-amz-grant-*; null when the request has neither. Both together is S3's InvalidRequest.</summary>
    public static AclRequest? FromHeaders(string? canned, IReadOnlyList<(string Permission, string Value)> grantHeaders)
    {
        if (canned is not null && grantHeaders.Count > 0)
        {
            throw S3Errors.InvalidRequest("Specifying both Canned ACLs and Header Grants is not allowed");
        }

        return canned is not null ? new AclRequest(canned.Trim(), null)
            : grantHeaders.Count > 0 ? new AclRequest(null, AccessControlList.FromGrantHeaders(grantHeaders))
            : null;
    }
}

/// <summary>Makes requested ACLs into stored ones: who owns a new object, which ACLs a bucket's ownership setting and public access block allow.</summary>
internal sealed class AclResolver(ISender sender, ICallerContext caller)
{
    /// <summary>
    /// The ACL a request sets on a resource that <paramref name="owner"/> owns, in a bucket <paramref name="bucketOwner"/> owns. Every
    /// canonical user it names must be a real account (else InvalidArgument, which says nothing more of any account).
    /// </summary>
    public async Task<AccessControlList> ResolveAsync(AclRequest request, string owner, string bucketOwner, CancellationToken cancellationToken)
    {
        if (request.DocumentOwner is { } named && named != owner)
        {
            throw ApiErrors.AccessDenied("Access Denied");
        }

        var acl = request.Canned is { } canned
            ? AccessControlList.Canned(canned, owner, bucketOwner)
            : new AccessControlList(owner, request.Grants ?? []);
        foreach (var grantee in acl.Grants.Where(g => g.Type == AclGrant.CanonicalUser).Select(g => g.Grantee).Distinct(StringComparer.Ordinal))
        {
            if (grantee != owner && grantee != bucketOwner && grantee != AccessControlList.Ec2ExecReader
                && !await sender.Send(new AccountExists(grantee), cancellationToken))
            {
                throw S3Errors.InvalidArgument("Invalid id");
            }
        }

        return acl;
    }

    /// <summary>BlockPublicAcls: a request that would set a public ACL is refused.</summary>
    public static void CheckPublicAccessBlock(Bucket bucket, AccessControlList acl)
    {
        if (acl.IsPublic && PublicAccessBlock.FromJson(bucket.PublicAccessBlock) is { BlockPublicAcls: true })
        {
            throw ApiErrors.AccessDenied("Access Denied");
        }
    }

    /// <summary>
    /// The stored ACL (JSON, null for the default) of an object the caller writes: with ACLs disabled only the bucket owner's full
    /// control is accepted and the bucket owner owns the object; otherwise the writer owns it, except under BucketOwnerPreferred when
    /// it is written with bucket-owner-full-control.
    /// </summary>
    public async Task<string?> ForNewObjectAsync(Bucket bucket, AclRequest? requested, CancellationToken cancellationToken)
    {
        var writer = caller.IsAuthenticated ? caller.Identity.AccountId : bucket.AccountId;
        if (!ObjectOwnership.AclsEnabled(bucket.ObjectOwnership))
        {
            if (requested is not null && !(await ResolveAsync(requested, bucket.AccountId, bucket.AccountId, cancellationToken)).IsBucketOwnerFullControlOnly(bucket.AccountId))
            {
                throw S3Errors.AccessControlListNotSupported();
            }

            return null;
        }

        var owner = bucket.ObjectOwnership == ObjectOwnership.BucketOwnerPreferred && requested?.Canned == "bucket-owner-full-control" ? bucket.AccountId : writer;
        var acl = await ResolveAsync(requested ?? new AclRequest("private", null), owner, bucket.AccountId, cancellationToken);
        CheckPublicAccessBlock(bucket, acl);
        return acl.ToStored(bucket.AccountId);
    }
}
