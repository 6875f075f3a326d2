using System.Security.Cryptography;
using Platform.Modules.Storage.Blobs;

namespace Platform.Modules.Storage.Tests.Blobs;

public sealed class FileSystemBlobStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("platform-blobs-").FullName;

    private FileSystemBlobStore Store() => new(_root);

    [Fact]
    public async Task Given_a_body_Then_the_blob_reads_back_identical_with_its_digests()
    {
        var bytes = RandomNumberGenerator.GetBytes((3 * 1024 * 1024) + 17);
        var written = await Store().WriteAsync(new OneWayStream(bytes), bytes.Length, CancellationToken.None, computeSha256: true);

        Assert.Equal(bytes.Length, written.Length);
#pragma warning disable CA5351 // S3's ETag is an MD5: it checks integrity, not secrecy.
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(bytes)), written.Md5Hex);
#pragma warning restore CA5351
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), written.Sha256Hex);
        await using (var read = Store().OpenRead(written.BlobId)!)
        {
            using var copy = new MemoryStream();
            await read.CopyToAsync(copy);
            Assert.Equal(bytes, copy.ToArray());
        }

        await using var tail = Store().OpenRead(written.BlobId, offset: bytes.Length - 17)!;
        var last = new byte[32];
        Assert.Equal(17, await tail.ReadAtLeastAsync(last, 32, throwOnEndOfStream: false));
        Assert.Equal(bytes[^17..], last[..17]);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "incoming")));
    }

    [Theory]
    [InlineData(1000, 999)]
    [InlineData(1000, 1001)]
    public async Task Given_a_body_that_does_not_match_its_declared_length_Then_nothing_is_left(int actual, int declared)
    {
        var error = await Assert.ThrowsAsync<BlobLengthException>(() =>
            Store().WriteAsync(new OneWayStream(new byte[actual]), declared, CancellationToken.None));
        Assert.Equal(declared, error.Expected);
        AssertNothingStored();
    }

    [Fact]
    public async Task Given_an_upload_cut_off_midway_Then_no_blob_appears_and_no_partial_file_stays()
    {
        using var cancel = new CancellationTokenSource();
        var body = new OneWayStream(new byte[8 * 1024 * 1024], afterBytes: 3 * 1024 * 1024, onReached: cancel.Cancel);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store().WriteAsync(body, null, cancel.Token));
        AssertNothingStored();
    }

    [Fact]
    public void Given_parts_left_by_a_crash_Then_reclaim_removes_the_old_ones_only()
    {
        var store = Store();
        var incoming = Path.Combine(_root, "incoming");
        var old = Path.Combine(incoming, "0123456789abcdef0123456789abcdef.part");
        var fresh = Path.Combine(incoming, "fedcba9876543210fedcba9876543210.part");
        File.WriteAllBytes(old, new byte[100]);
        File.WriteAllBytes(fresh, new byte[100]);
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-2));

        Assert.Equal(1, store.ReclaimUnfinished(DateTimeOffset.UtcNow.AddHours(-1)));
        Assert.False(File.Exists(old));
        Assert.True(File.Exists(fresh));
    }

    [Fact]
    public async Task Given_unknown_or_malformed_ids_Then_reads_find_nothing_and_deletes_are_harmless()
    {
        var written = await Store().WriteAsync(new MemoryStream([1, 2, 3]), 3, CancellationToken.None);
        Assert.Null(Store().OpenRead("00000000000000000000000000000000"));
        Assert.Null(Store().OpenRead("../../etc/passwd"));
        Store().Delete("../../etc/passwd");
        Store().Delete(written.BlobId);
        Assert.Null(Store().OpenRead(written.BlobId));
    }

    [Fact]
    public async Task A_large_body_streams_through_a_bounded_buffer()
    {
        const int size = 64 * 1024 * 1024;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var written = await Store().WriteAsync(new OneWayStream(size), size, CancellationToken.None);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(size, written.Length);
        Assert.True(allocated < 8 * 1024 * 1024, $"{allocated:N0} bytes allocated to store {size:N0}");
    }

    private void AssertNothingStored()
    {
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "incoming")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "blobs"), "*", SearchOption.AllDirectories));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A non-seekable body, as a request body is; optionally calls back once some bytes were read.</summary>
    private sealed class OneWayStream : Stream
    {
        private readonly byte[]? _bytes;
        private readonly long _length;
        private readonly long _afterBytes;
        private readonly Action? _onReached;
        private long _position;

        public OneWayStream(byte[] bytes, long afterBytes = long.MaxValue, Action? onReached = null)
            : this(bytes.Length, afterBytes, onReached) => _bytes = bytes;

        public OneWayStream(long length, long afterBytes = long.MaxValue, Action? onReached = null)
        {
            _length = length;
            _afterBytes = afterBytes;
            _onReached = onReached;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= _afterBytes)
            {
                _onReached?.Invoke();
            }

            var n = (int)Math.Min(count, _length - _position);
            if (_bytes is not null)
            {
                Array.Copy(_bytes, _position, buffer, offset, n);
            }
            else
            {
                Array.Fill(buffer, (byte)(_position % 251), offset, n);
            }

            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
