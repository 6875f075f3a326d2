using Microsoft.Extensions.Options;
using Platform.Modules.Network.Addressing;

namespace Platform.Modules.Network.ElasticIps;

/// <summary>The operator's public address pool, checked once: which addresses may become elastic IPs.</summary>
internal sealed class PublicAddressPool
{
    private PublicAddressPool(Ipv4Cidr network, uint gateway, uint first, uint last, int perAccountLimit)
    {
        Network = network;
        Gateway = gateway;
        First = first;
        Last = last;
        PerAccountLimit = perAccountLimit;
    }

    public Ipv4Cidr Network { get; }

    public uint Gateway { get; }

    public uint First { get; }

    public uint Last { get; }

    public int PerAccountLimit { get; }

    public long Count => (long)Last - First + 1 - (Contains(Gateway) ? 1 : 0);

    public bool Contains(uint address) => address >= First && address <= Last && address != Gateway;

    /// <summary>The pool the options describe; null when none is configured; an error naming the bad setting otherwise.</summary>
    public static PublicAddressPool? From(PublicAddressOptions options, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(options.Cidr))
        {
            return null;
        }

        const string Section = "Network:PublicAddresses";
        if (!Ipv4Cidr.TryParse(options.Cidr, out var network) || network.PrefixLength is < 8 or > 30)
        {
            error = $"{Section}:Cidr ({options.Cidr}) must be an IPv4 network from /8 to /30, e.g. 198.51.100.0/24.";
            return null;
        }

        if (!Ipv4.TryParse(options.Gateway, out var gateway) || !network.Contains(gateway) || gateway == network.First || gateway == network.Last)
        {
            error = $"{Section}:Gateway ({options.Gateway}) must be a host address of {network}: the provider network's router.";
            return null;
        }

        var first = network.First + 1;
        var last = network.Last - 1;
        if (options.FirstAddress is not null && !(Ipv4.TryParse(options.FirstAddress, out first) && network.Contains(first)))
        {
            error = $"{Section}:FirstAddress ({options.FirstAddress}) must be an address of {network}.";
            return null;
        }

        if (options.LastAddress is not null && !(Ipv4.TryParse(options.LastAddress, out last) && network.Contains(last)))
        {
            error = $"{Section}:LastAddress ({options.LastAddress}) must be an address of {network}.";
            return null;
        }

        if (first > last || first == network.First || last == network.Last)
        {
            error = $"{Section}: the range {Ipv4.Format(first)}-{Ipv4.Format(last)} must be host addresses of {network}, first before last.";
            return null;
        }

        return new PublicAddressPool(network, gateway, first, last, options.PerAccountLimit);
    }

    /// <summary>The configured pool, or null when the operator configured none.</summary>
    public static PublicAddressPool? From(IOptions<NetworkOptions> options) =>
        From(options.Value.PublicAddresses, out var error) ?? (error is null ? null : throw new InvalidOperationException(error));
}
