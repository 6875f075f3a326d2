namespace Platform.Api.Tests.TestEngine;

/// <summary>
/// The link between an agent and the API, on which the downloads of one image hang until the test lets them through
/// (an image that takes as long to fetch as the test needs); everything else passes at once.
/// </summary>
public sealed class HeldImageDownloads(string imageId)
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    /// <summary>Image downloads that have begun (their headers went through; their bytes wait).</summary>
    public int Started => Volatile.Read(ref _started);

    public string ImageId => imageId;

    public void Release() => _released.TrySetResult();

    public DelegatingHandler Handler() => new Link(this);

    private sealed class Link(HeldImageDownloads held) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri?.AbsolutePath.StartsWith($"/api/v1/agent/images/{held.ImageId}/", StringComparison.Ordinal) != true
                || !response.IsSuccessStatusCode)
            {
                return response;
            }

            Interlocked.Increment(ref held._started);
            var content = new StreamContent(new HeldStream(await response.Content.ReadAsStreamAsync(cancellationToken), held._released.Task));
            foreach (var header in response.Content.Headers)
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = content;
            return response;
        }
    }

    private sealed class HeldStream(Stream inner, Task released) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            released.Wait();
            return inner.Read(buffer, offset, count);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await released.WaitAsync(cancellationToken);
            return await inner.ReadAsync(buffer, cancellationToken);
        }

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
    }
}
