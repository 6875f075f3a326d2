using Mediator;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Buckets;

namespace Platform.Modules.Storage.Objects;

/// <summary>DeleteObjects: up to 1,000 keys, each decided and deleted on its own; a refused key is reported, not fatal.</summary>
internal sealed record DeleteObjects(string Bucket, IReadOnlyList<string> Keys) : IRequest<DeleteObjectsResult>;

internal sealed record DeleteObjectsResult(IReadOnlyList<string> Deleted, IReadOnlyList<DeleteObjectError> Errors);

internal sealed record DeleteObjectError(string Key, string Code, string Message);

internal sealed class DeleteObjectsHandler(BucketAccess access, ObjectCatalog catalog) : IRequestHandler<DeleteObjects, DeleteObjectsResult>
{
    public const int MaxKeys = 1000;

    public async ValueTask<DeleteObjectsResult> Handle(DeleteObjects request, CancellationToken cancellationToken)
    {
        if (request.Keys.Count > MaxKeys)
        {
            throw S3Errors.MalformedXml();
        }

        var bucket = await access.FindAsync(request.Bucket, cancellationToken);
        var deleted = new List<string>();
        var errors = new List<DeleteObjectError>();
        foreach (var key in request.Keys)
        {
            try
            {
                ObjectKey.Validate(key);
                await access.AuthorizeAsync(bucket, "s3:DeleteObject", BucketAccess.Arn(request.Bucket, key), cancellationToken);
                await catalog.DeleteAsync(request.Bucket, key, cancellationToken);
                deleted.Add(key);
            }
            catch (ApiException e)
            {
                errors.Add(new DeleteObjectError(key, e.Code, e.Message));
            }
        }

        return new DeleteObjectsResult(deleted, errors);
    }
}
