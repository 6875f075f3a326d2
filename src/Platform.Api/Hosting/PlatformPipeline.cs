using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Platform.Api.Authentication;
using Platform.Api.Errors;
using Platform.Api.Jobs;
using Platform.Modules.Billing;
using Platform.Modules.Compute;
using Platform.Modules.Database;
using Platform.Modules.Iam;
using Platform.Modules.Network;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Storage;

namespace Platform.Api.Hosting;

internal static class PlatformPipeline
{
    public const string RequestIdHeader = "x-amz-request-id";

    /// <summary>Request ids, errors, SigV4 in front of every API, then the modules' endpoints.</summary>
    public static WebApplication UsePlatform(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var requestId = ResourceIds.NewRequestId();
            context.TraceIdentifier = requestId;
            context.Response.Headers[RequestIdHeader] = requestId;
            if (context.Request.Headers.Expect.ToString().Contains("100-continue", StringComparison.OrdinalIgnoreCase))
            {
                // A refusal of a request that waits for 100 Continue is sent before its body: the client may send the body
                // anyway or not at all, so nothing after this response can be read as the next request. The connection
                // closes, as S3 closes it.
                context.Response.OnStarting(() =>
                {
                    if (context.Response.StatusCode >= 400)
                    {
                        context.Response.Headers.Connection = "close";
                    }

                    return Task.CompletedTask;
                });
            }

            return next(context);
        });
        // The S3 REST API answers on its own listener, in S3's XML, before the native API's error handling and routing.
        app.UseStorageS3Api(s3 => s3.Use((context, next) =>
            context.RequestServices.GetRequiredService<SigV4AuthenticationMiddleware>().InvokeS3Async(context, next)));
        app.UseExceptionHandler();
        app.UseStatusCodePages(ApiErrorWriter.WriteStatusCodeErrorAsync);
        app.UseStrictRequestTarget();
        app.UseRouting();
        app.UseMiddleware<SigV4AuthenticationMiddleware>();

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).WithMetadata(AnonymousEndpoint.Instance);
        app.MapHealthChecks("/readyz").WithMetadata(AnonymousEndpoint.Instance);
        app.MapOpenApi("/openapi/{documentName}.json").WithMetadata(AnonymousEndpoint.Instance);
        app.UsePlatformJobsDashboard();

        app.MapIamEndpoints()
            .MapComputeEndpoints()
            .MapStorageEndpoints()
            .MapNetworkEndpoints()
            .MapDatabaseEndpoints()
            .MapBillingEndpoints();
        return app;
    }
}
