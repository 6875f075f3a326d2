using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Storage.S3;

/// <summary>
/// Answers every failure on the S3 API in S3's XML error format (Code, Message, Resource, RequestId) with
/// the matching status; HEAD answers carry no body, as in S3. Faults say nothing of internals.
/// </summary>
internal sealed class S3ErrorMiddleware(RequestDelegate next, ILogger<S3ErrorMiddleware> logger)
{
    public const string ResourceItem = "s3.resource";

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception) when (!context.Response.HasStarted)
        {
            var (status, code, message) = exception switch
            {
                ApiException api => (api.StatusCode, api.Code, api.Message),
                BadHttpRequestException bad => (bad.StatusCode, "IncompleteBody", "The request body could not be read."),
                OperationCanceledException when context.RequestAborted.IsCancellationRequested => (499, "RequestCanceled", "The client closed the request."),
                _ => (500, "InternalError", "We encountered an internal error. Please try again."),
            };
            ErrorLog.Answered(logger, context, status, code, message, exception);
            var requestId = context.TraceIdentifier;
            context.Response.Clear();
            context.Response.Headers["x-amz-request-id"] = requestId;
            context.Response.StatusCode = status;
            foreach (System.Collections.DictionaryEntry entry in exception.Data)
            {
                if (entry.Key is string name && name.StartsWith(S3Errors.HeaderPrefix, StringComparison.Ordinal) && entry.Value is string header)
                {
                    context.Response.Headers[name[S3Errors.HeaderPrefix.Length..]] = header;
                }
            }
            context.Features.Set(new RequestError(status, code, message));
            if (context.Request.Method == "HEAD" || status == 499)
            {
                return;
            }

            var resource = context.Items.TryGetValue(ResourceItem, out var value) ? value as string : null;
            var body = S3Xml.Error(code, message, resource, requestId);
            context.Response.ContentType = "application/xml";
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }
}
