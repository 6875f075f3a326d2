namespace Platform.Modules.Shared.Errors;

/// <summary>The body of every error of the native JSON API.</summary>
public sealed record ApiErrorDocument(string Code, string Message, string RequestId);
