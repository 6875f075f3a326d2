namespace Platform.Modules.Shared.Authentication;

/// <summary>
/// Marks endpoints whose callers are not tenants signing with SigV4 but servers presenting their host
/// credential (the HostAgent). The endpoint authenticates the caller itself; the SigV4 middleware lets it pass.
/// </summary>
public sealed class HostAuthenticatedEndpoint
{
    public static readonly HostAuthenticatedEndpoint Instance = new();

    private HostAuthenticatedEndpoint()
    {
    }
}

/// <summary>
/// Marks endpoints that read a large body as a stream (image and object uploads). The SigV4 middleware
/// verifies the signature over the declared <c>x-amz-content-sha256</c> without reading the body; the
/// endpoint checks the bytes against <see cref="DeclaredPayloadHash"/> while it streams them.
/// </summary>
public sealed class StreamedBodyEndpoint
{
    public static readonly StreamedBodyEndpoint Instance = new();

    private StreamedBodyEndpoint()
    {
    }
}

/// <summary>The payload hash a streamed request was signed with, as a request feature.</summary>
/// <param name="Sha256Hex">Lower-case hex SHA-256 the body must have, or null for <c>UNSIGNED-PAYLOAD</c>.</param>
public sealed record DeclaredPayloadHash(string? Sha256Hex);
