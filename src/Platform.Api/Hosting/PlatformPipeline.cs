using Platform.Api.Auditing;
using Platform.Api.Authentication;
using Platform.Api.AwsProtocols;
using Platform.Api.Dashboard;
using Platform.Api.Errors;
using Platform.Api.Jobs;
using Platform.Api.RateLimiting;
using Platform.Modules.Audit;
using Platform.Modules.Billing;
using Platform.Modules.Compute;
using Platform.Modules.Database;
using Platform.Modules.Iam;
using Platform.Modules.Network;
using Platform.Modules.Shared.Authentication;
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
            ServerRefusals.TrackRequest(context);
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
        // Outside the error handling of both APIs: the audit sees the status and error code each call was answered with.
        app.UseMiddleware<AuditTrailMiddleware>();
        // The S3 REST API answers on its own listener, in S3's XML, before the native API's error handling and routing.
        var authentication = app.Services.GetRequiredService<SigV4AuthenticationMiddleware>();
        var throttling = app.Services.GetRequiredService<ThrottlingMiddleware>();
        app.UseStorageS3Api(s3 =>
        {
            s3.Use(AuditTrailMiddleware.MarkS3Async);
            s3.Use((context, next) => throttling.LimitUnverifiedAsync(context, next, SigningService.S3.Name));
            s3.Use((context, next) => authentication.InvokeS3Async(context, next));
            s3.Use((context, next) => throttling.LimitCallerAsync(context, next, SigningService.S3.Name));
            // After throttling: a refused call costs no intent row (the outer audit step still records its refusal).
            s3.Use(AuditTrailMiddleware.BeginAsync);
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages(ApiErrorWriter.WriteStatusCodeErrorAsync);
        app.UseStrictRequestTarget();
        app.UseRouting();
        // Marks AWS query-protocol requests first, so every refusal after it (throttling, SigV4) is answered in XML.
        app.UseAwsQueryProtocol();
        app.Use(AuditTrailMiddleware.RoutedAsync);
        // Throttling keys on the principal SigV4 verified; what no signature vouches for is charged to its source address.
        app.Use((context, next) => throttling.LimitUnverifiedAsync(context, next, ThrottlingMiddleware.ServiceOf(context)));
        // The jobs dashboard's Host check and session cookie, before SigV4 (which leaves a caller the cookie authenticated).
        var dashboard = app.Services.GetRequiredService<DashboardGate>();
        app.Use((context, next) => dashboard.InvokeAsync(context, next));
        app.UseMiddleware<SigV4AuthenticationMiddleware>();
        app.Use((context, next) => throttling.LimitCallerAsync(context, next, ThrottlingMiddleware.ServiceOf(context)));
        app.Use(AuditTrailMiddleware.BeginAsync);

        app.MapPlatformHealth();
        app.MapOpenApi("/openapi/{documentName}.json").WithMetadata(AnonymousEndpoint.Instance);
        app.UsePlatformJobsDashboard();

        app.MapIamEndpoints()
            .MapComputeEndpoints()
            .MapStorageEndpoints()
            .MapNetworkEndpoints()
            .MapDatabaseEndpoints()
            .MapBillingEndpoints()
            .MapAuditEndpoints();
        app.MapAwsQueryEndpoint();
        return app;
    }
}
