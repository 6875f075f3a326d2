using System.Text;

namespace Platform.Modules.Storage.Objects;

/// <summary>S3's rule for keys: 1 to 1,024 bytes of UTF-8.</summary>
internal static class ObjectKey
{
    public const int MaxBytes = 1024;

    public static void Validate(string key)
    {
        if (key.Length == 0)
        {
            throw S3Errors.InvalidArgument("The object key must not be empty.");
        }

        if (Encoding.UTF8.GetByteCount(key) > MaxBytes)
        {
            throw S3Errors.KeyTooLong();
        }
    }
}
