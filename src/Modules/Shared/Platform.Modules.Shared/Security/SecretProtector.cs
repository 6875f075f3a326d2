using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Shared.Security;

/// <summary>Encrypts secrets at rest (secret access keys, host credentials).</summary>
public interface ISecretProtector
{
    /// <param name="context">What the secret belongs to (an access key id); a ciphertext moved to another row fails to open.</param>
    string Protect(string plaintext, string context);

    string Unprotect(string protectedValue, string context);
}

/// <summary>AES-256-GCM under the platform master key; the format is version, nonce, tag, ciphertext in base64.</summary>
public sealed class AesGcmSecretProtector : ISecretProtector
{
    private const byte FormatVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public AesGcmSecretProtector(IOptions<PlatformOptions> options)
    {
        _key = MasterKey.Load(options.Value);
    }

    public string Protect(string plaintext, string context)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[1 + NonceSize + TagSize + plain.Length];
        output[0] = FormatVersion;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(1 + NonceSize + TagSize), output.AsSpan(1 + NonceSize, TagSize), Encoding.UTF8.GetBytes(context));
        return Convert.ToBase64String(output);
    }

    public string Unprotect(string protectedValue, string context)
    {
        var input = Convert.FromBase64String(protectedValue);
        if (input.Length < 1 + NonceSize + TagSize || input[0] != FormatVersion)
        {
            throw new CryptographicException("The protected value has an unknown format.");
        }

        var plain = new byte[input.Length - 1 - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(input.AsSpan(1, NonceSize), input.AsSpan(1 + NonceSize + TagSize), input.AsSpan(1 + NonceSize, TagSize), plain, Encoding.UTF8.GetBytes(context));
        return Encoding.UTF8.GetString(plain);
    }
}

/// <summary>The platform master key: from configuration, or generated once into the data directory.</summary>
public static class MasterKey
{
    public const string FileName = "master.key";

    public static byte[] Load(PlatformOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.MasterKey))
        {
            var configured = Convert.FromBase64String(options.MasterKey);
            return configured.Length == 32
                ? configured
                : throw new InvalidOperationException($"{PlatformOptions.SectionName}:MasterKey must be the base64 of exactly 32 bytes.");
        }

        var path = Path.Combine(options.DataDirectory, "keys", FileName);
        if (File.Exists(path))
        {
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }

        var key = RandomNumberGenerator.GetBytes(32);

        // Two processes starting at once must end with one key: the first rename wins, the other reads it.
        return PrivateFile.Write(path, Encoding.ASCII.GetBytes(Convert.ToBase64String(key)), overwrite: false)
            ? key
            : Convert.FromBase64String(File.ReadAllText(path).Trim());
    }
}
