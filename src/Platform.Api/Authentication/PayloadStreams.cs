using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Platform.Modules.Shared.Errors;

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
/// along the chain from the request's signature). A trailing x-amz-checksum-* is checked against the bytes when
/// its algorithm is CRC32, CRC32C, SHA-1 or SHA-256.
/// </summary>
internal sealed class TrailerChunkedStream : Stream
{
    public const string Unsigned = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    public const string Signed = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    private static readonly string EmptyHash = Convert.ToHexStringLower(SHA256.HashData([]));

    private const int MaxLine = 4096;
    private readonly Stream _inner;
    private readonly int _maxChunk;
    private readonly string? _trailerName;
    private readonly Checksum? _checksum;
    private byte[] _chunk = [];
    private int _length;
    private int _offset;
    private bool _finished;

    private readonly byte[]? _signingKey;
    private readonly string? _scopePrefix;
    private string? _previousSignature;

    /// <param name="signature">The request's signature and the key that made it, for the signed form; null for the unsigned one.</param>
    public TrailerChunkedStream(Stream inner, string? trailerName, Platform.Modules.Shared.Authentication.SigV4.SigV4ParsedRequest? signature = null,
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
        _trailerName = trailerName?.Trim().ToLowerInvariant();
        _checksum = Checksum.For(_trailerName);
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
        while ((line = await ReadLineAsync(cancellationToken, allowEnd: true)) != "")
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            if (name == "x-amz-trailer-signature")
            {
                trailerSignature = value;
                continue;
            }

            signedTrailers.Append(name).Append(':').Append(value).Append('\n');
            if (name == _trailerName && _checksum is not null && value != _checksum.Base64())
            {
                throw new ApiException(400, "BadDigest", $"The {name["x-amz-checksum-".Length..].ToUpperInvariant()} you specified did not match the calculated checksum.");
            }
        }

        if (_signingKey is not null)
        {
            Verify("AWS4-HMAC-SHA256-TRAILER", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(signedTrailers.ToString()))),
                trailerSignature ?? throw Incomplete("The trailers carry no x-amz-trailer-signature."));
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

/// <summary>The flexible checksums S3 clients send (x-amz-checksum-*), those that need no package: CRC32, CRC32C, SHA-1, SHA-256.</summary>
internal abstract class Checksum
{
    public static Checksum? For(string? header) => header switch
    {
        "x-amz-checksum-crc32" => new Crc(0xEDB88320u),
        "x-amz-checksum-crc32c" => new Crc(0x82F63B78u),
        "x-amz-checksum-sha1" => new Hash(HashAlgorithmName.SHA1),
        "x-amz-checksum-sha256" => new Hash(HashAlgorithmName.SHA256),
        _ => null,
    };

    public abstract void Append(ReadOnlySpan<byte> data);

    public abstract string Base64();

    private sealed class Hash(HashAlgorithmName algorithm) : Checksum
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(algorithm);

        public override void Append(ReadOnlySpan<byte> data) => _hash.AppendData(data);

        public override string Base64() => Convert.ToBase64String(_hash.GetCurrentHash());
    }

    /// <summary>Reflected CRC-32 with the given polynomial, table-driven.</summary>
    private sealed class Crc : Checksum
    {
        private readonly uint[] _table = new uint[256];
        private uint _crc = 0xFFFFFFFFu;

        public Crc(uint polynomial)
        {
            for (uint i = 0; i < 256; i++)
            {
                var c = i;
                for (var k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? polynomial ^ (c >> 1) : c >> 1;
                }

                _table[i] = c;
            }
        }

        public override void Append(ReadOnlySpan<byte> data)
        {
            var crc = _crc;
            foreach (var b in data)
            {
                crc = _table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            _crc = crc;
        }

        public override string Base64()
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, _crc ^ 0xFFFFFFFFu);
            return Convert.ToBase64String(bytes);
        }
    }
}
