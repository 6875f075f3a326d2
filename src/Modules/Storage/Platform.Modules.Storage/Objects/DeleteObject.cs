using Mediator;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Storage.Buckets;

namespace Platform.Modules.Storage.Objects;

/// <summary>
/// DeleteObject: idempotent, as in S3: deleting a missing key succeeds. With a version id it deletes that version for
/// good (unless object lock protects it); without one, on a bucket whose versioning was ever enabled, it adds a delete marker
/// and keeps every version.
/// </summary>
/// <param name="BypassGovernance">x-amz-bypass-governance-retention: true; effective only with s3:BypassGovernanceRetention.</param>
internal sealed record DeleteObject(string Bucket, string Key, string? VersionId = null, bool BypassGovernance = false) : IRequest<ObjectDeleted>, IValidatable
{
    public void Validate() => ObjectVersions.Validate(VersionId);
}

/// <summary>The answer's x-amz-version-id (null: none) and x-amz-delete-marker.</summary>
internal sealed record ObjectDeleted(string? VersionId, bool DeleteMarker)
{
    public static readonly ObjectDeleted Nothing = new(null, false);
}

internal sealed class DeleteObjectHandler(BucketAccess access, ObjectCatalog catalog, TimeProvider clock) : IRequestHandler<DeleteObject, ObjectDeleted>
{
    public async ValueTask<ObjectDeleted> Handle(DeleteObject request, CancellationToken cancellationToken)
    {
        var action = request.VersionId is null ? "s3:DeleteObject" : "s3:DeleteObjectVersion";
        var bucket = await access.AuthorizeAsync(request.Bucket, action, BucketAccess.Arn(request.Bucket, request.Key), cancellationToken);
        var bypass = await BypassesGovernanceAsync(access, bucket, request.Key, request.VersionId, request.BypassGovernance, cancellationToken);
        return await DeleteAsync(catalog, bucket, request.Key, request.VersionId, clock, cancellationToken, bypass);
    }

    /// <summary>
    /// Whether a delete of a version may lift its governance retention: the header sent and s3:BypassGovernanceRetention granted. Without
    /// the permission the header is of no effect, and the locked version's delete is refused as without it.
    /// </summary>
    public static async Task<bool> BypassesGovernanceAsync(BucketAccess access, Persistence.Bucket bucket, string key, string? versionId, bool header,
        CancellationToken cancellationToken) =>
        header && versionId is not null && bucket.ObjectLockEnabled
        && await access.IsAllowedAsync(bucket, "s3:BypassGovernanceRetention", BucketAccess.Arn(bucket.Name, key), cancellationToken);

    /// <summary>One key's delete, shared with DeleteObjects.</summary>
    public static async Task<ObjectDeleted> DeleteAsync(ObjectCatalog catalog, Persistence.Bucket bucket, string key, string? versionId, TimeProvider clock,
        CancellationToken cancellationToken, bool bypassGovernance = false)
    {
        if (versionId is not null)
        {
            // A version that is not there is deleted already: S3 answers 204 all the same.
            var deleted = await catalog.DeleteVersionAsync(bucket.Name, key, versionId, cancellationToken, clock.GetUtcNow().UtcDateTime, bypassGovernance);
            return new ObjectDeleted(versionId, deleted?.DeleteMarker ?? false);
        }

        if (bucket.Versioning is null)
        {
            await catalog.DeleteAsync(bucket.Name, key, cancellationToken);
            return ObjectDeleted.Nothing;
        }

        var marker = ObjectCatalog.DeleteMarker(bucket.Name, key, ObjectVersions.NewIdFor(bucket), clock.GetUtcNow().UtcDateTime);
        await catalog.PutAsync(marker, cancellationToken);
        return new ObjectDeleted(ObjectVersions.Wire(marker.VersionId), true);
    }
}
