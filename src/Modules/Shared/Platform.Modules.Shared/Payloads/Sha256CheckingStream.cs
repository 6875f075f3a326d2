using System.Security.Cryptography;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.Payloads;

/// <summary>
/// Passes a body through unchanged while hashing it, and fails at its end when the SHA-256 is not the one
/// the client signed (x-amz-content-sha256), so a reader that stores it can drop what it wrote.
/// </summary>
public sealed class Sha256CheckingStream(Stream inner, string expectedHex) : ReadOnlyStream
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _checked;

    public override int Read(Span<byte> buffer) => ReadThroughAsync(buffer);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        if (read > 0)
        {
            _sha.AppendData(buffer.Span[..read]);
        }
        else if (!_checked && buffer.Length > 0)
        {
            _checked = true;
            if (!string.Equals(Convert.ToHexStringLower(_sha.GetHashAndReset()), expectedHex, StringComparison.OrdinalIgnoreCase))
            {
                throw new ApiException(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
            }
        }

        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha.Dispose();
        }

        base.Dispose(disposing);
    }
}
