using System.Net;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Storage.Buckets;

/// <summary>S3's naming rules for general purpose buckets, so a name valid here is valid on AWS and back.</summary>
internal static class BucketName
{
    private static readonly string[] ReservedPrefixes = ["xn--", "sthree-", "amzn-s3-demo-"];
    private static readonly string[] ReservedSuffixes = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

    public static bool IsValid(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-')
        && char.IsAsciiLetterOrDigit(name[0])
        && char.IsAsciiLetterOrDigit(name[^1])
        && !name.Contains("..", StringComparison.Ordinal)
        && !IsIpAddress(name)
        && !ReservedPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))
        && !ReservedSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal));

    /// <summary>Throws S3's InvalidBucketName (400) for a name that breaks the rules.</summary>
    public static void Validate(string name)
    {
        if (!IsValid(name))
        {
            throw new ApiException(400, "InvalidBucketName", "The specified bucket is not valid.");
        }
    }

    private static bool IsIpAddress(string name) =>
        name.Count(c => c == '.') == 3 && IPAddress.TryParse(name, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
}
