using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Platform.Modules.Network.Addressing;

/// <summary>IPv4 addresses as 32-bit numbers in host order, so arithmetic on them is plain integer arithmetic.</summary>
internal static class Ipv4
{
    /// <summary>Strict dotted-quad: four decimal octets, no leading zeros (01 could be read as octal elsewhere), no spaces.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out uint address)
    {
        address = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0') || !part.All(char.IsAsciiDigit))
            {
                return false;
            }

            var octet = int.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture);
            if (octet > 255)
            {
                return false;
            }

            address = (address << 8) | (uint)octet;
        }

        return true;
    }

    public static string Format(uint address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}");
}

/// <summary>An IPv4 block: a network address with no host bits set, and a prefix length 0–32.</summary>
internal readonly record struct Ipv4Cidr
{
    public Ipv4Cidr(uint network, int prefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 32);
        if ((network & MaskOf(prefixLength)) != network)
        {
            throw new ArgumentException($"{Ipv4.Format(network)}/{prefixLength} has host bits set.", nameof(network));
        }

        Network = network;
        PrefixLength = prefixLength;
    }

    public uint Network { get; }

    public int PrefixLength { get; }

    public uint Mask => MaskOf(PrefixLength);

    /// <summary>How many addresses the block holds (2^(32-prefix)); a long because /0 holds 2^32.</summary>
    public long Size => 1L << (32 - PrefixLength);

    public uint First => Network;

    public uint Last => Network | ~Mask;

    public static uint MaskOf(int prefixLength) => prefixLength == 0 ? 0u : uint.MaxValue << (32 - prefixLength);

    /// <summary>Parses <c>a.b.c.d/n</c>; a block with host bits set (10.0.0.1/16) is not a CIDR block and fails.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv4Cidr cidr)
    {
        cidr = default;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash < 0)
        {
            return false;
        }

        var prefixText = text![(slash + 1)..];
        if (prefixText.Length is 0 or > 2 || (prefixText.Length > 1 && prefixText[0] == '0') || !prefixText.All(char.IsAsciiDigit))
        {
            return false;
        }

        var prefix = int.Parse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture);
        if (prefix > 32 || !Ipv4.TryParse(text[..slash], out var address) || (address & MaskOf(prefix)) != address)
        {
            return false;
        }

        cidr = new Ipv4Cidr(address, prefix);
        return true;
    }

    public bool Contains(uint address) => (address & Mask) == Network;

    public bool Contains(Ipv4Cidr other) => other.PrefixLength >= PrefixLength && Contains(other.Network);

    /// <summary>Two CIDR blocks either nest or are disjoint, so one containing the other's start is the whole test.</summary>
    public bool Overlaps(Ipv4Cidr other) => Contains(other.Network) || other.Contains(Network);

    public override string ToString() => $"{Ipv4.Format(Network)}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";
}
