using Mediator;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Lifecycle;
using Platform.Modules.Storage.Tagging;
using Platform.Modules.Storage.Multipart;
using Platform.Modules.Storage.Objects;

namespace Platform.Modules.Storage.S3;

/// <summary>
/// The S3 REST API: routes each request by method, bucket, key and sub-resource (?uploads, ?policy, ...)
/// to the same Mediator requests the native API sends, and answers in S3's XML.
/// </summary>
internal static class S3Api
{
    public static async Task HandleAsync(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<StorageOptions>>().Value.S3;
        var request = S3Request.From(context, options);
        var sender = context.RequestServices.GetRequiredService<ISender>();
        var ct = context.RequestAborted;
        context.Items[S3ErrorMiddleware.ResourceItem] = request.Resource;

        // A browser's preflight carries no signature; it is answered from the bucket's CORS rules alone, as on S3.
        if (request.Method == "OPTIONS")
        {
            await (request.Bucket is null ? throw S3Errors.MethodNotAllowed() : Cors.CorsResponses.PreflightAsync(context, request.Bucket, sender, ct));
            return;
        }

        if (request.Bucket is not null)
        {
            await Cors.CorsResponses.AddToActualRequestAsync(context, request.Bucket, sender, ct);
        }

        if (request.Bucket is null)
        {
            await (request.Method == "GET" ? S3BucketOperations.ListBucketsAsync(context, sender, ct) : throw S3Errors.MethodNotAllowed());
            return;
        }

        if (string.IsNullOrEmpty(request.Key))
        {
            await BucketAsync(request, sender, ct);
            return;
        }

        await ObjectAsync(request, sender, ct);
    }

    private static Task BucketAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var bucket = request.Bucket!;
        var context = request.Context;
        return (request.Method, request.SubResource) switch
        {
            ("PUT", null) => S3BucketOperations.CreateBucketAsync(request, sender, ct),
            ("PUT", "policy") => S3BucketOperations.PutPolicyAsync(request, sender, ct),
            ("PUT", "encryption") => S3BucketOperations.PutEncryptionAsync(request, sender, ct),
            ("PUT", "versioning") => S3BucketOperations.PutVersioningAsync(request, sender, ct),
            ("PUT", "lifecycle") => S3BucketConfigurationOperations.PutLifecycleAsync(request, sender, ct),
            ("PUT", "tagging") => S3BucketConfigurationOperations.PutTaggingAsync(request, sender, ct),
            ("PUT", "cors") => S3BucketConfigurationOperations.PutCorsAsync(request, sender, ct),
            ("PUT", "publicAccessBlock") => S3BucketConfigurationOperations.PutPublicAccessBlockAsync(request, sender, ct),
            ("PUT", "acl") => S3AclOperations.PutBucketAclAsync(request, sender, ct),
            ("PUT", "ownershipControls") => S3AclOperations.PutOwnershipControlsAsync(request, sender, ct),
            ("PUT", "object-lock") => S3ObjectLockOperations.PutConfigurationAsync(request, sender, ct),
            ("HEAD", null) => S3Response.NoContentAsync(context, sender.Send(new HeadBucket(bucket), ct), 200),
            ("DELETE", null) => S3Response.NoContentAsync(context, sender.Send(new DeleteBucket(bucket), ct), 204),
            ("DELETE", "policy") => S3Response.NoContentAsync(context, sender.Send(new DeleteBucketPolicy(bucket), ct), 204),
            ("DELETE", "encryption") => S3Response.NoContentAsync(context, sender.Send(new PutBucketEncryption(bucket, false), ct), 204),
            ("DELETE", "lifecycle") => S3Response.NoContentAsync(context, sender.Send(new DeleteBucketLifecycle(bucket), ct), 204),
            ("DELETE", "tagging") => S3Response.NoContentAsync(context, sender.Send(new DeleteBucketTagging(bucket), ct), 204),
            ("DELETE", "cors") => S3Response.NoContentAsync(context, sender.Send(new Cors.DeleteBucketCors(bucket), ct), 204),
            ("DELETE", "publicAccessBlock") => S3Response.NoContentAsync(context, sender.Send(new DeletePublicAccessBlock(bucket), ct), 204),
            ("DELETE", "ownershipControls") => S3Response.NoContentAsync(context, sender.Send(new DeleteBucketOwnershipControls(bucket), ct), 204),
            ("POST", "delete") => S3BucketOperations.DeleteObjectsAsync(request, sender, ct),
            ("GET", null) => S3BucketOperations.ListObjectsAsync(request, sender, ct),
            ("GET", "policy") => S3BucketOperations.GetPolicyAsync(request, sender, ct),
            ("GET", "encryption") => S3BucketOperations.GetEncryptionAsync(request, sender, ct),
            ("GET", "location") => S3BucketOperations.GetLocationAsync(request, sender, ct),
            ("GET", "versioning") => S3BucketOperations.GetVersioningAsync(request, sender, ct),
            ("GET", "versions") => S3BucketOperations.ListVersionsAsync(request, sender, ct),
            ("GET", "uploads") => S3MultipartOperations.ListUploadsAsync(request, sender, ct),
            ("GET", "lifecycle") => S3BucketConfigurationOperations.GetLifecycleAsync(request, sender, ct),
            ("GET", "tagging") => S3BucketConfigurationOperations.GetTaggingAsync(request, sender, ct),
            ("GET", "cors") => S3BucketConfigurationOperations.GetCorsAsync(request, sender, ct),
            ("GET", "publicAccessBlock") => S3BucketConfigurationOperations.GetPublicAccessBlockAsync(request, sender, ct),
            ("GET", "acl") => S3AclOperations.GetBucketAclAsync(request, sender, ct),
            ("GET", "ownershipControls") => S3AclOperations.GetOwnershipControlsAsync(request, sender, ct),
            ("GET", "object-lock") => S3ObjectLockOperations.GetConfigurationAsync(request, sender, ct),
            // A browser's form upload (presigned POST) is a bucket POST without a sub-resource.
            ("POST", null) => S3PostObjectOperations.PostObjectAsync(request, sender, ct),
            (_, not null) => throw S3Errors.NotImplemented(),
            _ => throw S3Errors.MethodNotAllowed(),
        };
    }

    private static Task ObjectAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var context = request.Context;
        // GetObject of one part (?partNumber without an upload) would answer the whole object: not implemented.
        var sub = request.SubResource ?? (request.Has("partNumber") ? "partNumber" : null);
        return (request.Method, sub) switch
        {
            ("PUT", null) when request.Header("x-amz-copy-source") is not null => S3ObjectOperations.CopyObjectAsync(request, sender, ct),
            ("PUT", null) => S3ObjectOperations.PutObjectAsync(request, sender, ct),
            ("PUT", "uploadId") => S3MultipartOperations.UploadPartAsync(request, sender, ct),
            ("PUT", "tagging") => S3ObjectOperations.PutTaggingAsync(request, sender, ct),
            ("GET", "tagging") => S3ObjectOperations.GetTaggingAsync(request, sender, ct),
            ("DELETE", "tagging") => S3ObjectOperations.DeleteTaggingAsync(request, sender, ct),
            ("PUT", "acl") => S3AclOperations.PutObjectAclAsync(request, sender, ct),
            ("GET", "acl") => S3AclOperations.GetObjectAclAsync(request, sender, ct),
            ("GET", "attributes") => S3ObjectOperations.GetAttributesAsync(request, sender, ct),
            ("PUT", "retention") => S3ObjectLockOperations.PutRetentionAsync(request, sender, ct),
            ("GET", "retention") => S3ObjectLockOperations.GetRetentionAsync(request, sender, ct),
            ("PUT", "legal-hold") => S3ObjectLockOperations.PutLegalHoldAsync(request, sender, ct),
            ("GET", "legal-hold") => S3ObjectLockOperations.GetLegalHoldAsync(request, sender, ct),
            ("GET", null) => S3ObjectOperations.GetObjectAsync(request, sender, headOnly: false, ct),
            ("GET", "uploadId") => S3MultipartOperations.ListPartsAsync(request, sender, ct),
            ("HEAD", null) => S3ObjectOperations.GetObjectAsync(request, sender, headOnly: true, ct),
            ("DELETE", null) => S3ObjectOperations.DeleteObjectAsync(request, sender, ct),
            ("DELETE", "uploadId") =>
                S3Response.NoContentAsync(context, sender.Send(new AbortMultipartUpload(request.Bucket!, request.Key!, request.Query("uploadId")!), ct), 204),
            ("POST", "uploads") => S3MultipartOperations.CreateUploadAsync(request, sender, ct),
            ("POST", "uploadId") => S3MultipartOperations.CompleteUploadAsync(request, sender, ct),
            (_, not null) => throw S3Errors.NotImplemented(),
            _ => throw S3Errors.MethodNotAllowed(),
        };
    }
}
