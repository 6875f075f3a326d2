using Mediator;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Buckets;

namespace Platform.Modules.Storage.Objects;

/// <summary>DeleteObjects: up to 1,000 keys (each with a version id or none), each decided and deleted on its own; a refused key is reported, not fatal.</summary>
/// <param name="BypassGovernance">x-amz-bypass-governance-retention: true, for every key (with s3:BypassGovernanceRetention on it).</param>
internal sealed record DeleteObjects(string Bucket, IReadOnlyList<ObjectToDelete> Objects, bool BypassGovernance = false) : IRequest<DeleteObjectsResult>;

internal sealed record ObjectToDelete(string Key, string? VersionId = null);

internal sealed record DeleteObjectsResult(IReadOnlyList<DeletedObject> Deleted, IReadOnlyList<DeleteObjectError> Errors);

/// <summary>A Deleted entry: VersionId is the one asked for, DeleteMarkerVersionId the marker a delete added or removed.</summary>
internal sealed record DeletedObject(string Key, string? VersionId, bool DeleteMarker, string? DeleteMarkerVersionId);

internal sealed record DeleteObjectError(string Key, string? VersionId, string Code, string Message);

internal sealed class DeleteObjectsHandler(BucketAccess access, ObjectCatalog catalog, TimeProvider clock) : IRequestHandler<DeleteObjects, DeleteObjectsResult>
{
    public const int MaxKeys = 1000;

    public async ValueTask<DeleteObjectsResult> Handle(DeleteObjects request, CancellationToken cancellationToken)
    {
        if (request.Objects.Count > MaxKeys)
        {
            throw S3Errors.MalformedXml();
        }

        var bucket = await access.FindAsync(request.Bucket, cancellationToken);
        var deleted = new List<DeletedObject>();
        var errors = new List<DeleteObjectError>();
        foreach (var (key, versionId) in request.Objects)
        {
            try
            {
                ObjectKey.Validate(key);
                ObjectVersions.Validate(versionId);
                var action = versionId is null ? "s3:DeleteObject" : "s3:DeleteObjectVersion";
                await access.AuthorizeAsync(bucket, action, BucketAccess.Arn(request.Bucket, key), cancellationToken);
                var bypass = await DeleteObjectHandler.BypassesGovernanceAsync(access, bucket, key, versionId, request.BypassGovernance, cancellationToken);
                var result = await DeleteObjectHandler.DeleteAsync(catalog, bucket, key, versionId, clock, cancellationToken, bypass);
                deleted.Add(versionId is null
                    ? new DeletedObject(key, null, result.DeleteMarker, result.DeleteMarker ? result.VersionId : null)
                    : new DeletedObject(key, versionId, result.DeleteMarker, result.DeleteMarker ? versionId : null));
            }
            catch (ApiException e)
            {
                errors.Add(new DeleteObjectError(key, versionId, e.Code, e.Message));
            }
        }

        return new DeleteObjectsResult(deleted, errors);
    }
}
