using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Ec2Query;
using Platform.Modules.Shared.Errors;

namespace Platform.Api.Errors;

/// <summary>Writes the one error document of the native API: <c>{ "code", "message", "request_id" }</c>.</summary>
internal static class ApiErrorWriter
{
    public const string LogCategory = "Platform.Api.Errors";

    /// <summary>Writes the error and logs it once: a refusal at Information, a fault at Error with its exception.</summary>
    public static Task WriteAsync(HttpContext context, int status, string code, string message, Exception? exception = null)
    {
        ErrorLog.Answered(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory), context, status, code, message, exception);
        context.Response.StatusCode = status;
        context.Features.Set(new RequestError(status, code, message));
        // The exception handler clears the response, headers included: the request id goes back on.
        context.Response.Headers[Hosting.PlatformPipeline.RequestIdHeader] = context.TraceIdentifier;
        if (context.Features.Get<AwsProtocols.AwsJsonProtocolFeature>() is { } jsonProtocol)
        {
            // The JSON 1.0 and RPC v2 CBOR protocols of an awsQuery-compatible service: the query protocol's codes, in their shape.
            (code, message) = code == "InvalidAccessKeyId" ? ("InvalidClientTokenId", "The security token included in the request is invalid.") : (code, message);
            return AwsProtocols.AwsJsonEndpoint.WriteErrorAsync(context, jsonProtocol, status, code, message);
        }

        if (context.Features.Get<AwsQueryProtocolFeature>() is { } query)
        {
            // AWS's query services answer errors in their own XML, whatever failed (the signature, the action, the rules).
            // S3's name for an unknown or inactive key is InvalidAccessKeyId; the query services call it InvalidClientTokenId.
            context.Response.ContentType = "text/xml";
            if (query.Dialect == AwsQueryDialect.Ec2)
            {
                // EC2's names: an unknown key is AuthFailure, a policy's refusal UnauthorizedOperation.
                (code, message) = code switch
                {
                    "InvalidAccessKeyId" => ("AuthFailure", "AWS was not able to validate the provided access credentials"),
                    "AccessDenied" => ("UnauthorizedOperation", "You are not authorized to perform this operation. " + message),
                    _ => (code, message),
                };
                return context.Response.WriteAsync(Ec2QueryXml.Error(code, message, context.TraceIdentifier), context.RequestAborted);
            }

            (code, message) = code == "InvalidAccessKeyId" ? ("InvalidClientTokenId", "The security token included in the request is invalid.") : (code, message);
            return context.Response.WriteAsync(AwsQueryXml.Error(query.XmlNamespace, status, code, message, context.TraceIdentifier), context.RequestAborted);
        }

        var json = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        return context.Response.WriteAsJsonAsync(new ApiErrorDocument(code, message, context.TraceIdentifier), json, context.RequestAborted);
    }

    /// <summary>Answers for the framework's own 404, 405 and 415, which have no body of their own.</summary>
    public static Task WriteStatusCodeErrorAsync(StatusCodeContext status)
    {
        var context = status.HttpContext;
        return context.Response.StatusCode switch
        {
            404 => WriteAsync(context, 404, "UnknownOperation", $"No operation matches {context.Request.Method} {context.Request.Path}."),
            405 => WriteAsync(context, 405, "MethodNotAllowed", $"The method {context.Request.Method} is not allowed on {context.Request.Path}."),
            415 => WriteAsync(context, 415, "UnsupportedMediaType", "The request body must be application/json."),
            _ => Task.CompletedTask,
        };
    }
}
