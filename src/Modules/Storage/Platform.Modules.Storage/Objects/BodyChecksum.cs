using Microsoft.AspNetCore.Http;
using Platform.Modules.Shared.Payloads;

namespace Platform.Modules.Storage.Objects;

/// <summary>
/// The additional checksum of a body S3 stores (PutObject, UploadPart), as the request gives it: a header
/// (x-amz-checksum-crc32: …), checked here while the bytes pass; a trailer of an aws-chunked body, checked by its
/// reader (<see cref="PayloadTrailer"/>); or none given, computed for a multipart upload that has an algorithm. Its
/// <see cref="Value"/> is known once the body has been read to its end and matched.
/// </summary>
internal sealed class BodyChecksum
{
    private readonly string? _expected;
    private readonly PayloadTrailer? _trailer;
    private string? _computed;

    private BodyChecksum(FlexibleChecksum algorithm, string? expected, PayloadTrailer? trailer)
    {
        Algorithm = algorithm;
        _expected = expected;
        _trailer = trailer;
    }

    public FlexibleChecksum Algorithm { get; }

    /// <summary>The verified (or computed) value in its wire form; null until the body has been read whole.</summary>
    public string? Value => _trailer?.Value ?? _computed;

    /// <summary>A checksum to compute over a body that carries none (a part of an upload with an algorithm, a copy).</summary>
    public static BodyChecksum Compute(FlexibleChecksum algorithm) => new(algorithm, null, null);

    /// <summary>
    /// The checksum the request's headers declare, S3's rules applied: one x-amz-checksum-* value (header or trailer),
    /// base64 of its digest length, and x-amz-sdk-checksum-algorithm, when sent, naming it. Null when none is declared.
    /// </summary>
    public static BodyChecksum? FromRequest(IHeaderDictionary headers, PayloadTrailer? trailer)
    {
        FlexibleChecksum? algorithm = null;
        string? expected = null;
        var declared = 0;
        foreach (var (name, values) in headers)
        {
            if (FlexibleChecksum.FromHeaderName(name) is { } named)
            {
                declared += values.Count;
                (algorithm, expected) = (named, values.ToString().Trim());
            }
        }

        if (trailer?.Checksum is { } trailing)
        {
            declared++;
            algorithm = trailing;
        }

        if (declared > 1)
        {
            throw S3Errors.InvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
        }

        if (expected is not null && !algorithm!.IsValid(expected))
        {
            throw S3Errors.InvalidRequest($"Value for {algorithm.HeaderName} header is invalid.");
        }

        if (headers.TryGetValue("x-amz-sdk-checksum-algorithm", out var sdk))
        {
            var requested = FlexibleChecksum.FromName(sdk.ToString()) ?? throw S3Errors.InvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.");
            if (algorithm is null)
            {
                throw S3Errors.InvalidRequest("x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.");
            }

            if (requested != algorithm)
            {
                throw S3Errors.InvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.");
            }
        }

        return algorithm is null ? null : new BodyChecksum(algorithm, expected is null ? null : Canonical(expected), expected is null ? trailer : null);
    }

    /// <summary>The body to read: checked (or measured) on its way when the value is not a trailer's.</summary>
    public Stream Wrap(Stream body) => _trailer is not null ? body : new CheckingStream(body, this, Algorithm.NewHasher());

    private static string Canonical(string value) => Convert.ToBase64String(Convert.FromBase64String(value));

    /// <summary>Passes the body through while computing the checksum; at its end, compares it with the header's value.</summary>
    private sealed class CheckingStream(Stream inner, BodyChecksum owner, ChecksumHasher hasher) : ReadOnlyStream
    {
        private bool _ended;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            return Passed(buffer.Span, read);
        }

        public override int Read(Span<byte> buffer) => Passed(buffer, inner.Read(buffer));

        private int Passed(Span<byte> buffer, int read)
        {
            if (read > 0)
            {
                hasher.Append(buffer[..read]);
            }
            else if (!_ended && buffer.Length > 0)
            {
                _ended = true;
                var computed = hasher.Base64();
                if (owner._expected is { } expected && !string.Equals(expected, computed, StringComparison.Ordinal))
                {
                    throw PayloadTrailer.Mismatch(owner.Algorithm);
                }

                owner._computed = computed;
            }

            return read;
        }
    }
}

/// <summary>An object's or part's additional checksum as stored: its algorithm, value (COMPOSITE ones end in -N) and type.</summary>
internal sealed record StoredChecksum(FlexibleChecksum Algorithm, string Value, string Type)
{
    public const string FullObject = "FULL_OBJECT";
    public const string Composite = "COMPOSITE";

    public static StoredChecksum? From(string? algorithm, string? value, string? type) =>
        FlexibleChecksum.FromName(algorithm) is { } known && value is not null ? new StoredChecksum(known, value, type ?? FullObject) : null;
}
