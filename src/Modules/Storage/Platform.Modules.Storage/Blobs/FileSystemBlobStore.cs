using System.Buffers;
using System.Security.Cryptography;
using Platform.Modules.Shared.Durability;

namespace Platform.Modules.Storage.Blobs;

/// <summary>
/// Blobs as files under a directory: written to a temporary file, fsynced, renamed into place, and the
/// directory fsynced, so a crash leaves either nothing or the whole blob. It relies only on POSIX
/// create, fsync, atomic rename and unlink, and keeps no state in memory, so every API replica may
/// share the directory on a distributed filesystem (CephFS).
/// </summary>
internal sealed class FileSystemBlobStore : IBlobStore
{
    private const int BufferSize = 1024 * 1024;
    private readonly string _blobs;
    private readonly string _incoming;

    public FileSystemBlobStore(string root)
    {
        _blobs = Path.Combine(root, "blobs");
        _incoming = Path.Combine(root, "incoming");
        Directory.CreateDirectory(_blobs);
        Directory.CreateDirectory(_incoming);
    }

    public async Task<BlobWritten> WriteAsync(Stream content, long? expectedLength, CancellationToken cancellationToken, bool computeSha256 = false)
    {
        var blobId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var temporary = Path.Combine(_incoming, $"{blobId}.part");
        // Pooled, and no larger than the body needs: a 4 KiB PUT must not allocate a 1 MiB buffer. One byte more than
        // a small body, so that its one fill ends short of the buffer and it is hashed and written inline.
        var buffer = ArrayPool<byte>.Shared.Rent(expectedLength is { } declared && declared < BufferSize ? (int)Math.Max(declared + 1, 4096) : BufferSize);
        byte[]? second = null;
        try
        {
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            using var sha256 = computeSha256 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
            long length = 0;
            using (var file = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                // Hashing and writing one chunk, in order. A large body is pipelined: while one buffer is hashed (MD5, the
                // ETag, runs at well under the disk's speed) and written on another thread, the next one is received.
                void Process(byte[] chunk, int count, long offset)
                {
                    md5.AppendData(chunk, 0, count);
                    sha256?.AppendData(chunk, 0, count);
                    // Synchronous: a write into the page cache takes microseconds, where Linux "async" file I/O is
                    // the same write handed to another thread pool thread.
                    RandomAccess.Write(file, chunk.AsSpan(0, count), offset);
                }

                var pending = Task.CompletedTask;
                try
                {
                    var current = buffer;
                    while (true)
                    {
                        // The buffer is filled before it is written: a few large writes rather than one per network read.
                        var filled = 0;
                        int read;
                        while (filled < current.Length && (read = await content.ReadAsync(current.AsMemory(filled), cancellationToken)) > 0)
                        {
                            filled += read;
                        }

                        if (filled == 0)
                        {
                            break;
                        }

                        length += filled;
                        if (length > expectedLength)
                        {
                            throw new BlobLengthException(expectedLength.Value, length);
                        }

                        // The chunk before this one is hashed and written, and its buffer free again.
                        await pending;
                        var chunk = current;
                        var count = filled;
                        var offset = length - filled;
                        if (filled < current.Length)
                        {
                            Process(chunk, count, offset);
                            break;
                        }

                        pending = Task.Run(() => Process(chunk, count, offset), cancellationToken);
                        current = ReferenceEquals(current, buffer) ? second ??= ArrayPool<byte>.Shared.Rent(BufferSize) : buffer;
                    }

                    await pending;
                }
                catch
                {
                    // The file stays open until the chunk in flight is done with it; its own failure is the one reported if first.
                    await pending.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    throw;
                }

                if (expectedLength is { } expected && length != expected)
                {
                    throw new BlobLengthException(expected, length);
                }

                RandomAccess.FlushToDisk(file);
            }

            var final = PathOf(blobId);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(temporary, final);
            DirectorySync.Fsync(Path.GetDirectoryName(final)!);
            return new BlobWritten(blobId, length, Convert.ToHexStringLower(md5.GetHashAndReset()), sha256 is null ? null : Convert.ToHexStringLower(sha256.GetHashAndReset()));
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (second is not null)
            {
                ArrayPool<byte>.Shared.Return(second);
            }
        }
    }

    public Stream? OpenRead(string blobId, long offset = 0)
    {
        if (!IsBlobId(blobId))
        {
            return null;
        }

        try
        {
            // Unbuffered and synchronous: readers pass buffers of their own (the response's), so a FileStream buffer
            // would only add a copy and, at 1 MiB, a large-object-heap allocation per GET; a page-cache read
            // completes inline instead of hopping to the thread pool (which Linux file "async" I/O does anyway).
            var stream = new FileStream(PathOf(blobId), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 0, FileOptions.SequentialScan);
            stream.Seek(offset, SeekOrigin.Begin);
            return stream;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void Delete(string blobId)
    {
        if (IsBlobId(blobId))
        {
            File.Delete(PathOf(blobId));
        }
    }

    public int ReclaimUnfinished(DateTimeOffset olderThan)
    {
        var reclaimed = 0;
        foreach (var file in Directory.EnumerateFiles(_incoming, "*.part"))
        {
            if (File.GetLastWriteTimeUtc(file) < olderThan.UtcDateTime)
            {
                File.Delete(file);
                reclaimed++;
            }
        }

        return reclaimed;
    }

    public IEnumerable<(string BlobId, long Length)> ListFinished(DateTimeOffset olderThan)
    {
        foreach (var file in new DirectoryInfo(_blobs).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            if (IsBlobId(file.Name) && file.LastWriteTimeUtc < olderThan.UtcDateTime)
            {
                yield return (file.Name, file.Length);
            }
        }
    }

    /// <summary>Two levels of fan-out keep directories small with millions of blobs.</summary>
    private string PathOf(string blobId) => Path.Combine(_blobs, blobId[..2], blobId[2..4], blobId);

    private static bool IsBlobId(string blobId) => blobId.Length == 32 && blobId.All(char.IsAsciiHexDigitLower);
}

/// <summary>The body was shorter or longer than declared: the write is refused and leaves nothing.</summary>
internal sealed class BlobLengthException(long expected, long actual)
    : IOException($"The body has {actual} bytes where {expected} were declared.")
{
    public long Expected { get; } = expected;

    public long Actual { get; } = actual;
}
