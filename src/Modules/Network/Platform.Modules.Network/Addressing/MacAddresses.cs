using System.Security.Cryptography;

namespace Platform.Modules.Network.Addressing;

/// <summary>MAC addresses for interfaces: random, unicast and locally administered (first octet 02), as AWS's ENIs.</summary>
internal static class MacAddresses
{
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[6];
        RandomNumberGenerator.Fill(bytes);
        bytes[0] = 0x02;
        return string.Join(':', bytes.ToArray().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }
}
