using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Platform.Modules.Shared.Authentication.SigV4;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.Payloads;

/// <summary>A body in <c>aws-chunked</c> encoding was malformed (IncompleteBody, 400) or one of its signatures was wrong (SignatureDoesNotMatch, 403).</summary>
public sealed class AwsChunkedException(string code, string message, int httpStatus) : ApiException(httpStatus, code, message)
{
    public int HttpStatus => StatusCode;
}

/// <summary>
/// The one decoder of S3's <c>aws-chunked</c> bodies, in their three forms:
/// <list type="bullet">
/// <item><c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c>: every chunk signed along the chain that starts at the request's signature;</item>
/// <item><c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER</c>: the same, then trailers signed as the chain's last link;</item>
/// <item><c>STREAMING-UNSIGNED-PAYLOAD-TRAILER</c> (current AWS CLIs and SDKs over TLS): no chunk signatures, then trailers.</item>
/// </list>
/// A chunk is held whole until its signature checks out, so no unverified byte reaches the reader; memory stays bounded
/// by the largest chunk allowed. The trailers must be the ones x-amz-trailer declared: the checksum among them (CRC32,
/// CRC32C, CRC64NVME, SHA-1 or SHA-256) is checked against the bytes and its value handed to the <see cref="PayloadTrailer"/>;
/// a declared trailer that never comes, or one that was not declared, is S3's MalformedTrailerError, a value that is not the
/// algorithm's digest InvalidRequest, a mismatch BadDigest.
/// </summary>
public sealed class AwsChunkedStream : ReadOnlyStream
{
    public const string StreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    public const string SignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    public const string UnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    public const int DefaultMaxChunkSize = 16 * 1024 * 1024;
    private const int MaxHeaderLine = 4096;
    private const string SignatureExtension = ";chunk-signature=";
    private static readonly string EmptyHash = Convert.ToHexStringLower(SHA256.HashData([]));

    private readonly Stream _inner;
    private readonly int _maxChunkSize;
    private readonly PayloadTrailer? _trailer;
    private readonly ChecksumHasher? _checksum;
    private readonly byte[]? _signingKey;
    private readonly string? _scopePrefix;
    private string? _previousSignature;
    private byte[] _chunk = [];
    private int _chunkLength;
    private int _chunkOffset;
    private bool _finished;

    /// <summary>STREAMING-AWS4-HMAC-SHA256-PAYLOAD: signed chunks, no trailers.</summary>
    public AwsChunkedStream(Stream inner, SigV4ParsedRequest request, byte[] signingKey, int maxChunkSize = DefaultMaxChunkSize)
        : this(maxChunkSize, inner, null, request, signingKey)
    {
    }

    /// <summary>The forms with trailers: signed when the request's signature and its key are given, unsigned when not.</summary>
    public AwsChunkedStream(Stream inner, PayloadTrailer trailer, SigV4ParsedRequest? signature = null, byte[]? signingKey = null,
        int maxChunkSize = DefaultMaxChunkSize)
        : this(maxChunkSize, inner, trailer, signature, signingKey)
    {
    }

    private AwsChunkedStream(int maxChunkSize, Stream inner, PayloadTrailer? trailer, SigV4ParsedRequest? signature, byte[]? signingKey)
    {
        // Chunk headers are read a byte at a time: through a buffer, not from the socket.
        _inner = new BufferedStream(inner, 64 * 1024);
        _maxChunkSize = maxChunkSize;
        _trailer = trailer;
        _checksum = trailer?.Checksum?.NewHasher();
        if (signature is not null && signingKey is not null)
        {
            _signingKey = signingKey;
            _previousSignature = signature.Signature;
            _scopePrefix = $"{signature.RequestTime.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}\n{signature.Scope}\n";
        }
    }

    public override int Read(Span<byte> buffer) => ReadThroughAsync(buffer);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_chunkOffset == _chunkLength)
        {
            if (_finished)
            {
                return 0;
            }

            await ReadChunkAsync(cancellationToken);
        }

        var n = Math.Min(buffer.Length, _chunkLength - _chunkOffset);
        _chunk.AsMemory(_chunkOffset, n).CopyTo(buffer);
        _chunkOffset += n;
        return n;
    }

    private async Task ReadChunkAsync(CancellationToken cancellationToken)
    {
        var header = await ReadLineAsync(cancellationToken);
        var semicolon = header.IndexOf(';', StringComparison.Ordinal);
        string? chunkSignature = null;
        if (_signingKey is not null)
        {
            if (semicolon <= 0 || !header.AsSpan(semicolon).StartsWith(SignatureExtension, StringComparison.Ordinal))
            {
                throw Malformed($"The chunk header '{Truncate(header)}' is not 'hex-size;chunk-signature=signature'.");
            }

            chunkSignature = header[(semicolon + SignatureExtension.Length)..];
        }

        var sizeText = semicolon < 0 ? header : header[..semicolon];
        if (!int.TryParse(sizeText.Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0 || size > _maxChunkSize)
        {
            throw Malformed($"The chunk header '{Truncate(header)}' does not give a size within {_maxChunkSize} bytes.");
        }

        if (_chunk.Length < size)
        {
            _chunk = new byte[Math.Max(size, 64 * 1024)];
        }

        try
        {
            await _inner.ReadExactlyAsync(_chunk.AsMemory(0, size), cancellationToken);
        }
        catch (EndOfStreamException)
        {
            throw Malformed("The body ended inside a chunk.");
        }

        if (chunkSignature is not null)
        {
            Verify("AWS4-HMAC-SHA256-PAYLOAD", EmptyHash + "\n" + Convert.ToHexStringLower(SHA256.HashData(_chunk.AsSpan(0, size))), chunkSignature);
        }

        _chunkLength = size;
        _chunkOffset = 0;
        if (size > 0 || _trailer is null)
        {
            // A chunk's data, and the final chunk's empty data where no trailers follow, end with CRLF.
            if (await ReadLineAsync(cancellationToken) != "")
            {
                throw Malformed("A chunk's data is not followed by CRLF.");
            }

            _checksum?.Append(_chunk.AsSpan(0, size));
            _finished = size == 0;
            return;
        }

        await ReadTrailersAsync(cancellationToken);
        _finished = true;
    }

    private async Task ReadTrailersAsync(CancellationToken cancellationToken)
    {
        var trailer = _trailer!;
        string line;
        var signedTrailers = new StringBuilder();
        string? trailerSignature = null;
        string? checksum = null;
        while ((line = await ReadLineAsync(cancellationToken, allowEnd: true)) != "")
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw PayloadTrailer.Malformed();
            }

            var name = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            if (name == "x-amz-trailer-signature" && _signingKey is not null)
            {
                trailerSignature = value;
                continue;
            }

            // Only what x-amz-trailer announced may come, each once.
            if (!trailer.Names.Contains(name, StringComparer.Ordinal) || (name == trailer.Checksum?.HeaderName && checksum is not null))
            {
                throw PayloadTrailer.Malformed();
            }

            signedTrailers.Append(name).Append(':').Append(value).Append('\n');
            if (name == trailer.Checksum?.HeaderName)
            {
                checksum = value;
            }
        }

        if (_signingKey is not null)
        {
            Verify("AWS4-HMAC-SHA256-TRAILER", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(signedTrailers.ToString()))),
                trailerSignature ?? throw Malformed("The trailers carry no x-amz-trailer-signature."));
        }

        if (trailer.Checksum is { } algorithm)
        {
            if (checksum is null)
            {
                throw PayloadTrailer.Malformed();
            }

            if (!algorithm.IsValid(checksum))
            {
                throw new ApiException(400, "InvalidRequest", $"Value for {algorithm.HeaderName} trailing header is invalid.");
            }

            var computed = _checksum!.Base64();
            if (!string.Equals(Convert.ToBase64String(Convert.FromBase64String(checksum)), computed, StringComparison.Ordinal))
            {
                throw PayloadTrailer.Mismatch(algorithm);
            }

            trailer.Arrived(computed);
        }
    }

    /// <summary>One link of the signature chain: the previous signature, then what this chunk or the trailers add.</summary>
    private void Verify(string algorithm, string hashes, string signature)
    {
        var stringToSign = $"{algorithm}\n{_scopePrefix}{_previousSignature}\n{hashes}";
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(_signingKey!, Encoding.UTF8.GetBytes(stringToSign)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            throw new AwsChunkedException("SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.", 403);
        }

        _previousSignature = signature;
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken, bool allowEnd = false)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await _inner.ReadAsync(one, cancellationToken) == 0)
            {
                return allowEnd && line.Length == 0 ? "" : throw Malformed("The body ended inside a chunk header.");
            }

            if (one[0] == '\r')
            {
                if (await _inner.ReadAsync(one, cancellationToken) == 0 || one[0] != '\n')
                {
                    throw Malformed("A chunk header does not end with CRLF.");
                }

                return line.ToString();
            }

            if (line.Length >= MaxHeaderLine)
            {
                throw Malformed("A chunk header is too long.");
            }

            line.Append((char)one[0]);
        }
    }

    private static AwsChunkedException Malformed(string message) => new("IncompleteBody", message, 400);

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
