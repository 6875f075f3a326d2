namespace Platform.Modules.Shared.Authentication.SigV4;

public enum SigV4Form
{
    /// <summary>The <c>Authorization: AWS4-HMAC-SHA256 ...</c> header.</summary>
    Header,

    /// <summary>A presigned URL: <c>X-Amz-Algorithm</c>, <c>X-Amz-Signature</c>, ... in the query.</summary>
    Query,
}

/// <summary>What the verifier needs of an HTTP request. <paramref name="RawTarget"/> is the request-target as on the wire.</summary>
public sealed record SigV4HttpRequest(string Method, string RawTarget, IReadOnlyList<KeyValuePair<string, string>> Headers);

public sealed class SigV4Options
{
    /// <summary>True for every service but S3: remove dot segments and duplicate slashes, and encode the path again.</summary>
    public bool NormalizePath { get; init; } = true;

    /// <summary>S3 signs presigned URLs over UNSIGNED-PAYLOAD; other services over the body's hash.</summary>
    public bool PresignedPayloadIsUnsigned { get; init; }

    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The rules of S3: no path normalization, single encoding, unsigned presigned payloads.</summary>
    public static readonly SigV4Options S3 = new() { NormalizePath = false, PresignedPayloadIsUnsigned = true };
}

/// <summary>The credential scope: <c>yyyyMMdd/region/service/aws4_request</c>.</summary>
public sealed record SigV4Scope(string Date, string Region, string Service)
{
    public override string ToString() => $"{Date}/{Region}/{Service}/aws4_request";
}

/// <summary>A request's signature, parsed and canonicalized, ready to be checked against a key.</summary>
public sealed class SigV4ParsedRequest
{
    public required SigV4Form Form { get; init; }

    public required string AccessKeyId { get; init; }

    public required SigV4Scope Scope { get; init; }

    public required DateTimeOffset RequestTime { get; init; }

    public required IReadOnlyList<string> SignedHeaders { get; init; }

    /// <summary>The signature the client sent, lower-case hex.</summary>
    public required string Signature { get; init; }

    /// <summary>How long a presigned URL is valid; null for the header form.</summary>
    public TimeSpan? Expires { get; init; }

    /// <summary>The payload hash as used in the canonical request: hex, UNSIGNED-PAYLOAD or STREAMING-....</summary>
    public required string PayloadHash { get; init; }

    public string? SessionToken { get; init; }

    public required string CanonicalRequest { get; init; }

    public required string StringToSign { get; init; }

    /// <summary>
    /// For a presigned URL that carries X-Amz-Security-Token: the string to sign without it, for
    /// clients that append the token after signing (AWS's "sts-header-after" vectors).
    /// </summary>
    public string? StringToSignWithoutSessionToken { get; init; }

    public string? CanonicalRequestWithoutSessionToken { get; init; }

    /// <summary>
    /// For a path with escapes or reserved characters: the string to sign over the path exactly as sent,
    /// as clients that skip AWS's double encoding (curl's --aws-sigv4, SDKs set not to) compute it.
    /// </summary>
    public string? StringToSignSingleEncoded { get; init; }
}

/// <summary>An error in AWS's terms: its code, message and HTTP status.</summary>
public sealed record SigV4Error(string Code, string Message, int HttpStatus);

/// <summary>Both null: the request carries no signature at all.</summary>
public sealed record SigV4ParseResult(SigV4ParsedRequest? Request, SigV4Error? Error)
{
    public static readonly SigV4ParseResult NoSignature = new(null, null);

    public static SigV4ParseResult Fail(string code, string message, int status = 400) => new(null, new SigV4Error(code, message, status));
}
