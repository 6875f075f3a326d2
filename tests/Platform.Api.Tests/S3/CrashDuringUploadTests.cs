using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>Killing the API in the middle of a large upload leaves no visible object and, after the sweep, no leaked space.</summary>
public sealed class CrashDuringUploadTests : IAsyncDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("platform-crash-").FullName;

    [Fact]
    public async Task Given_a_large_upload_in_flight_When_the_API_is_killed_Then_no_object_appears_and_the_sweep_reclaims_the_bytes()
    {
        const long declared = 200L * 1024 * 1024;
        var sweepSoon = new Dictionary<string, string> { ["Storage__OrphanSweepCron"] = "* * * * *", ["Storage__OrphanGracePeriod"] = "00:00:02" };
        var objects = Path.Combine(_data, "objects");
        await using (var api = await ApiProcess.StartAsync(_data))
        {
            using var s3 = S3Clients.For(api.S3Address, api.RootCredentials());
            await s3.PutBucketAsync("crash");
            var url = await s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
            {
                BucketName = "crash", Key = "half.bin", Verb = HttpVerb.PUT, Expires = DateTime.UtcNow.AddMinutes(10), Protocol = Protocol.HTTP,
            });
            var body = new SlowBody(declared, pauseAfter: 40L * 1024 * 1024);
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var content = new StreamContent(body);
            content.Headers.ContentLength = declared;
            var upload = http.PutAsync(url, content);
            await body.Paused.WaitAsync(TimeSpan.FromMinutes(1));
            await Eventually.TrueAsync(() => Task.FromResult(Directory.EnumerateFiles(Path.Combine(objects, "incoming"), "*.part").Any(f => new FileInfo(f).Length > 0)),
                TimeSpan.FromSeconds(90), "the upload never reached the blob store");

            await api.KillAsync();
            body.Abandon();
            await Assert.ThrowsAnyAsync<Exception>(() => upload);
        }

        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(objects, "incoming"), "*.part"));

        await using (var restarted = await ApiProcess.StartAsync(_data, sweepSoon))
        {
            using var s3 = S3Clients.For(restarted.S3Address, restarted.RootCredentials());
            var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync("crash", "half.bin"));
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Empty((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "crash" })).S3Objects ?? []);

            await Eventually.TrueAsync(() => Task.FromResult(UsedBytes(objects) == 0), TimeSpan.FromSeconds(150),
                $"the sweep left {UsedBytes(objects)} bytes under {objects}");
        }
    }

    private static long UsedBytes(string objects) =>
        Directory.EnumerateFiles(objects, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_data, recursive: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>A body that sends part of its bytes, then stalls as a client cut off by the crash would.</summary>
    private sealed class SlowBody(long length, long pauseAfter) : Stream
    {
        private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _abandoned = new();
        private long _sent;

        /// <summary>Ends the stall with a failure: the client gives up once the server is gone.</summary>
        public void Abandon() => _abandoned.Cancel();

        public Task Paused => _paused.Task;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _sent; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_sent >= pauseAfter)
            {
                _paused.TrySetResult();
                using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _abandoned.Token);
                await Task.Delay(Timeout.Infinite, either.Token);
            }

            var n = (int)Math.Min(buffer.Length, Math.Min(length - _sent, 64 * 1024));
            buffer.Span[..n].Fill((byte)'x');
            _sent += n;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _abandoned.Dispose();
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
}
