using Mediator;
using Platform.Modules.Audit.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authentication;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Api.Auditing;

/// <summary>
/// Captures what the audit trail needs of each request and hands it to the Audit module through its contracts: a
/// mutating call's record is committed once its signer is known and before its endpoint runs (<see cref="BeginAsync"/>),
/// and completed with its action, resources and outcome when it was answered (<see cref="InvokeAsync"/>, outside the
/// error handling, so it sees the status and error code the caller got). Refused calls are recorded whole at the end.
/// Successful reads are not recorded. Nothing of the body, the query string or the signature is kept.
/// </summary>
internal sealed class AuditTrailMiddleware(TimeProvider clock, ILogger<AuditTrailMiddleware> logger) : IMiddleware
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var capture = new AuditCapture(clock.GetUtcNow().UtcDateTime);
        context.Features.Set(capture);
        try
        {
            await next(context);
        }
        finally
        {
            await FinishAsync(context, capture);
        }
    }

    /// <summary>
    /// After authentication, before the endpoint: an authenticated mutating call's record, durable before anything it
    /// changes can be seen. Should it fail, the call fails: no effect without its record.
    /// </summary>
    public static async Task BeginAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<AuditCapture>() is { } capture && !IsReadOnly(context.Request.Method)
            && context.RequestServices.GetRequiredService<CallerContext>() is { IsAuthenticated: true } caller && Audited(context, capture, 200))
        {
            await context.RequestServices.GetRequiredService<ISender>()
                .Send(new RecordCallStarted(Describe(context, capture), Principal(caller.Identity)), context.RequestAborted);
            capture.Started = true;
        }

        await next(context);
    }

    /// <summary>
    /// Right after routing: the endpoint the request is for. The error handling forgets it (it clears the endpoint to
    /// route again), and a refusal is recorded by the service and route it was refused on.
    /// </summary>
    public static Task RoutedAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<AuditCapture>() is { } capture)
        {
            capture.Endpoint = context.GetEndpoint();
        }

        return next(context);
    }

    /// <summary>The S3 listener's requests, whose pipeline has no endpoints: their service is S3's.</summary>
    public static Task MarkS3Async(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<AuditCapture>() is { } capture)
        {
            capture.Service = SigningService.S3.Name;
        }

        return next(context);
    }

    private async Task FinishAsync(HttpContext context, AuditCapture capture)
    {
        var status = context.Response.StatusCode;
        if (!capture.Started && ((IsReadOnly(context.Request.Method) && status < 400) || !Audited(context, capture, status)))
        {
            return;
        }

        try
        {
            var caller = context.RequestServices.GetRequiredService<CallerContext>();
            var actions = context.RequestServices.GetRequiredService<RequestActions>().Checked.Select(a => new AuditedAction(a.Action, a.Resource)).ToList();
            var error = context.Features.Get<RequestError>();
            // Not the request's token: a call the client gave up on is recorded all the same.
            await context.RequestServices.GetRequiredService<ISender>().Send(new RecordCallFinished(
                Describe(context, capture),
                caller.IsAuthenticated ? Principal(caller.Identity) : null,
                caller.IsAuthenticated ? null : ClaimedAccessKeyId(context.Request),
                actions,
                status,
                error?.Code,
                error?.Message), CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The answer is already given; a started record stays with its outcome unknown.
            logger.LogError(e, "The audit record of request {RequestId} could not be completed", context.TraceIdentifier);
        }
    }

    /// <summary>
    /// Calls of the API's endpoints and of the S3 listener. Not health checks and the OpenAPI document (anonymous), nor
    /// paths no endpoint serves; of the servers' agent channel only refusals, not its every heartbeat.
    /// </summary>
    private static bool Audited(HttpContext context, AuditCapture capture, int status)
    {
        if (capture.Service is not null)
        {
            return true;
        }

        var metadata = (capture.Endpoint ?? context.GetEndpoint())?.Metadata;
        if (metadata is null || metadata.GetMetadata<AnonymousEndpoint>() is not null)
        {
            return false;
        }

        return metadata.GetMetadata<HostAuthenticatedEndpoint>() is null || status is 401 or 403;
    }

    private static bool IsReadOnly(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    private static AuditedRequest Describe(HttpContext context, AuditCapture capture)
    {
        var request = context.Request;
        var service = capture.Service ?? (capture.Endpoint ?? context.GetEndpoint())?.Metadata.GetMetadata<SigningService>()?.Name ?? "platform";
        return new AuditedRequest(
            context.TraceIdentifier,
            capture.StartedAt,
            $"{service}.amazonaws.com",
            $"{request.Method} {request.PathBase}{request.Path}",
            IsReadOnly(request.Method),
            context.Connection.RemoteIpAddress?.ToString(),
            request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent : null);
    }

    /// <summary>A role session is recorded under its role's name (a null name would read as the account's root).</summary>
    private static AuditedPrincipal Principal(CallerIdentity identity) =>
        new(identity.AccountId, identity.PrincipalArn, identity.UserName ?? identity.Role?.RoleName, identity.AccessKeyId);

    /// <summary>The key id a signature names (<c>Credential=AKIA…/date/region/service/aws4_request</c>), before or without its verification.</summary>
    private static string? ClaimedAccessKeyId(HttpRequest request)
    {
        var credential = request.Query["X-Amz-Credential"].ToString();
        if (credential.Length == 0 && request.Headers.Authorization.ToString() is { } authorization
            && authorization.IndexOf("Credential=", StringComparison.Ordinal) is var at and >= 0)
        {
            credential = authorization[(at + "Credential=".Length)..];
        }

        var slash = credential.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? credential[..slash] : null;
    }

    /// <summary>What the audit keeps of a request while it runs, as a feature of its HttpContext.</summary>
    internal sealed class AuditCapture(DateTime startedAt)
    {
        public DateTime StartedAt { get; } = startedAt;

        /// <summary>The service, when the pipeline knows it without an endpoint (the S3 listener).</summary>
        public string? Service { get; set; }

        /// <summary>The endpoint routing chose, kept past the error handling.</summary>
        public Endpoint? Endpoint { get; set; }

        /// <summary>The record was committed before the endpoint ran: it must be completed.</summary>
        public bool Started { get; set; }
    }
}
