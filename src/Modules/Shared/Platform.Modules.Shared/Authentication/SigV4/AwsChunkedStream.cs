using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Modules.Shared.Authentication.SigV4;

/// <summary>A body in <c>aws-chunked</c> encoding was malformed or one of its chunk signatures was wrong.</summary>
public sealed class AwsChunkedException(string code, string message, int httpStatus) : IOException(message)
{
    public string Code { get; } = code;

    public int HttpStatus { get; } = httpStatus;
}

/// <summary>
/// Reads the payload out of a <c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c> body, checking every chunk's
/// signature against the chain that starts at the request's own signature. A chunk is held whole until
/// its signature checks out, so no unverified byte reaches the reader; memory stays bounded by the
/// largest chunk allowed.
/// </summary>
public sealed class AwsChunkedStream : Stream
{
    public const string StreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    public const int DefaultMaxChunkSize = 16 * 1024 * 1024;
    private const int MaxHeaderLine = 4096;
    private static readonly string EmptyHash = Convert.ToHexStringLower(SHA256.HashData([]));

    private readonly Stream _inner;
    private readonly byte[] _signingKey;
    private readonly string _prefix;
    private readonly int _maxChunkSize;
    private string _previousSignature;
    private byte[] _chunk = [];
    private int _chunkLength;
    private int _chunkOffset;
    private bool _finished;

    public AwsChunkedStream(Stream inner, SigV4ParsedRequest request, byte[] signingKey, int maxChunkSize = DefaultMaxChunkSize)
    {
        // Chunk headers are read a byte at a time: through a buffer, not from the socket.
        _inner = new BufferedStream(inner, 64 * 1024);
        _signingKey = signingKey;
        _maxChunkSize = maxChunkSize;
        _previousSignature = request.Signature;
        var amzDate = request.RequestTime.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        _prefix = $"AWS4-HMAC-SHA256-PAYLOAD\n{amzDate}\n{request.Scope}\n";
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

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

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private async Task ReadChunkAsync(CancellationToken cancellationToken)
    {
        var header = await ReadLineAsync(cancellationToken);
        var separator = header.IndexOf(";chunk-signature=", StringComparison.Ordinal);
        if (separator <= 0 || !int.TryParse(header.AsSpan(0, separator), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size)
            || size < 0 || size > _maxChunkSize)
        {
            throw Malformed($"The chunk header '{Truncate(header)}' is not 'hex-size;chunk-signature=signature' within {_maxChunkSize} bytes.");
        }

        var signature = header[(separator + ";chunk-signature=".Length)..];
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
        if (await ReadLineAsync(cancellationToken) != "")
        {
            throw Malformed("A chunk's data is not followed by CRLF.");
        }

        var stringToSign = $"{_prefix}{_previousSignature}\n{EmptyHash}\n{Convert.ToHexStringLower(SHA256.HashData(_chunk.AsSpan(0, size)))}";
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(_signingKey, Encoding.UTF8.GetBytes(stringToSign)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            throw new AwsChunkedException("SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.", 403);
        }

        _previousSignature = signature;
        _chunkLength = size;
        _chunkOffset = 0;
        _finished = size == 0;
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await _inner.ReadAsync(one, cancellationToken) == 0)
            {
                throw Malformed("The body ended inside a chunk header.");
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

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
