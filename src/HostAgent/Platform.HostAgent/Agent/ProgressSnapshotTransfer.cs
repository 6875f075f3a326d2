using Platform.HostAgent.Volumes;

namespace Platform.HostAgent.Agent;

/// <summary>Snapshot transfers that report each chunk moved: a long stream is the main loop at work, not stuck.</summary>
internal sealed class ProgressSnapshotTransfer(ISnapshotTransfer inner, Action progress) : ISnapshotTransfer
{
    public Task UploadSnapshotAsync(string snapshotId, Stream content, long length, CancellationToken cancellationToken) =>
        inner.UploadSnapshotAsync(snapshotId, new ProgressStream(content, progress), length, cancellationToken);

    public async Task<(Stream Content, long Length)> DownloadSnapshotAsync(string snapshotId, CancellationToken cancellationToken)
    {
        var (content, length) = await inner.DownloadSnapshotAsync(snapshotId, cancellationToken);
        return (new ProgressStream(content, progress), length);
    }
}

/// <summary>Reads through to another stream, calling back after every read.</summary>
internal sealed class ProgressStream(Stream inner, Action progress) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Moved(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Moved(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Moved(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Moved(int read)
    {
        progress();
        return read;
    }
}
