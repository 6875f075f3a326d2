using System.IO.Pipelines;
using System.Security.Cryptography;
using Platform.Modules.Shared.Payloads;
using Platform.Modules.Shared.Security;
using Platform.Modules.Storage.Blobs;

namespace Platform.Modules.Storage.Objects;

/// <summary>What a write stored: the segment to keep in the metadata and the MD5 of the plaintext.</summary>
internal sealed record WrittenSegment(Segment Segment, string Md5Hex);

/// <summary>
/// Object bytes over the blob store: writes one segment (sealed with a fresh data key under SSE-S3),
/// opens any byte range of a list of segments, and deletes segments no metadata points at any more.
/// </summary>
internal sealed class ObjectBytes(IBlobStore blobs, ISecretProtector protector)
{
    private const string KeyContext = "storage/sse-s3/data-key";

    public async Task<WrittenSegment> WriteAsync(Stream content, long? length, bool encrypt, CancellationToken cancellationToken)
    {
        if (!encrypt)
        {
            var written = await blobs.WriteAsync(content, length, cancellationToken);
            return new WrittenSegment(new Segment(written.BlobId, written.Length, null), written.Md5Hex);
        }

        var dataKey = RandomNumberGenerator.GetBytes(32);
        try
        {
            await using var sealing = new SealingStream(content, dataKey);
            var stored = await blobs.WriteAsync(sealing, length is { } plain ? SseS3.SealedLength(plain) : null, cancellationToken);
            var wrapped = protector.Protect(Convert.ToBase64String(dataKey), KeyContext);
            return new WrittenSegment(new Segment(stored.BlobId, sealing.PlainLength, wrapped), sealing.Md5Hex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>
    /// Opens every blob the range covers before any byte is read, so an overwrite that deletes them
    /// afterwards cannot tear the read (POSIX keeps unlinked open files readable). Null when a blob is
    /// already gone: the object changed since its metadata was read, and the caller reads it again.
    /// </summary>
    public Stream? OpenRange(IReadOnlyList<Segment> segments, long offset, long length)
    {
        var pieces = new List<(Stream Stream, long Skip, long Take)>();
        long start = 0;
        foreach (var segment in segments)
        {
            var end = start + segment.Size;
            if (length > 0 && end > offset && start < offset + length)
            {
                var from = Math.Max(offset, start) - start;
                var take = Math.Min(offset + length, end) - start - from;
                var piece = Open(segment, from, take);
                if (piece is null)
                {
                    foreach (var opened in pieces)
                    {
                        opened.Stream.Dispose();
                    }

                    return null;
                }

                pieces.Add(piece.Value);
            }

            start = end;
        }

        return new ConcatenatedStream(pieces);
    }

    /// <summary>
    /// Writes <paramref name="length"/> bytes of an opened range to a response: each read lands straight in the
    /// response's own buffer (no intermediate copy), synchronously, since page-cache reads finish in microseconds.
    /// </summary>
    public static async Task SendAsync(Stream body, PipeWriter writer, long length, CancellationToken cancellationToken)
    {
        const int Chunk = 256 * 1024;
        while (length > 0)
        {
            var memory = writer.GetMemory((int)Math.Min(length, Chunk));
            var read = body.Read(memory.Span[..(int)Math.Min(memory.Length, length)]);
            if (read == 0)
            {
                throw new IOException("A blob is shorter than its object says.");
            }

            writer.Advance(read);
            length -= read;
            var flushed = await writer.FlushAsync(cancellationToken);
            if (flushed.IsCanceled || flushed.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>Deletes segments that no metadata points at any more on a pool thread, off the request's path.</summary>
    public void DeleteLater(IReadOnlyList<Segment> segments) => ThreadPool.UnsafeQueueUserWorkItem(static state =>
    {
        try
        {
            state.Bytes.Delete(state.Segments);
        }
        catch (IOException)
        {
            // Left for the orphan sweep, like the blobs of a crash between commit and delete.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }, (Bytes: this, Segments: segments), preferLocal: false);

    public void Delete(IEnumerable<Segment> segments)
    {
        foreach (var segment in segments)
        {
            blobs.Delete(segment.BlobId);
        }
    }

    private (Stream, long, long)? Open(Segment segment, long from, long take)
    {
        if (segment.WrappedKey is null)
        {
            return blobs.OpenRead(segment.BlobId, from) is { } plain ? (plain, 0, take) : null;
        }

        var frame = from / SseS3.FrameSize;
        if (blobs.OpenRead(segment.BlobId, frame * SseS3.SealedFrameSize) is not { } sealedBytes)
        {
            return null;
        }

        var dataKey = Convert.FromBase64String(protector.Unprotect(segment.WrappedKey, KeyContext));
        return (new OpeningStream(sealedBytes, dataKey, frame), from - (frame * SseS3.FrameSize), take);
    }

    /// <summary>The plaintext of sealed frames from a given frame on.</summary>
    private sealed class OpeningStream(Stream sealedBytes, byte[] dataKey, long firstFrame) : ReadOnlyStream
    {
        private readonly AesGcm _aes = new(dataKey, SseS3.TagSize);
        private readonly byte[] _sealed = new byte[SseS3.SealedFrameSize];
        private readonly byte[] _plain = new byte[SseS3.FrameSize];
        private long _frame = firstFrame;
        private int _length;
        private int _offset;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_offset == _length)
            {
                var filled = 0;
                int read;
                while (filled < _sealed.Length && (read = await sealedBytes.ReadAsync(_sealed.AsMemory(filled), cancellationToken)) > 0)
                {
                    filled += read;
                }

                Open(filled);
            }

            return Take(buffer.Span);
        }

        public override int Read(Span<byte> buffer)
        {
            if (_offset == _length)
            {
                var filled = 0;
                int read;
                while (filled < _sealed.Length && (read = sealedBytes.Read(_sealed.AsSpan(filled))) > 0)
                {
                    filled += read;
                }

                Open(filled);
            }

            return Take(buffer);
        }

        private void Open(int filled)
        {
            if (filled == 0)
            {
                _length = _offset = 0;
                return;
            }

            if (filled <= SseS3.TagSize)
            {
                throw new CryptographicException("A sealed frame is truncated.");
            }

            Span<byte> nonce = stackalloc byte[12];
            SseS3.Nonce(_frame++, nonce);
            var size = filled - SseS3.TagSize;
            _aes.Decrypt(nonce, _sealed.AsSpan(0, size), _sealed.AsSpan(size, SseS3.TagSize), _plain.AsSpan(0, size));
            _length = size;
            _offset = 0;
        }

        private int Take(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, _length - _offset);
            _plain.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _aes.Dispose();
                sealedBytes.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>The pieces one after another, each with its leading bytes skipped and its length cut.</summary>
    private sealed class ConcatenatedStream(List<(Stream Stream, long Skip, long Take)> pieces) : ReadOnlyStream
    {
        private int _index;
        private long _skipped;
        private long _taken;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_index < pieces.Count)
            {
                var (stream, skip, take) = pieces[_index];
                while (_skipped < skip)
                {
                    var scratch = new byte[(int)Math.Min(skip - _skipped, 64 * 1024)];
                    var skippedNow = await stream.ReadAsync(scratch, cancellationToken);
                    if (skippedNow == 0)
                    {
                        throw new IOException("A blob ended before the object's range.");
                    }

                    _skipped += skippedNow;
                }

                if (_taken < take)
                {
                    var read = await stream.ReadAsync(buffer[..(int)Math.Min(buffer.Length, take - _taken)], cancellationToken);
                    if (read == 0)
                    {
                        throw new IOException("A blob is shorter than its object says.");
                    }

                    _taken += read;
                    return read;
                }

                await stream.DisposeAsync();
                _index++;
                _skipped = 0;
                _taken = 0;
            }

            return 0;
        }

        public override int Read(Span<byte> buffer)
        {
            while (_index < pieces.Count)
            {
                var (stream, skip, take) = pieces[_index];
                while (_skipped < skip)
                {
                    var skippedNow = stream.Read(new byte[(int)Math.Min(skip - _skipped, 64 * 1024)]);
                    if (skippedNow == 0)
                    {
                        throw new IOException("A blob ended before the object's range.");
                    }

                    _skipped += skippedNow;
                }

                if (_taken < take)
                {
                    var read = stream.Read(buffer[..(int)Math.Min(buffer.Length, take - _taken)]);
                    if (read == 0)
                    {
                        throw new IOException("A blob is shorter than its object says.");
                    }

                    _taken += read;
                    return read;
                }

                stream.Dispose();
                _index++;
                _skipped = 0;
                _taken = 0;
            }

            return 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                for (var i = _index; i < pieces.Count; i++)
                {
                    pieces[i].Stream.Dispose();
                }

                _index = pieces.Count;
            }

            base.Dispose(disposing);
        }
    }
}
