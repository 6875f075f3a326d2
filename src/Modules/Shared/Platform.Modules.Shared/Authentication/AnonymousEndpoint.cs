namespace Platform.Modules.Shared.Authentication;

/// <summary>
/// Marks the few endpoints that answer without a signature: health, the OpenAPI document, the native S3 API's CORS
/// preflight (browsers send none). In the shared kernel so that a module can mark its own.
/// </summary>
public sealed class AnonymousEndpoint
{
    public static readonly AnonymousEndpoint Instance = new();

    private AnonymousEndpoint()
    {
    }
}
