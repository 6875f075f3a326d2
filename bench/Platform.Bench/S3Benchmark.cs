using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Platform.Bench;

/// <summary>
/// S3 throughput beside the raw disk, in one run: PUT and GET of 1 MiB and 64 MiB objects, 4 KiB PUTs and GETs per
/// second at 16 concurrent clients, time to first byte of a small object; and the same bytes written (fsynced) and
/// read as plain files in the directory the blobs live in. Prints one JSON document.
/// </summary>
internal static partial class S3Benchmark
{
    public static async Task<int> RunAsync(Dictionary<string, string> options)
    {
        var endpoint = options.Get("endpoint");
        var disk = options.Get("disk-directory");
        var seconds = double.Parse(options.Get("seconds", "10"), CultureInfo.InvariantCulture);
        var clients = int.Parse(options.Get("clients", "16"), CultureInfo.InvariantCulture);
        // --phases large,small (both by default): one alone when profiling a single path.
        // --server-pid: the API's process, so each phase also reports the server's CPU time per operation (a figure
        // that other load on the machine disturbs far less than throughput).
        var serverPid = options.TryGetValue("server-pid", out var pidText) ? int.Parse(pidText, CultureInfo.InvariantCulture) : (int?)null;
        // --evict-directory: the API's data directory. Its blobs and the raw files are dropped from the page cache
        // (posix_fadvise DONTNEED, both sides alike) before a second, cold read of each, so GET is also compared
        // with reading the disk itself rather than with a copy out of memory.
        var evict = options.TryGetValue("evict-directory", out var evictDirectory) ? evictDirectory : null;
        var phases = options.Get("phases", "large,small").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Directory.CreateDirectory(disk);
        var config = new AmazonS3Config
        {
            ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0,
            Timeout = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 64,
            // Plain HTTP on loopback: the body's SHA-256 is signed, so the server checks every byte.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED, ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        using var s3 = new AmazonS3Client(new BasicAWSCredentials(options.Get("access-key"), options.Get("secret-key")), config);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromMinutes(5) };
        const string bucket = "bench";
        try
        {
            await s3.PutBucketAsync(bucket);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "BucketAlreadyOwnedByYou")
        {
        }

        var results = new Dictionary<string, object>();
        foreach (var (label, size, count) in phases.Contains("large") ? new[] { ("1mib", 1 << 20, 64), ("64mib", 64 << 20, 4) } : [])
        {
            var payload = new byte[size];
            Random.Shared.NextBytes(payload);
            var (diskWrite, diskRead) = await DiskThroughputAsync(disk, payload, count);
            var cpu = CpuSeconds(serverPid);
            var put = await TimedAsync(count, i => PutAsync(http, Url(s3, bucket, $"{label}/{i}", HttpVerb.PUT), payload));
            var putCpu = CpuSeconds(serverPid) - cpu;
            var buffer = new byte[1 << 20];
            cpu = CpuSeconds(serverPid);
            var get = await TimedAsync(count, i => GetAsync(http, Url(s3, bucket, $"{label}/{i}", HttpVerb.GET), buffer));
            var getCpu = CpuSeconds(serverPid) - cpu;
            double? coldDiskRead = null, coldGet = null;
            if (evict is not null)
            {
                Evict(disk);
                coldDiskRead = await TimedAsync(count, i => ReadFileAsync(Path.Combine(disk, $"raw-{i}"), buffer));
                Evict(evict);
                coldGet = await TimedAsync(count, i => GetAsync(http, Url(s3, bucket, $"{label}/{i}", HttpVerb.GET), buffer));
            }

            var mib = (double)size * count / (1 << 20);
            results[label] = new
            {
                objects = count,
                put_mib_s = Math.Round(mib / put, 1), get_mib_s = Math.Round(mib / get, 1),
                disk_write_mib_s = Math.Round(mib / diskWrite, 1), disk_read_mib_s = Math.Round(mib / diskRead, 1),
                server_cpu_ms_per_put = Math.Round(1000 * putCpu / count, 2), server_cpu_ms_per_get = Math.Round(1000 * getCpu / count, 2),
                cold_get_mib_s = coldGet is { } g ? Math.Round(mib / g, 1) : (double?)null,
                cold_disk_read_mib_s = coldDiskRead is { } d ? Math.Round(mib / d, 1) : (double?)null,
            };
        }

        if (!phases.Contains("small"))
        {
            Console.WriteLine(JsonSerializer.Serialize(results));
            return 0;
        }

        var small = new byte[4096];
        Random.Shared.NextBytes(small);
        // Each client overwrites its own 200 keys in turn; GETs read only keys that were written.
        var written = new int[clients];
        var putUrls = Enumerable.Range(0, clients).Select(c => Enumerable.Range(0, 200).Select(k => Url(s3, bucket, $"small/{c}/{k}", HttpVerb.PUT)).ToArray()).ToArray();
        var getUrls = Enumerable.Range(0, clients).Select(c => Enumerable.Range(0, 200).Select(k => Url(s3, bucket, $"small/{c}/{k}", HttpVerb.GET)).ToArray()).ToArray();
        // Warm-up, not measured: the first requests of a path pay for JIT compilation and connection set-up.
        await OpsPerSecondAsync(clients, Math.Min(2, seconds), async (client, n) =>
        {
            await PutAsync(http, putUrls[client][n % 200], small);
            await GetAsync(http, getUrls[client][n % 200], new byte[8192]);
            written[client] = Math.Max(written[client], Math.Min(200, n + 1));
        });
        var smallCpu = CpuSeconds(serverPid);
        var puts = await OpsPerSecondAsync(clients, seconds, async (client, n) =>
        {
            await PutAsync(http, putUrls[client][n % 200], small);
            written[client] = Math.Max(written[client], Math.Min(200, n + 1));
        });
        var putsCpu = CpuSeconds(serverPid) - smallCpu;
        smallCpu = CpuSeconds(serverPid);
        var gets = await OpsPerSecondAsync(clients, seconds, (client, n) => GetAsync(http, getUrls[client][n % written[client]], new byte[8192]));
        var getsCpu = CpuSeconds(serverPid) - smallCpu;
        var diskSmallWrites = await OpsPerSecondAsync(clients, seconds, (client, n) =>
        {
            var path = Path.Combine(disk, $"small-{client}-{n % 200}");
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1))
            {
                file.Write(small);
                file.Flush(flushToDisk: true);
            }

            return Task.CompletedTask;
        });
        // What one durable PUT of a new blob asks of the filesystem at the least: a new file written and fsynced, renamed
        // into a directory of its own, and that directory fsynced (the store's fan-out puts each blob in its own).
        var diskDurableCreates = await OpsPerSecondAsync(clients, seconds, (client, n) =>
        {
            var directory = Path.Combine(disk, "durable", $"{client}-{n % 200}");
            Directory.CreateDirectory(directory);
            var temporary = Path.Combine(disk, $"durable-{client}.part");
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1))
            {
                file.Write(small);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, Path.Combine(directory, "blob"), overwrite: true);
            var descriptor = Open(directory, 0);
            if (descriptor < 0 || Fsync(descriptor) < 0)
            {
                throw new IOException($"Cannot fsync {directory}.");
            }

            _ = Close(descriptor);

            return Task.CompletedTask;
        });
        var ttfb = new List<double>();
        for (var i = 0; i < 500; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(getUrls[0][i % written[0]], HttpCompletionOption.ResponseHeadersRead);
            ttfb.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await (await response.Content.ReadAsStreamAsync()).CopyToAsync(Stream.Null);
        }

        ttfb.Sort();
        results["small"] = new
        {
            clients, seconds,
            put_per_s = Math.Round(puts), get_per_s = Math.Round(gets), disk_fsynced_writes_per_s = Math.Round(diskSmallWrites),
            disk_durable_creates_per_s = Math.Round(diskDurableCreates),
            server_cpu_ms_per_put = Math.Round(1000 * putsCpu / (puts * seconds), 3), server_cpu_ms_per_get = Math.Round(1000 * getsCpu / (gets * seconds), 3),
            ttfb_p50_ms = Math.Round(ttfb[ttfb.Count / 2], 2), ttfb_p99_ms = Math.Round(ttfb[(int)(ttfb.Count * 0.99)], 2),
        };
        foreach (var file in Directory.EnumerateFiles(disk))
        {
            File.Delete(file);
        }

        if (Directory.Exists(Path.Combine(disk, "durable")))
        {
            Directory.Delete(Path.Combine(disk, "durable"), recursive: true);
        }

        Console.WriteLine(JsonSerializer.Serialize(results));
        return 0;
    }

    /// <summary>
    /// A presigned URL, signed by the AWS SDK on the client (UNSIGNED-PAYLOAD, as S3 clients sign over TLS), so the
    /// transfer itself runs over a plain HttpClient: the SDK's own response handling costs more CPU than the server.
    /// </summary>
    private static string Url(AmazonS3Client s3, string bucket, string key, HttpVerb verb) => s3.GetPreSignedURL(new GetPreSignedUrlRequest
    {
        BucketName = bucket, Key = key, Verb = verb, Expires = DateTime.UtcNow.AddHours(1), Protocol = Protocol.HTTP,
    });

    private static async Task PutAsync(HttpClient http, string url, byte[] payload)
    {
        using var response = await http.PutAsync(url, new ByteArrayContent(payload));
        response.EnsureSuccessStatusCode();
    }

    private static async Task GetAsync(HttpClient http, string url, byte[] buffer)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        while (await body.ReadAsync(buffer) > 0)
        {
        }
    }

    /// <summary>The raw disk: each object's bytes written to a file and fsynced, then read back, one after another.</summary>
    private static async Task<(double Write, double Read)> DiskThroughputAsync(string directory, byte[] payload, int count)
    {
        var write = await TimedAsync(count, async i =>
        {
            await using var file = new FileStream(Path.Combine(directory, $"raw-{i}"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            for (var offset = 0; offset < payload.Length; offset += 1 << 20)
            {
                await file.WriteAsync(payload.AsMemory(offset, Math.Min(1 << 20, payload.Length - offset)));
            }

            file.Flush(flushToDisk: true);
        });
        var buffer = new byte[1 << 20];
        var read = await TimedAsync(count, i => ReadFileAsync(Path.Combine(directory, $"raw-{i}"), buffer));
        return (write, read);
    }

    /// <summary>A raw read with the hint the blob store gives its own reads (sequential: the kernel reads further ahead).</summary>
    private static async Task ReadFileAsync(string path, byte[] buffer)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        while (await file.ReadAsync(buffer) > 0)
        {
        }
    }

    /// <summary>Drops every file under the directory from the page cache (the files are fsynced, so clean).</summary>
    private static void Evict(string directory)
    {
        foreach (var path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            using var file = File.OpenHandle(path);
            _ = PosixFadvise(file, 0, 0, 4 /* POSIX_FADV_DONTNEED */);
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "open", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int descriptor);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long length, int advice);

    /// <summary>User plus system CPU seconds the process has used (Linux /proc), 0 without a process.</summary>
    private static double CpuSeconds(int? pid)
    {
        if (pid is null)
        {
            return 0;
        }

        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) state".
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static async Task<double> TimedAsync(int count, Func<int, Task> operation)
    {
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            await operation(i);
        }

        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task<double> OpsPerSecondAsync(int clients, double seconds, Func<int, int, Task> operation)
    {
        var stop = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var counts = new long[clients];
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var n = 0;
            while (Stopwatch.GetTimestamp() < stop)
            {
                await operation(client, n++);
            }

            counts[client] = n;
        })));
        return counts.Sum() / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
