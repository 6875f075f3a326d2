using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Modules.Shared.Accounts;

namespace Platform.Modules.Shared.Errors;

/// <summary>
/// One log entry per error answer, on the native API and on S3 alike. A refusal (4xx, and S3's NotImplemented) is
/// the client's business: Information, no stack trace, with the request id, the code and who asked. A fault (5xx) is
/// ours: Error with the request id and the exception. An operator alerting on errors is paged for faults only.
/// </summary>
public static partial class ErrorLog
{
    public static void Answered(ILogger logger, HttpContext context, int status, string code, string message, Exception? exception)
    {
        if (IsFault(status, code))
        {
            Failed(logger, exception, context.TraceIdentifier, status, code, context.Request.Method, context.Request.Path, Caller(context));
        }
        else
        {
            Refused(logger, context.TraceIdentifier, status, code, message, context.Request.Method, context.Request.Path, Caller(context));
        }
    }

    /// <summary>
    /// S3's NotImplemented (501) answers a feature this cloud does not have, and a throttled request (503 SlowDown,
    /// RequestLimitExceeded, ThrottlingException) one the API chose to refuse under load: the request's, not faults.
    /// </summary>
    public static bool IsFault(int status, string code) =>
        status >= 500 && code is not ("NotImplemented" or "SlowDown" or "RequestLimitExceeded" or "ThrottlingException" or "Throttling");

    /// <summary>The principal when the signature held, else the access key the request named, else anonymous.</summary>
    public static string Caller(HttpContext context)
    {
        if (context.RequestServices.GetService<ICallerContext>() is { IsAuthenticated: true } caller)
        {
            return $"{caller.Identity.PrincipalArn} ({caller.Identity.AccessKeyId})";
        }

        return AccessKeyNamed(context.Request) is { } key ? $"unauthenticated ({key})" : "anonymous";
    }

    private static string? AccessKeyNamed(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        var at = authorization.IndexOf("Credential=", StringComparison.Ordinal);
        var credential = at >= 0 ? authorization[(at + "Credential=".Length)..] : request.Query["X-Amz-Credential"].ToString();
        var end = credential.IndexOfAny(['/', ',', ' ']);
        var key = end >= 0 ? credential[..end] : credential;
        // Only what an access key id can be reaches the log: no line breaks or markup from a stranger.
        return key.Length is > 0 and <= 128 && key.All(char.IsAsciiLetterOrDigit) ? key : key.Length > 0 ? "malformed" : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId} refused: {Status} {Code} {ErrorMessage} ({Method} {Path}; caller {Caller})")]
    private static partial void Refused(ILogger logger, string requestId, int status, string code, string errorMessage, string method, string path, string caller);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId} failed: {Status} {Code} ({Method} {Path}; caller {Caller})")]
    private static partial void Failed(ILogger logger, Exception? exception, string requestId, int status, string code, string method, string path, string caller);
}
