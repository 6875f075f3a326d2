namespace Platform.Modules.Shared.Payloads;

/// <summary>The parts of <see cref="Stream"/> a forward-only reader does not use: the one base of the payload and object streams.</summary>
public abstract class ReadOnlyStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public abstract override int Read(Span<byte> buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>A synchronous read for the streams that are asynchronous underneath (a request body).</summary>
    protected int ReadThroughAsync(Span<byte> buffer)
    {
        var array = new byte[buffer.Length];
        var read = ReadAsync(array.AsMemory()).AsTask().GetAwaiter().GetResult();
        array.AsSpan(0, read).CopyTo(buffer);
        return read;
    }
}
