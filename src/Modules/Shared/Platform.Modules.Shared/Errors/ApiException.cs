namespace Platform.Modules.Shared.Errors;

/// <summary>
/// An error the caller caused or must know of, in the AWS style: an HTTP status, a code such as
/// <c>InvalidParameterValue</c> and a message. The API host turns it into the error document.
/// </summary>
public class ApiException(int statusCode, string code, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string Code { get; } = code;
}
