using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.KeyPairs;

/// <summary>An OpenSSH public key line (<c>ssh-ed25519 AAAA… comment</c>), checked and fingerprinted as EC2 does.</summary>
internal sealed record SshPublicKey(string KeyType, string Line, string Fingerprint)
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        ["ssh-rsa"] = "rsa",
        ["ssh-ed25519"] = "ed25519",
    };

    public static SshPublicKey Parse(string? material)
    {
        var fields = (material ?? "").Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 2 || !Types.TryGetValue(fields[0], out var keyType))
        {
            throw InvalidFormat("Key is not in valid OpenSSH public key format (ssh-rsa or ssh-ed25519)");
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(fields[1]);
        }
        catch (FormatException)
        {
            throw InvalidFormat("Key is not in valid OpenSSH public key format");
        }

        // The blob starts with its own type name; a key labelled one type but holding another is refused.
        var nameLength = blob.Length < 4 ? -1 : (long)BinaryPrimitives.ReadUInt32BigEndian(blob);
        if (nameLength < 0 || nameLength > blob.Length - 4 || Encoding.ASCII.GetString(blob, 4, (int)nameLength) != fields[0])
        {
            throw InvalidFormat("Key is not in valid OpenSSH public key format");
        }

        if (keyType == "ed25519" && blob.Length != 4 + 11 + 4 + 32)
        {
            throw InvalidFormat("Key is not in valid OpenSSH public key format");
        }

        if (keyType == "rsa" && blob.Length < 256)
        {
            throw InvalidFormat("RSA keys must be at least 2048 bits");
        }

        // EC2: MD5 (RFC 4716) for imported RSA keys, SHA-256 base64 as OpenSSH prints it for ED25519.
        // MD5 names a key here, as EC2's fingerprints do; nothing relies on it resisting collisions.
#pragma warning disable CA5351
        var fingerprint = keyType == "rsa"
            ? string.Join(':', MD5.HashData(blob).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)))
            : Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');
#pragma warning restore CA5351
        return new SshPublicKey(keyType, $"{fields[0]} {fields[1]}", fingerprint);
    }

    private static ApiException InvalidFormat(string message) => new(400, "InvalidKey.Format", message);
}
