using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Objects;

/// <summary>GetObjectAcl: the version's owner and ACL (s3:GetObjectAcl, s3:GetObjectVersionAcl with an id, or the ACL's READ_ACP).</summary>
internal sealed record GetObjectAcl(string Bucket, string Key, string? VersionId) : IRequest<ObjectAclResult>, IValidatable
{
    public void Validate() => ObjectVersions.Validate(VersionId);
}

/// <summary>
/// PutObjectAcl: replaces the version's ACL, its owner kept (s3:PutObjectAcl, s3:PutObjectVersionAcl, or the ACL's WRITE_ACP).
/// With ACLs disabled only the bucket owner's full control is accepted, and changes nothing.
/// </summary>
internal sealed record PutObjectAcl(string Bucket, string Key, string? VersionId, AclRequest Acl) : IRequest<ObjectAclResult>, IValidatable
{
    public void Validate() => ObjectVersions.Validate(VersionId);
}

/// <param name="VersionId">x-amz-version-id of the answer: the version's id, "null" when the null version was named, else none.</param>
internal sealed record ObjectAclResult(string? VersionId, AccessControlList Acl);

internal sealed class ObjectAclHandlers(StorageDbContext db, BucketAccess access, ObjectCatalog catalog, AclResolver acls)
    : IRequestHandler<GetObjectAcl, ObjectAclResult>, IRequestHandler<PutObjectAcl, ObjectAclResult>
{
    public async ValueTask<ObjectAclResult> Handle(GetObjectAcl request, CancellationToken cancellationToken)
    {
        var (bucket, version) = await ObjectLookup.FindAuthorizedAsync(access, catalog, request.Bucket, request.Key, request.VersionId, "s3:GetObjectAcl", "s3:GetObjectVersionAcl", cancellationToken);
        return new ObjectAclResult(WireId(version, request.VersionId), BucketAccess.ObjectAcl(bucket, version));
    }

    public async ValueTask<ObjectAclResult> Handle(PutObjectAcl request, CancellationToken cancellationToken)
    {
        var (bucket, version) = await ObjectLookup.FindAuthorizedAsync(access, catalog, request.Bucket, request.Key, request.VersionId, "s3:PutObjectAcl", "s3:PutObjectVersionAcl", cancellationToken);
        var owner = BucketAccess.ObjectAcl(bucket, version).Owner;
        var acl = await acls.ResolveAsync(request.Acl, owner, bucket.AccountId, cancellationToken);
        if (!ObjectOwnership.AclsEnabled(bucket.ObjectOwnership))
        {
            return acl.IsBucketOwnerFullControlOnly(bucket.AccountId)
                ? new ObjectAclResult(WireId(version, request.VersionId), acl)
                : throw S3Errors.AccessControlListNotSupported();
        }

        AclResolver.CheckPublicAccessBlock(bucket, acl);
        var stored = acl.ToStored(bucket.AccountId);
        // The row as it was found (its id and ETag): a version written since keeps its own ACL.
        var changed = await db.Objects
            .Where(o => o.BucketName == version.BucketName && o.Key == version.Key && o.VersionId == version.VersionId && o.ETag == version.ETag && !o.IsDeleteMarker)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.Acl, stored), cancellationToken);
        if (changed == 0)
        {
            var id = ObjectVersions.Wire(version.VersionId);
            changed = await db.Versions.Where(v => v.BucketName == version.BucketName && v.Key == version.Key && v.VersionId == id && v.ETag == version.ETag)
                .ExecuteUpdateAsync(s => s.SetProperty(v => v.Acl, stored), cancellationToken);
        }

        return changed == 0 ? throw S3Errors.NoSuchKey() : new ObjectAclResult(WireId(version, request.VersionId), acl);
    }

    private static string? WireId(StoredObject version, string? asked) => ObjectLookup.WireId(version, asked);
}

/// <summary>One object version looked up for an operation on it (its ACL, its attributes).</summary>
internal static class ObjectLookup
{
    /// <summary>The version, authorized first (with its ACL), so a refused caller learns nothing of whether the key exists.</summary>
    public static async Task<(Bucket Bucket, StoredObject Version)> FindAuthorizedAsync(BucketAccess access, ObjectCatalog catalog, string bucketName,
        string key, string? versionId, string action, string versionAction, CancellationToken cancellationToken)
    {
        var bucket = await access.FindAsync(bucketName, cancellationToken);
        var version = versionId is null
            ? await catalog.FindAsync(bucket.Name, key, cancellationToken)
            : await catalog.FindVersionAsync(bucket.Name, key, versionId, cancellationToken);
        await access.AuthorizeAsync(bucket, versionId is null ? action : versionAction, BucketAccess.Arn(bucket.Name, key), cancellationToken,
            Tagging.ObjectTagConditions.Existing(version?.Tags), version);
        if (version is null)
        {
            throw versionId is null ? S3Errors.NoSuchKey() : S3Errors.NoSuchVersion();
        }

        return version.IsDeleteMarker ? throw S3Errors.DeleteMarker(version.VersionId, named: versionId is not null) : (bucket, version);
    }

    /// <summary>x-amz-version-id of an answer about a version: its id, "null" when the null version was named, else none.</summary>
    public static string? WireId(StoredObject version, string? asked) => version.VersionId ?? (asked is null ? null : ObjectVersions.Null);
}
