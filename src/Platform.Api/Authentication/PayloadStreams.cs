using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Payloads;

namespace Platform.Api.Authentication;

/// <summary>
/// Passes a body through unchanged while hashing it, and fails at its end when the SHA-256 is not the one
/// the client signed (x-amz-content-sha256), so a reader that stores it can drop what it wrote.
/// </summary>
internal sealed class Sha256CheckingStream(Stream inner, string expectedHex) : Stream
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _checked;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        if (read > 0)
        {
            _sha.AppendData(buffer.Span[..read]);
        }
        else if (!_checked && buffer.Length > 0)
        {
            _checked = true;
            if (!string.Equals(Convert.ToHexStringLower(_sha.GetHashAndReset()), expectedHex, StringComparison.OrdinalIgnoreCase))
            {
                throw new ApiException(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
            }
        }

        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha.Dispose();
        }

        base.Dispose(disposing);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>
/// Reads the aws-chunked bodies that end in trailers (current AWS CLIs and SDKs): <c>STREAMING-UNSIGNED-PAYLOAD-TRAILER</c>
/// (no chunk signatures) and <c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER</c> (each chunk and the trailers signed
/// along the chain from the request's signature). The trailers must be the ones x-amz-trailer declared: the checksum
/// among them (CRC32, CRC32C, CRC64NVME, SHA-1 or SHA-256) is checked against the bytes and its value handed to the
/// <see cref="PayloadTrailer"/>; a declared trailer that never comes, or one that was not declared, is S3's
/// MalformedTrailerError, a value that is not the algorithm's digest InvalidRequest, a mismatch BadDigest.
/// </summary>
internal sealed class TrailerChunkedStream : Stream
{
    public const string Unsigned = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    public const string Signed = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    private static readonly string EmptyHash = Convert.ToHexStringLower(SHA256.HashData([]));

    private const int MaxLine = 4096;
    private readonly Stream _inner;
    private readonly int _maxChunk;
    private readonly PayloadTrailer _trailer;
    private readonly ChecksumHasher? _checksum;
    private byte[] _chunk = [];
    private int _length;
    private int _offset;
    private bool _finished;

    private readonly byte[]? _signingKey;
    private readonly string? _scopePrefix;
    private string? _previousSignature;

    /// <param name="signature">The request's signature and the key that made it, for the signed form; null for the unsigned one.</param>
    public TrailerChunkedStream(Stream inner, PayloadTrailer trailer, Platform.Modules.Shared.Authentication.SigV4.SigV4ParsedRequest? signature = null,
        byte[]? signingKey = null, int maxChunk = 16 * 1024 * 1024)
    {
        _inner = new BufferedStream(inner, 64 * 1024);
        if (signature is not null)
        {
            _signingKey = signingKey;
            _previousSignature = signature.Signature;
            _scopePrefix = $"{signature.RequestTime.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}\n{signature.Scope}\n";
        }

        _maxChunk = maxChunk;
        _trailer = trailer;
        _checksum = trailer.Checksum?.NewHasher();
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_offset == _length)
        {
            if (_finished)
            {
                return 0;
            }

            await ReadChunkAsync(cancellationToken);
        }

        var n = Math.Min(buffer.Length, _length - _offset);
        _chunk.AsMemory(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    private async Task ReadChunkAsync(CancellationToken cancellationToken)
    {
        var header = await ReadLineAsync(cancellationToken);
        var semicolon = header.IndexOf(';', StringComparison.Ordinal);
        var sizeText = semicolon < 0 ? header : header[..semicolon];
        const string SignatureExtension = ";chunk-signature=";
        string? chunkSignature = null;
        if (_signingKey is not null)
        {
            if (semicolon < 0 || !header.AsSpan(semicolon).StartsWith(SignatureExtension, StringComparison.Ordinal))
            {
                throw Incomplete("A chunk header carries no chunk-signature.");
            }

            chunkSignature = header[(semicolon + SignatureExtension.Length)..];
        }
        if (!int.TryParse(sizeText.Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0 || size > _maxChunk)
        {
            throw Incomplete("A chunk header is malformed.");
        }

        if (size == 0)
        {
            if (chunkSignature is not null)
            {
                Verify("AWS4-HMAC-SHA256-PAYLOAD", EmptyHash + "\n" + EmptyHash, chunkSignature);
            }

            await ReadTrailersAsync(cancellationToken);
            _finished = true;
            _length = _offset = 0;
            return;
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
            throw Incomplete("The body ended inside a chunk.");
        }

        if (await ReadLineAsync(cancellationToken) != "")
        {
            throw Incomplete("A chunk's data is not followed by CRLF.");
        }

        if (chunkSignature is not null)
        {
            Verify("AWS4-HMAC-SHA256-PAYLOAD", EmptyHash + "\n" + Convert.ToHexStringLower(SHA256.HashData(_chunk.AsSpan(0, size))), chunkSignature);
        }

        _checksum?.Append(_chunk.AsSpan(0, size));
        _length = size;
        _offset = 0;
    }

    private async Task ReadTrailersAsync(CancellationToken cancellationToken)
    {
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
            if (!_trailer.Names.Contains(name, StringComparer.Ordinal) || (name == _trailer.Checksum?.HeaderName && checksum is not null))
            {
                throw PayloadTrailer.Malformed();
            }

            signedTrailers.Append(name).Append(':').Append(value).Append('\n');
            if (name == _trailer.Checksum?.HeaderName)
            {
                checksum = value;
            }
        }

        if (_signingKey is not null)
        {
            Verify("AWS4-HMAC-SHA256-TRAILER", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(signedTrailers.ToString()))),
                trailerSignature ?? throw Incomplete("The trailers carry no x-amz-trailer-signature."));
        }

        if (_trailer.Checksum is { } algorithm)
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

            _trailer.Arrived(computed);
        }
    }

    /// <summary>One link of the signature chain: the previous signature, then what this chunk or trailer adds.</summary>
    private void Verify(string algorithm, string hashes, string signature)
    {
        var stringToSign = $"{algorithm}\n{_scopePrefix}{_previousSignature}\n{hashes}";
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(_signingKey!, Encoding.UTF8.GetBytes(stringToSign)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            throw new ApiException(403, "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
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
                return allowEnd && line.Length == 0 ? "" : throw Incomplete("The body ended inside a chunk header.");
            }

            if (one[0] == '\r')
            {
                if (await _inner.ReadAsync(one, cancellationToken) == 0 || one[0] != '\n')
                {
                    throw Incomplete("A chunk header does not end with CRLF.");
                }

                return line.ToString();
            }

            if (line.Length >= MaxLine)
            {
                throw Incomplete("A chunk header is too long.");
            }

            line.Append((char)one[0]);
        }
    }

    private static ApiException Incomplete(string message) => new(400, "IncompleteBody", message);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
