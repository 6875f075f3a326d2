using System.Security.Cryptography;

namespace Platform.Modules.Shared.Ids;

/// <summary>Random identifiers in the shapes AWS uses (<c>i-0123456789abcdef0</c>, <c>AKIA...</c>).</summary>
public static class ResourceIds
{
    private const string UpperAlphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>A prefix, a dash and 17 lowercase hex digits, as EC2's resource ids.</summary>
    public static string New(string prefix) => $"{prefix}-{RandomNumberGenerator.GetHexString(17, lowercase: true)}";

    /// <summary>An IAM-style unique id: a four-letter prefix (AKIA, AIDA, ANPA) and 16 upper-case characters.</summary>
    public static string NewIamId(string prefix) => prefix + RandomNumberGenerator.GetString(UpperAlphanumeric, 16);

    /// <summary>A 12-digit account id that does not start with 0.</summary>
    public static string NewAccountId() =>
        RandomNumberGenerator.GetInt32(1, 10).ToString(System.Globalization.CultureInfo.InvariantCulture)
        + RandomNumberGenerator.GetString("0123456789", 11);

    /// <summary>A secret of 40 characters from the base64 alphabet, as AWS secret access keys.</summary>
    public static string NewSecret() =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);

    /// <summary>A request id as S3 prints them: 16 upper-case hex digits.</summary>
    public static string NewRequestId() => RandomNumberGenerator.GetHexString(16);
}
