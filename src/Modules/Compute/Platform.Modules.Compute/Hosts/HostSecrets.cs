using System.Security.Cryptography;
using System.Text;

namespace Platform.Modules.Compute.Hosts;

/// <summary>Join tokens and host secrets: random, shown once, kept only as SHA-256.</summary>
internal static class HostSecrets
{
    public static string NewJoinToken() => "pjt_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string NewHostSecret() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool Matches(string secret, string expectedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(expectedHash));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
