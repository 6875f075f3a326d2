using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Shared.Authentication;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Objects;

namespace Platform.Modules.Storage;

/// <summary>
/// The native S3 API of the seed: <c>/api/v1/s3/{bucket_name}/{object_key}</c>, snake_case JSON, the same
/// Mediator requests as the S3 REST API behind it. Object bodies stream in and out as raw bytes.
/// </summary>
internal static class StorageEndpoints
{
    public const string Prefix = "/api/v1/s3";

    public static RouteGroupBuilder MapStorage(IEndpointRouteBuilder routes)
    {
        var s3 = routes.MapGroup(Prefix).WithTags("S3").WithMetadata(SigningService.S3);
        // A browser reads and writes objects here as on the S3 listener: its Origin is answered from the bucket's CORS rules.
        s3.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            // The native API has the plain bucket and object operations only. A query naming an S3 sub-resource
            // (?tagging, ?policy, ?acl, …) would otherwise be taken for the operation without it (PUT ?tagging as
            // CreateBucket, DELETE key?tagging as DeleteObject), answering success for what it did not do.
            if (S3.S3SubResources.Of(context.Request.Query.Keys) is { } subResource)
            {
                throw new ApiException(400, "InvalidRequest",
                    $"The native S3 API has no ?{subResource} operation; send it to the S3 API (the aws CLI's s3api, an AWS SDK).");
            }

            if (context.Request.RouteValues["bucket_name"] is string bucket && context.Request.Method != "OPTIONS")
            {
                await Cors.CorsResponses.AddToActualRequestAsync(context, bucket, context.RequestServices.GetRequiredService<ISender>(), context.RequestAborted);
            }

            return await next(invocation);
        });
        // The preflight carries no signature (browsers send none), as on S3.
        s3.MapMethods("/{bucket_name}/{**object_key}", ["OPTIONS"], PreflightAsync).WithMetadata(AnonymousEndpoint.Instance);
        s3.MapMethods("/{bucket_name}", ["OPTIONS"], PreflightAsync).WithMetadata(AnonymousEndpoint.Instance);

        s3.MapGet("/", async (ISender sender, CancellationToken ct) =>
        {
            var list = await sender.Send(new ListBuckets(), ct);
            return TypedResults.Ok(new { buckets = list.Buckets.Select(b => new { name = b.Name, creation_date = b.CreatedAt }) });
        });
        s3.MapPut("/{bucket_name}", async ([FromRoute(Name = "bucket_name")] string bucket, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new CreateBucket(bucket), ct);
            return TypedResults.Ok(new { location = $"/{bucket}" });
        });
        s3.MapDelete("/{bucket_name}", async ([FromRoute(Name = "bucket_name")] string bucket, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeleteBucket(bucket), ct);
            return TypedResults.NoContent();
        });
        s3.MapGet("/{bucket_name}", async ([FromRoute(Name = "bucket_name")] string bucket, [FromQuery(Name = "prefix")] string? prefix,
            [FromQuery(Name = "delimiter")] string? delimiter, [FromQuery(Name = "max_keys")] int? maxKeys,
            [FromQuery(Name = "continuation_token")] string? token, ISender sender, CancellationToken ct) =>
        {
            var listing = await sender.Send(new ListObjects(bucket, prefix, delimiter, maxKeys ?? 1000, ListObjectsHandler.FromToken(token)), ct);
            return TypedResults.Ok(new
            {
                objects = listing.Contents.Select(o => new { key = o.Key, size = o.Size, etag = o.ETag, last_modified = o.LastModified }),
                common_prefixes = listing.CommonPrefixes,
                is_truncated = listing.IsTruncated,
                next_continuation_token = listing.IsTruncated ? ListObjectsHandler.Token(listing.NextAfter!) : null,
            });
        });

        s3.MapPut("/{bucket_name}/{**object_key}", async ([FromRoute(Name = "bucket_name")] string bucket, [FromRoute(Name = "object_key")] string key,
            HttpRequest request, ISender sender, CancellationToken ct) =>
        {
            var metadata = request.Headers.Where(h => h.Key.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase))
                .ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
            var length = long.TryParse(request.Headers["x-amz-decoded-content-length"], CultureInfo.InvariantCulture, out var decoded) ? decoded : request.ContentLength;
            var result = await sender.Send(new PutObject(bucket, key, request.Body, length, request.Headers["Content-MD5"].FirstOrDefault(),
                request.ContentType, metadata, request.Headers["x-amz-server-side-encryption"] == "AES256",
                BodyChecksum.FromRequest(request.Headers, request.HttpContext.Features.Get<Shared.Payloads.PayloadTrailer>())), ct);
            return TypedResults.Ok(new PutObjectResponse(result.ETag, $"/{bucket}/{key}"));
        });
        s3.MapMethods("/{bucket_name}/{**object_key}", ["GET", "HEAD"], async ([FromRoute(Name = "bucket_name")] string bucket,
            [FromRoute(Name = "object_key")] string key, HttpContext context, ISender sender, CancellationToken ct) =>
        {
            var request = context.Request;
            var conditions = new ObjectConditions(request.Headers.IfMatch.FirstOrDefault(), request.Headers.IfNoneMatch.FirstOrDefault(),
                ObjectConditions.ParseDate(request.Headers.IfModifiedSince.FirstOrDefault()), ObjectConditions.ParseDate(request.Headers.IfUnmodifiedSince.FirstOrDefault()));
            var read = await sender.Send(new GetObject(bucket, key, request.Headers.Range.FirstOrDefault(), conditions, request.Method == "HEAD"), ct);
            return new ObjectResult(read);
        });
        s3.MapDelete("/{bucket_name}/{**object_key}", async ([FromRoute(Name = "bucket_name")] string bucket, [FromRoute(Name = "object_key")] string key,
            ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeleteObject(bucket, key), ct);
            return TypedResults.NoContent();
        });
        return s3;
    }

    private static async Task<IResult> PreflightAsync([FromRoute(Name = "bucket_name")] string bucket, HttpContext context, ISender sender, CancellationToken ct)
    {
        await Cors.CorsResponses.PreflightAsync(context, bucket, sender, ct);
        return TypedResults.Empty;
    }

    internal sealed record PutObjectResponse(string Etag, string Location);

    /// <summary>An object's bytes (or its range) with its headers, as the S3 port writes them (<see cref="ObjectResponse"/>).</summary>
    private sealed class ObjectResult(ObjectRead read) : IResult
    {
        public Task ExecuteAsync(HttpContext context) => ObjectResponse.WriteAsync(context, read);
    }
}
