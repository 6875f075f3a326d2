using Mediator;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Contracts;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Objects;

internal sealed class DescribeBucketOwnerHandler(BucketAccess access) : IRequestHandler<DescribeBucketOwner, string?>
{
    public async ValueTask<string?> Handle(DescribeBucketOwner request, CancellationToken cancellationToken)
    {
        try
        {
            return (await access.FindAsync(request.Bucket, cancellationToken)).AccountId;
        }
        catch (Shared.Errors.ApiException e) when (e.Code == "NoSuchBucket")
        {
            return null;
        }
    }
}

/// <summary>An object the platform writes on an account's behalf: stored as a PutObject stores it, under the bucket's default encryption.</summary>
internal sealed class PutPlatformObjectHandler(BucketAccess access, ObjectBytes bytes, ObjectCatalog catalog, TimeProvider clock)
    : IRequestHandler<PutPlatformObject, PutPlatformObjectResult>
{
    public async ValueTask<PutPlatformObjectResult> Handle(PutPlatformObject request, CancellationToken cancellationToken)
    {
        ObjectKey.Validate(request.Key);
        var bucket = await access.FindAsync(request.Bucket, cancellationToken);
        if (bucket.AccountId != request.OwnerAccountId)
        {
            throw S3Errors.NoSuchBucket();
        }

        using var body = new MemoryStream(request.Body, writable: false);
        var written = await ContentMd5Header.WriteCheckedAsync(bytes, body, request.Body.Length, contentMd5: null, bucket.DefaultEncryption, cancellationToken);
        var version = new StoredObject
        {
            BucketName = bucket.Name,
            Key = request.Key,
            Segments = Segments.Serialize([written.Segment]),
            Size = written.Segment.Size,
            ETag = $"\"{written.Md5Hex}\"",
            ContentType = request.ContentType,
            Metadata = ObjectCatalog.SerializeMetadata(new Dictionary<string, string>()),
            LastModified = clock.GetUtcNow().UtcDateTime,
            Encrypted = bucket.DefaultEncryption,
            VersionId = ObjectVersions.NewIdFor(bucket),
        };
        try
        {
            await catalog.PutAsync(version, cancellationToken);
        }
        catch
        {
            bytes.Delete([written.Segment]);
            throw;
        }

        return new PutPlatformObjectResult(version.ETag);
    }
}
