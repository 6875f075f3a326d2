namespace Platform.Modules.Shared.Errors;

/// <summary>
/// The error a request was answered with, kept as a feature of its HttpContext by whoever writes the error
/// (the native API's error writer, S3's error middleware), so that what records the request knows its code.
/// </summary>
public sealed record RequestError(int StatusCode, string Code, string Message);
