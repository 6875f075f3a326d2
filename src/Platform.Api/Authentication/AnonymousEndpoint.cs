namespace Platform.Api.Authentication;

/// <summary>Marks the few endpoints that answer without a signature: health, the OpenAPI document.</summary>
internal sealed class AnonymousEndpoint
{
    public static readonly AnonymousEndpoint Instance = new();

    private AnonymousEndpoint()
    {
    }
}
