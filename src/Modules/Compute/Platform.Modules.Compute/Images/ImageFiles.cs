using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared.Durability;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Compute.Images;

internal sealed record StoredPart(long Size, string Sha256);

/// <summary>
/// Image parts on the API's disk (<c>&lt;data&gt;/compute/images/&lt;image&gt;/&lt;part&gt;</c>): streamed to a
/// temporary file, hashed on the way, fsynced and renamed into place, so a part is whole or absent.
/// </summary>
internal sealed class ImageFiles(IOptions<PlatformOptions> platform)
{
    private string Root => Path.Combine(platform.Value.DataDirectory, "compute", "images");

    public string PathOf(string imageId, string part) => Path.Combine(Root, imageId, part);

    /// <param name="check">Looks at the whole part (in its temporary file) before it is kept; throws to refuse it.</param>
    public async Task<StoredPart> StoreAsync(string imageId, string part, Stream body, long maxBytes, string? expectedSha256, CancellationToken cancellationToken,
        Action<string>? check = null)
    {
        var directory = Path.Combine(Root, imageId);
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{part}.{Guid.NewGuid():N}.part");
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    if ((size += read) > maxBytes)
                    {
                        throw new ApiException(413, "RequestEntityTooLarge", $"An image part must not exceed {maxBytes} bytes.");
                    }

                    sha.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            var digest = Convert.ToHexStringLower(sha.GetHashAndReset());
            if (expectedSha256 is not null && expectedSha256 != digest)
            {
                throw new ApiException(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
            }

            if (size == 0)
            {
                throw ApiErrors.InvalidParameterValue($"The image part '{part}' is empty.");
            }

            check?.Invoke(temporary);

            File.Move(temporary, PathOf(imageId, part), overwrite: true);
            DirectorySync.Fsync(directory);
            return new StoredPart(size, digest);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public void Delete(string imageId)
    {
        var directory = Path.Combine(Root, imageId);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
