using System.Text;

namespace Platform.Modules.Storage.Objects;

/// <summary>
/// S3's limit on user-defined metadata (x-amz-meta-*): 2 KB, counted as the UTF-8 bytes of every name (without its
/// x-amz-meta- prefix) and value. The standard headers kept with an object (Cache-Control, ...) do not count.
/// </summary>
internal static class UserMetadata
{
    public const string Prefix = "x-amz-meta-";
    public const int MaxBytes = 2048;

    public static void Validate(IReadOnlyDictionary<string, string> metadata)
    {
        var size = 0;
        foreach (var (name, value) in metadata)
        {
            if (name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            {
                size += Encoding.UTF8.GetByteCount(name.AsSpan(Prefix.Length)) + Encoding.UTF8.GetByteCount(value);
            }
        }

        if (size > MaxBytes)
        {
            throw S3Errors.MetadataTooLarge();
        }
    }
}
