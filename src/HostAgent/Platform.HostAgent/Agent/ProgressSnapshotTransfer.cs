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
internal sealed class ProgressStream(Stream inner, Action progress) : ReadOnlyStream
{
    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer) => Moved(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Moved(await inner.ReadAsync(buffer, cancellationToken));

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
