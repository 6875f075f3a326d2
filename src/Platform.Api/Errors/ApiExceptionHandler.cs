using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Platform.Modules.Shared.Errors;

namespace Platform.Api.Errors;

/// <summary>Turns every failure into an AWS-style error with the right status; faults say nothing of internals.</summary>
internal sealed class ApiExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, message) = exception switch
        {
            ApiException api => (api.StatusCode, api.Code, api.Message),
            BadHttpRequestException { InnerException: JsonException json } => FromJson(json),
            BadHttpRequestException { StatusCode: 415 } => (415, "UnsupportedMediaType", "The request body must be application/json."),
            BadHttpRequestException bad when bad.Message.StartsWith("Required parameter", StringComparison.Ordinal)
                || bad.Message.StartsWith("Implicit body", StringComparison.Ordinal) => (400, "MissingParameter", "The request must contain a JSON body."),
            BadHttpRequestException bad => (bad.StatusCode, "InvalidParameterValue", bad.Message),
            OperationCanceledException when context.RequestAborted.IsCancellationRequested => (499, "RequestCanceled", "The client closed the request."),
            _ => (500, "InternalError", "We encountered an internal error. Please try again."),
        };

        await ApiErrorWriter.WriteAsync(context, status, code, message, exception);
        return true;
    }

    private static (int, string, string) FromJson(JsonException json)
    {
        // System.Text.Json names the offending member in Path ("$.user_nmae") when a member is unknown.
        if (json.Message.Contains("could not be mapped", StringComparison.Ordinal) && json.Path is { Length: > 2 } path)
        {
            return (400, "UnknownParameter", $"The parameter {path[2..]} is not recognized.");
        }

        if (json.Path is null)
        {
            return (400, "SerializationException", "The request body is not valid JSON.");
        }

        // A well-formed value of the wrong JSON type ("1" for a number, 7 for a string): the message says which field wants what.
        return (400, "SerializationException", ExpectedType(json.InnerException) is { } expected
            ? $"The value of {Field(json.Path)} must be {expected}."
            : $"The request body is not valid JSON at {json.Path}.");
    }

    private static string Field(string path) => path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    /// <summary>
    /// The reader's "Cannot get the value of a token type 'String' as a number.": the JsonException names only the record
    /// a constructor parameter belongs to, its cause the JSON type the field wanted.
    /// </summary>
    private static string? ExpectedType(Exception? cause)
    {
        const string Marker = "' as a ";
        var at = cause is InvalidOperationException ? cause.Message.IndexOf(Marker, StringComparison.Ordinal) : -1;
        return at < 0 ? null : cause!.Message[(at + Marker.Length)..].TrimEnd('.') switch
        {
            "number" => "a number",
            "string" => "a string",
            "boolean" => "a boolean (true or false)",
            _ => null,
        };
    }
}
