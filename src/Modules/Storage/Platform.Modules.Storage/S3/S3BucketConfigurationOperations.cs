using Mediator;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Cors;
using Platform.Modules.Storage.Lifecycle;
using Platform.Modules.Storage.Tagging;

namespace Platform.Modules.Storage.S3;

/// <summary>S3's bucket configurations kept as documents: lifecycle rules, the bucket's tags, CORS rules, the public access block.</summary>
internal static class S3BucketConfigurationOperations
{
    internal static async Task PutLifecycleAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var configuration = LifecycleConfiguration.Parse(await S3Xml.ReadAsync(request.Context.Request.Body, ct));
        await sender.Send(new PutBucketLifecycle(request.Bucket!, configuration), ct);
        request.Context.Response.StatusCode = 200;
    }

    internal static async Task GetLifecycleAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var configuration = await sender.Send(new GetBucketLifecycle(request.Bucket!), ct);
        await S3Response.WriteXmlAsync(request.Context, configuration.Write);
    }

    internal static async Task PutTaggingAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var tags = TagSet.Parse(await S3Xml.ReadAsync(request.Context.Request.Body, ct), TagSet.BucketLimit);
        await sender.Send(new PutBucketTagging(request.Bucket!, tags), ct);
        request.Context.Response.StatusCode = 204;
    }

    internal static async Task GetTaggingAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var tags = await sender.Send(new GetBucketTagging(request.Bucket!), ct);
        await S3Response.WriteXmlAsync(request.Context, w => TagSet.Write(w, tags));
    }

    internal static async Task PutCorsAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var configuration = CorsConfiguration.Parse(await S3Xml.ReadAsync(request.Context.Request.Body, ct));
        await sender.Send(new PutBucketCors(request.Bucket!, configuration), ct);
        request.Context.Response.StatusCode = 200;
    }

    internal static async Task GetCorsAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var configuration = await sender.Send(new GetBucketCors(request.Bucket!), ct);
        await S3Response.WriteXmlAsync(request.Context, configuration.Write);
    }

    internal static async Task PutPublicAccessBlockAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var configuration = PublicAccessBlock.Parse(await S3Xml.ReadAsync(request.Context.Request.Body, ct));
        await sender.Send(new PutPublicAccessBlock(request.Bucket!, configuration), ct);
        request.Context.Response.StatusCode = 200;
    }

    internal static async Task GetPublicAccessBlockAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var configuration = await sender.Send(new GetPublicAccessBlock(request.Bucket!), ct);
        await S3Response.WriteXmlAsync(request.Context, configuration.Write);
    }
}
