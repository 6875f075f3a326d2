namespace Platform.Modules.Shared.Errors;

/// <summary>The error codes shared by every module, with the HTTP status AWS gives each.</summary>
public static class ApiErrors
{
    public static ApiException InvalidParameterValue(string message) => new(400, "InvalidParameterValue", message);

    public static ApiException MissingParameter(string message) => new(400, "MissingParameter", message);

    public static ApiException UnknownParameter(string message) => new(400, "UnknownParameter", message);

    public static ApiException MalformedBody(string message) => new(400, "SerializationException", message);

    public static ApiException ValidationError(string message) => new(400, "ValidationError", message);

    public static ApiException AccessDenied(string message) => new(403, "AccessDenied", message);

    public static ApiException NotFound(string code, string message) => new(404, code, message);

    public static ApiException Conflict(string code, string message) => new(409, code, message);

    public static ApiException LimitExceeded(string message) => new(409, "LimitExceeded", message);

    public static ApiException IdempotentParameterMismatch(string message) => new(400, "IdempotentParameterMismatch", message);
}
