using Platform.Modules.Shared.Authentication.SigV4;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.Payloads;

/// <summary>
/// The payload-stream layer: what x-amz-content-sha256 declares decides the stream a signed request's body is read
/// through, which checks the payload while it is read (its SHA-256, aws-chunked framing and signatures, trailing checksums).
/// </summary>
public static class PayloadStreams
{
    /// <summary>UNSIGNED-PAYLOAD and the unsigned trailer leave the body out of the signature: S3's objects only, as on AWS.</summary>
    public static bool IsUnsigned(string payloadHash) => payloadHash is SigV4Verifier.UnsignedPayload or AwsChunkedStream.UnsignedTrailer;

    /// <param name="trailer">What x-amz-trailer announces; asked for only by the forms with trailers.</param>
    public static Stream Open(Stream body, SigV4ParsedRequest signature, byte[] signingKey, Func<PayloadTrailer> trailer) => signature.PayloadHash switch
    {
        SigV4Verifier.UnsignedPayload => body,
        AwsChunkedStream.StreamingPayload => new AwsChunkedStream(body, signature, signingKey),
        AwsChunkedStream.UnsignedTrailer => new AwsChunkedStream(body, trailer()),
        AwsChunkedStream.SignedTrailer => new AwsChunkedStream(body, trailer(), signature, signingKey),
        { Length: 64 } hex when hex.All(char.IsAsciiHexDigit) => new Sha256CheckingStream(body, hex),
        _ => throw new ApiException(400, "InvalidArgument",
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER), STREAMING-UNSIGNED-PAYLOAD-TRAILER or a valid sha256 value."),
    };
}
