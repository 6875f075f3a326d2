using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Platform.Modules.Storage.Objects;

/// <summary>
/// SSE-S3's layout: the plaintext cut into 64 KiB frames, each sealed with AES-256-GCM under the
/// object's own data key with its frame number as nonce (a key seals one object only, so nonces never
/// repeat) and its 16-byte tag after it. A range read opens only the frames it covers.
/// </summary>
internal static class SseS3
{
    public const int FrameSize = 64 * 1024;
    public const int TagSize = 16;
    public const int SealedFrameSize = FrameSize + TagSize;

    /// <summary>Stored bytes for a plaintext of the given length.</summary>
    public static long SealedLength(long plainLength) => plainLength + (TagSize * ((plainLength + FrameSize - 1) / FrameSize));

    public static void Nonce(long frame, Span<byte> nonce)
    {
        nonce.Clear();
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], frame);
    }
}

/// <summary>Reads plaintext from a source and hands out sealed frames; the MD5 of the plaintext is the ETag.</summary>
internal sealed class SealingStream(Stream plaintext, byte[] dataKey) : Stream
{
    private readonly AesGcm _aes = new(dataKey, SseS3.TagSize);
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly byte[] _plain = new byte[SseS3.FrameSize];
    private readonly byte[] _sealed = new byte[SseS3.SealedFrameSize];
    private int _sealedLength;
    private int _sealedOffset;
    private long _frame;
    private bool _ended;

    public long PlainLength { get; private set; }

    public string Md5Hex => Convert.ToHexStringLower(_md5.GetCurrentHash());

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_sealedOffset == _sealedLength)
        {
            if (_ended)
            {
                return 0;
            }

            var filled = 0;
            int read;
            while (filled < _plain.Length && (read = await plaintext.ReadAsync(_plain.AsMemory(filled), cancellationToken)) > 0)
            {
                filled += read;
            }

            if (filled < _plain.Length)
            {
                _ended = true;
            }

            if (filled == 0)
            {
                return 0;
            }

            _md5.AppendData(_plain, 0, filled);
            PlainLength += filled;
            Span<byte> nonce = stackalloc byte[12];
            SseS3.Nonce(_frame++, nonce);
            _aes.Encrypt(nonce, _plain.AsSpan(0, filled), _sealed.AsSpan(0, filled), _sealed.AsSpan(filled, SseS3.TagSize));
            _sealedLength = filled + SseS3.TagSize;
            _sealedOffset = 0;
        }

        var n = Math.Min(buffer.Length, _sealedLength - _sealedOffset);
        _sealed.AsMemory(_sealedOffset, n).CopyTo(buffer);
        _sealedOffset += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
            _md5.Dispose();
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
