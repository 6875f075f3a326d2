using System.Globalization;
using System.Threading.RateLimiting;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authentication;
using Platform.Modules.Shared.Errors;

namespace Platform.Api.RateLimiting;

/// <summary>
/// Applies the <see cref="RequestThrottle"/> on both listeners, in two places: before SigV4, where a request with no
/// signature is charged to its source address (and an address whose bucket is empty is refused before its signature
/// costs anything), and after SigV4, where a verified request is charged to its access key and account. A request whose
/// signature was refused is charged to its address once refused. The refusal is AWS's for the service the endpoint
/// belongs to, with <c>Retry-After</c>, written by the listener's error writer like any other error.
/// </summary>
internal sealed class ThrottlingMiddleware(RequestThrottle throttle)
{
    public async Task LimitUnverifiedAsync(HttpContext context, RequestDelegate next, string? service)
    {
        if (!throttle.Enabled || IsExempt(context))
        {
            await next(context);
            return;
        }

        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var signed = context.Request.Headers.Authorization.Count > 0 || context.Request.Query.ContainsKey("X-Amz-Algorithm");
        // A signed request takes no token here, but an address whose bucket its refusals emptied is refused first.
        if (!signed || throttle.IsExhausted(address))
        {
            using var lease = throttle.AcquireForAddress(address);
            if (!lease.IsAcquired)
            {
                throw Throttled(context, lease, service);
            }
        }

        try
        {
            await next(context);
        }
        finally
        {
            if (signed && !context.RequestServices.GetRequiredService<ICallerContext>().IsAuthenticated)
            {
                throttle.AcquireForAddress(address).Dispose();
            }
        }
    }

    public Task LimitCallerAsync(HttpContext context, RequestDelegate next, string? service)
    {
        var caller = context.RequestServices.GetRequiredService<ICallerContext>();
        if (throttle.Enabled && caller.IsAuthenticated && !IsExempt(context))
        {
            using var lease = throttle.AcquireForCaller(caller.Identity);
            if (!lease.IsAcquired)
            {
                throw Throttled(context, lease, service);
            }
        }

        return next(context);
    }

    /// <summary>The service whose errors a native endpoint speaks (the one its signatures are scoped to).</summary>
    public static string? ServiceOf(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<SigningService>()?.Name;

    /// <summary>Health probes, the OpenAPI document and the agents' own channel (host credentials, long polls) are not throttled.</summary>
    private static bool IsExempt(HttpContext context) =>
        context.GetEndpoint()?.Metadata is { } metadata
        && (metadata.GetMetadata<AnonymousEndpoint>() is not null || metadata.GetMetadata<HostAuthenticatedEndpoint>() is not null);

    /// <summary>
    /// AWS's throttling errors: EC2 (and VPC, EBS) answer 503 RequestLimitExceeded, S3 503 SlowDown, the other services
    /// 400 ThrottlingException. Retry-After is set once the response starts, after the error writer has cleared it.
    /// </summary>
    private static ApiException Throttled(HttpContext context, RateLimitLease lease, string? service)
    {
        var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        });
        return service switch
        {
            "ec2" => new ApiException(503, "RequestLimitExceeded", "Request limit exceeded."),
            "s3" => new ApiException(503, "SlowDown", "Please reduce your request rate."),
            _ => new ApiException(400, "ThrottlingException", "Rate exceeded"),
        };
    }
}
