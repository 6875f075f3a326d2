using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.Payloads;

/// <summary>
/// What an aws-chunked body's x-amz-trailer header announces, as an HTTP feature of the request: the trailers to come
/// and the checksum among them. Whoever reads the body to its end finds the checksum's value here, already compared
/// with the bytes (a mismatch failed the read with BadDigest; a declared trailer that never came, with MalformedTrailerError).
/// </summary>
public sealed class PayloadTrailer
{
    private PayloadTrailer(IReadOnlyList<string> names, FlexibleChecksum? checksum)
    {
        Names = names;
        Checksum = checksum;
    }

    /// <summary>The trailer names declared, in lower case.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The checksum trailer declared, if any.</summary>
    public FlexibleChecksum? Checksum { get; }

    /// <summary>The checksum's value, once the trailer arrived and matched the bytes.</summary>
    public string? Value { get; private set; }

    public void Arrived(string value) => Value = value;

    /// <summary>S3's rules for x-amz-trailer: known checksum names only, and at most one of them.</summary>
    public static PayloadTrailer Parse(string? header)
    {
        var names = (header ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => n.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        FlexibleChecksum? checksum = null;
        foreach (var name in names.Where(n => n.StartsWith(FlexibleChecksum.HeaderPrefix, StringComparison.Ordinal)))
        {
            var algorithm = FlexibleChecksum.FromHeaderName(name)
                ?? throw new ApiException(400, "InvalidRequest", "The value specified in the x-amz-trailer header is not supported");
            if (checksum is not null)
            {
                throw new ApiException(400, "InvalidRequest", "Expecting a single x-amz-checksum- header");
            }

            checksum = algorithm;
        }

        return new PayloadTrailer(names, checksum);
    }

    public static ApiException Malformed() =>
        new(400, "MalformedTrailerError", "The request contained trailing data that was not well-formed or did not conform to our published schema.");

    public static ApiException Mismatch(FlexibleChecksum algorithm) =>
        new(400, "BadDigest", $"The {algorithm.Name} you specified did not match the calculated checksum.");
}
