using Platform.HostAgent.Volumes;

namespace Platform.HostAgent.Tests;

/// <summary>The API's side of snapshot transfers, kept in memory: for agent tests that need no API (the end-to-end tests have the real one).</summary>
internal sealed class MemorySnapshots : ISnapshotTransfer
{
    public Dictionary<string, byte[]> Stored { get; } = [];

    public async Task UploadSnapshotAsync(string snapshotId, Stream content, long length, CancellationToken cancellationToken)
    {
        using var copy = new MemoryStream();
        await content.CopyToAsync(copy, cancellationToken);
        Assert.Equal(length, copy.Length);
        Stored[snapshotId] = copy.ToArray();
    }

    public Task<(Stream Content, long Length)> DownloadSnapshotAsync(string snapshotId, CancellationToken cancellationToken) =>
        Task.FromResult<(Stream, long)>((new MemoryStream(Stored[snapshotId]), Stored[snapshotId].Length));
}
