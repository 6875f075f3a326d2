using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Persistence;
using Platform.Modules.Storage.Blobs;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Cleanup;
using Platform.Modules.Storage.Ec2Query;
using Platform.Modules.Storage.Multipart;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;
using Platform.Modules.Storage.S3;

namespace Platform.Modules.Storage;

/// <summary>S3-compatible object storage: buckets and objects through the native API and the S3 REST API.</summary>
internal static class StorageModule
{
    public static IServiceCollection AddStorageModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddModuleDatabase<StorageDbContext, SqliteStorageDbContext, SqlServerStorageDbContext>(configuration, StorageDbContext.SchemaName);
        services.AddSingleton<IBlobStore>(provider =>
        {
            var storage = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
            var platform = provider.GetRequiredService<IOptions<PlatformOptions>>().Value;
            return new FileSystemBlobStore(string.IsNullOrEmpty(storage.DataDirectory) ? Path.Combine(platform.DataDirectory, "objects") : storage.DataDirectory);
        });
        services.AddSingleton<ObjectBytes>();
        services.AddSingleton<MetadataWriteGate>();
        services.AddSingleton<ObjectCommitQueue>();
        services.AddScoped<ObjectCatalog>();
        services.AddScoped<PartCatalog>();
        services.AddScoped<BucketAccess>();
        services.AddScoped<AclResolver>();
        services.AddScoped<OrphanSweepJob>();
        services.AddRecurringJob<OrphanSweepJob>(OrphanSweepJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.OrphanSweepCron);
        services.AddScoped<Lifecycle.LifecycleJob>();
        services.AddRecurringJob<Lifecycle.LifecycleJob>(Lifecycle.LifecycleJob.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.LifecycleCron);
        services.AddAwsQueryService(StorageEc2Actions.Table());
        return services;
    }

    public static IEndpointRouteBuilder MapStorageEndpoints(this IEndpointRouteBuilder routes)
    {
        StorageEndpoints.MapStorage(routes);
        Volumes.VolumeEndpoints.Map(routes);
        return routes;
    }

    /// <summary>The S3 API's listener (empty when turned off), for the host to bind beside the native API's.</summary>
    public static string? S3ListenUrl(IConfiguration configuration) =>
        (configuration[$"{StorageOptions.SectionName}:S3:Url"] ?? new S3Options().Url) is { Length: > 0 } url ? url : null;

    /// <summary>
    /// Serves the S3 REST API to requests on its listener (or addressed to a bucket's virtual host): S3's XML
    /// errors around the host's authentication, then the S3 router. Other requests go on to the native API.
    /// </summary>
    public static IApplicationBuilder UseStorageS3Api(this IApplicationBuilder app, Action<IApplicationBuilder> authentication)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<StorageOptions>>().Value.S3;
        app.MapWhen(context => IsS3Request(context, options), s3 =>
        {
            s3.UseMiddleware<S3ErrorMiddleware>();
            authentication(s3);
            s3.Run(S3Api.HandleAsync);
        });
        return app;
    }

    private static bool IsS3Request(HttpContext context, S3Options options)
    {
        if (options.Url.Length == 0)
        {
            return false;
        }

        // Kestrel knows the port a request came in on; the test server does not, so there the Host header tells.
        var port = context.Connection.LocalPort;
        if (port != 0 ? port == options.Port : context.Request.Host.Port == options.Port)
        {
            return true;
        }

        return (options.BaseDomain is { Length: > 0 } domain && context.Request.Host.Host.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase))
            || IsSignedForS3OutsideNativeApi(context.Request);
    }

    /// <summary>
    /// A path-style request signed for the service s3 (header or presigned) on the native API's listener, outside the native
    /// routes (<c>/api/</c>): what a database guest's pgBackRest sends through the management relay, which forwards only the
    /// API's port. The native API's own S3 calls (<c>/api/v1/s3/…</c>, also signed for s3) stay native; a bucket named
    /// <c>api</c> is reachable on the S3 listener only.
    /// </summary>
    private static bool IsSignedForS3OutsideNativeApi(HttpRequest request)
    {
        if (request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            return false;
        }

        var credential = request.Headers.Authorization.ToString() is { Length: > 0 } authorization && authorization.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal)
            ? authorization
            : request.Query["X-Amz-Credential"].ToString();
        return credential.Contains("/s3/aws4_request", StringComparison.Ordinal);
    }
}
