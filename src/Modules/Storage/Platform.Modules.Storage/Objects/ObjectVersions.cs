using System.Buffers.Text;
using System.Security.Cryptography;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Objects;

/// <summary>
/// Version ids as S3 gives them: an opaque 32-character URL-safe id for each version a versioning-enabled bucket keeps,
/// and "null" for the one version written while versioning was never enabled or is suspended.
/// </summary>
internal static class ObjectVersions
{
    public const string Null = "null";
    public const string Enabled = "Enabled";
    public const string Suspended = "Suspended";
    private const int IdLength = 32;

    /// <summary>The id of a new version of <paramref name="bucket"/>: a fresh one when versioning is enabled, else null (the null version).</summary>
    public static string? NewIdFor(Bucket bucket) => bucket.Versioning == Enabled ? NewId() : null;

    public static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(IdLength * 3 / 4));

    /// <summary>The id as S3 writes it (the stored null is "null").</summary>
    public static string Wire(string? versionId) => versionId ?? Null;

    /// <summary>The stored form of a wire id ("null" is SQL NULL in s3_objects).</summary>
    public static string? Stored(string versionId) => versionId == Null ? null : versionId;

    /// <summary>S3 refuses a version id that cannot be one of its own with InvalidArgument, and answers NoSuchVersion for one that could.</summary>
    public static void Validate(string? versionId)
    {
        if (versionId is null or Null)
        {
            return;
        }

        if (versionId.Length != IdLength || !versionId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw S3Errors.InvalidVersionId();
        }
    }
}
