using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platform.HostAgent.Metadata;

/// <summary>
/// IMDSv2 session tokens: "expiry.mac", the MAC an HMAC-SHA256 under this agent's key over the instance id and the expiry,
/// so a token is good only for the instance it was issued to and only until it expires. Nothing is stored per token. The key
/// lives in the state directory (0600) and outlives agent restarts, so tokens stay valid across one; clients would cope
/// anyway (botocore's IMDS fetcher asks for a new token for every credential refresh, and the SDKs fetch one again on 401).
/// </summary>
public sealed class MetadataTokens(byte[] key, TimeProvider clock)
{
    public const int MinTtlSeconds = 1;
    public const int MaxTtlSeconds = 21600;

    /// <summary>Longer than any token this class issues: longer header values are not even parsed.</summary>
    private const int MaxTokenLength = 128;

    /// <summary>The key at <paramref name="path"/>, made (32 random bytes, 0600) if there is none.</summary>
    public static MetadataTokens Load(string path, TimeProvider clock)
    {
        if (!File.Exists(path))
        {
            var fresh = RandomNumberGenerator.GetBytes(32);
            var temporary = path + ".tmp";
            using (var stream = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                stream.Write(fresh);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: false);
        }

        var key = File.ReadAllBytes(path);
        return key.Length >= 32 ? new MetadataTokens(key, clock) : throw new InvalidDataException($"{path}: the metadata token key is too short");
    }

    public string Issue(string instanceId, int ttlSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ttlSeconds, MinTtlSeconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ttlSeconds, MaxTtlSeconds);
        var expiry = clock.GetUtcNow().ToUnixTimeSeconds() + ttlSeconds;
        return expiry.ToString(CultureInfo.InvariantCulture) + "." + Base64Url(Mac(instanceId, expiry));
    }

    /// <summary>True when <paramref name="token"/> was issued by this agent's key to <paramref name="instanceId"/> and has not expired.</summary>
    public bool IsValid(string? token, string instanceId)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return false;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot < 1 || !long.TryParse(token.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
            || expiry <= clock.GetUtcNow().ToUnixTimeSeconds())
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Base64Url(Mac(instanceId, expiry)));
        var given = Encoding.ASCII.GetBytes(token[(dot + 1)..]);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private byte[] Mac(string instanceId, long expiry) =>
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"imds-token\n{instanceId}\n{expiry.ToString(CultureInfo.InvariantCulture)}"));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
