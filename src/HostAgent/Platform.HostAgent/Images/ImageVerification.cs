using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Images;

/// <summary>
/// An image this host will not use: its bytes do not match the SHA-256 the API recorded, or it is not a standalone
/// qcow2 image. Fetching it again cannot help, so the instances waiting for it fail.
/// </summary>
public sealed class ImageRejectedException(string message) : Exception(message);

/// <summary>Reads through to another stream, computing the SHA-256 of every byte read.</summary>
internal sealed class HashingStream(Stream inner) : ReadOnlyStream
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesRead { get; private set; }

    /// <summary>The digest of what was read so far, lower-case hex.</summary>
    public string Sha256() => Convert.ToHexStringLower(_sha.GetCurrentHash());

    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer) => Hash(buffer[..inner.Read(buffer)]);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        return Hash(buffer.Span[..read]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Hash(ReadOnlySpan<byte> read)
    {
        _sha.AppendData(read);
        BytesRead += read.Length;
        return read.Length;
    }
}

internal static class ImageDigests
{
    /// <summary>The SHA-256 the API recorded for a part; an image without one is not used (its bytes cannot be checked).</summary>
    public static string Expected(GuestImage image, string part) =>
        image.Sha256?.GetValueOrDefault(part) is { Length: 64 } digest
            ? digest.ToLowerInvariant()
            : throw new ImageRejectedException($"The API recorded no SHA-256 for {image.ImageId}/{part}; its bytes cannot be checked.");

    public static void Verify(GuestImage image, string part, HashingStream read)
    {
        var expected = Expected(image, part);
        var actual = read.Sha256();
        if (actual != expected)
        {
            throw new ImageRejectedException(
                $"The bytes of {image.ImageId}/{part} do not match the SHA-256 the API recorded ({read.BytesRead} bytes, SHA-256 {actual}, expected {expected}).");
        }
    }
}

/// <summary>
/// What qemu-img says of a downloaded disk image, checked before anything uses it: a qcow2 image that stands alone.
/// A backing file or an external data file would make the guest's disk read (or write) a file of the host's
/// choosing: another tenant's disk, or the host's own. The API refuses such uploads already; this is the second line.
/// </summary>
internal static class Qcow2Inspection
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <returns>The image's virtual size in bytes.</returns>
    public static async Task<long> EnsureStandaloneAsync(string path, CancellationToken cancellationToken)
    {
        // As nova does for untrusted images: a crafted header must not make qemu-img take the host's memory or CPU.
        var start = new ProcessStartInfo("prlimit")
        {
            ArgumentList = { "--as=1073741824", "--cpu=30", "qemu-img", "info", "--output=json", "-f", "qcow2", "-U", path },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("qemu-img could not be started.");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var errors = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new ImageRejectedException($"qemu-img did not finish reading the image's header within {Deadline.TotalSeconds:0} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new ImageRejectedException($"The disk is not a qcow2 image qemu-img can open: {(await errors).Trim()}");
        }

        return Check(await output);
    }

    /// <summary>Reads <c>qemu-img info --output=json</c>.</summary>
    internal static long Check(string json)
    {
        using var document = JsonDocument.Parse(json);
        var info = document.RootElement;
        if (info.GetProperty("format").GetString() != "qcow2")
        {
            throw new ImageRejectedException($"The disk is {info.GetProperty("format").GetString()}, not qcow2.");
        }

        if (info.TryGetProperty("backing-filename", out var backing) || info.TryGetProperty("full-backing-filename", out backing))
        {
            throw new ImageRejectedException($"The disk has a backing file ({backing.GetString()}); only standalone images are used.");
        }

        if (info.TryGetProperty("format-specific", out var specific) && specific.TryGetProperty("data", out var data))
        {
            if (data.TryGetProperty("data-file", out var dataFile))
            {
                throw new ImageRejectedException($"The disk keeps its data in an external file ({dataFile.GetString()}); only standalone images are used.");
            }

            if (data.TryGetProperty("encrypt", out _))
            {
                throw new ImageRejectedException("The disk is encrypted; the host has no key to boot it.");
            }
        }

        if (info.TryGetProperty("encrypted", out var encrypted) && encrypted.ValueKind == JsonValueKind.True)
        {
            throw new ImageRejectedException("The disk is encrypted; the host has no key to boot it.");
        }

        var size = info.GetProperty("virtual-size").GetInt64();
        return size > 0 ? size : throw new ImageRejectedException("The disk has no virtual size.");
    }
}
