using Platform.Modules.Network.Addressing;

namespace Platform.Modules.Network.Tests.Addressing;

public sealed class Ipv4CidrTests
{
    [Theory]
    [InlineData("10.0.0.0/16", 0x0A000000u, 16)]
    [InlineData("172.31.16.0/20", 0xAC1F1000u, 20)]
    [InlineData("0.0.0.0/0", 0u, 0)]
    [InlineData("192.168.1.7/32", 0xC0A80107u, 32)]
    public void Given_a_valid_block_Then_it_parses_and_prints_back(string text, uint network, int prefix)
    {
        Assert.True(Ipv4Cidr.TryParse(text, out var cidr));
        Assert.Equal(network, cidr.Network);
        Assert.Equal(prefix, cidr.PrefixLength);
        Assert.Equal(text, cidr.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.1/16")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/016")]
    [InlineData("10.0.0/16")]
    [InlineData("10.0.0.0.0/16")]
    [InlineData("256.0.0.0/8")]
    [InlineData("010.0.0.0/8")]
    [InlineData(" 10.0.0.0/8")]
    [InlineData("10.0.0.0/")]
    [InlineData("a.b.c.d/8")]
    public void Given_a_malformed_block_Then_it_does_not_parse(string? text) => Assert.False(Ipv4Cidr.TryParse(text, out _));

    [Fact]
    public void Sizes_and_bounds_follow_the_prefix()
    {
        Assert.True(Ipv4Cidr.TryParse("10.0.1.0/24", out var cidr));
        Assert.Equal(256, cidr.Size);
        Assert.Equal("10.0.1.0", Ipv4.Format(cidr.First));
        Assert.Equal("10.0.1.255", Ipv4.Format(cidr.Last));
        Assert.Equal("10.0.1.1", Ipv4.Format(SubnetAddresses.Gateway(cidr)));
        Assert.Equal("10.0.1.4", Ipv4.Format(SubnetAddresses.FirstAssignable(cidr)));
        Assert.Equal("10.0.1.254", Ipv4.Format(SubnetAddresses.LastAssignable(cidr)));
        Assert.Equal(251, SubnetAddresses.AssignableCount(cidr));
        Assert.True(Ipv4Cidr.TryParse("0.0.0.0/0", out var all));
        Assert.Equal(1L << 32, all.Size);
        Assert.Equal(uint.MaxValue, all.Last);
    }

    /// <summary>Property: containment and overlap agree with a brute-force walk over the addresses, for random small blocks.</summary>
    [Fact]
    public void Property_contains_and_overlaps_agree_with_enumerating_addresses()
    {
        var random = new Random(20261125);
        for (var i = 0; i < 2000; i++)
        {
            // Blocks inside one /20 so they often touch, and small enough to enumerate.
            var a = RandomBlock(random, 0x0A000000u, 20, 32);
            var b = RandomBlock(random, 0x0A000000u, 20, 32);
            var aSet = Enumerable.Range(0, (int)a.Size).Select(k => a.Network + (uint)k).ToHashSet();
            var bAddresses = Enumerable.Range(0, (int)b.Size).Select(k => b.Network + (uint)k).ToList();

            Assert.Equal(bAddresses.Any(aSet.Contains), a.Overlaps(b));
            Assert.Equal(a.Overlaps(b), b.Overlaps(a));
            Assert.Equal(bAddresses.All(aSet.Contains), a.Contains(b));
            Assert.All(bAddresses, x => Assert.Equal(aSet.Contains(x), a.Contains(x)));
            Assert.True(Ipv4Cidr.TryParse(a.ToString(), out var again));
            Assert.Equal(a, again);
        }
    }

    [Fact]
    public void Property_any_address_with_host_bits_fails_to_parse_as_a_block()
    {
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var prefix = random.Next(0, 32);
            var address = (uint)random.NextInt64(0, 1L << 32);
            var aligned = (address & Ipv4Cidr.MaskOf(prefix)) == address;
            Assert.Equal(aligned, Ipv4Cidr.TryParse($"{Ipv4.Format(address)}/{prefix}", out _));
        }
    }

    [Fact]
    public void Property_PickFree_returns_an_unused_assignable_address_until_the_subnet_is_full()
    {
        var random = new Random(42);
        for (var round = 0; round < 50; round++)
        {
            var subnet = RandomBlock(random, 0x0A000000u, 16, 28);
            subnet = subnet.PrefixLength < 22 ? new Ipv4Cidr(subnet.Network & Ipv4Cidr.MaskOf(22), 22) : subnet;
            var used = new HashSet<uint>();
            while (true)
            {
                var picked = SubnetAddresses.PickFree(subnet, used, random.NextInt64(0, 10_000));
                if (picked is null)
                {
                    break;
                }

                Assert.True(SubnetAddresses.IsAssignable(subnet, picked.Value));
                Assert.True(used.Add(picked.Value), "an address was handed out twice");
            }

            Assert.Equal(SubnetAddresses.AssignableCount(subnet), used.Count);
            Assert.DoesNotContain(subnet.Network, used);
            Assert.DoesNotContain(subnet.Network + 1, used);
            Assert.DoesNotContain(subnet.Network + 2, used);
            Assert.DoesNotContain(subnet.Network + 3, used);
            Assert.DoesNotContain(subnet.Last, used);
        }
    }

    [Fact]
    public void PickFree_starts_at_the_lowest_assignable_address()
    {
        Assert.True(Ipv4Cidr.TryParse("10.0.1.0/24", out var subnet));
        Assert.Equal("10.0.1.4", Ipv4.Format(SubnetAddresses.PickFree(subnet, new HashSet<uint>())!.Value));
        Assert.Equal("10.0.1.5", Ipv4.Format(SubnetAddresses.PickFree(subnet, new HashSet<uint> { SubnetAddresses.FirstAssignable(subnet) })!.Value));
    }

    [Fact]
    public void Mac_addresses_are_unicast_and_locally_administered()
    {
        var macs = Enumerable.Range(0, 100).Select(_ => MacAddresses.New()).ToList();
        Assert.All(macs, mac => Assert.Matches("^02(:[0-9a-f]{2}){5}$", mac));
        Assert.Equal(100, macs.Distinct().Count());
    }

    private static Ipv4Cidr RandomBlock(Random random, uint within, int withinPrefix, int maxPrefix)
    {
        var prefix = random.Next(withinPrefix, maxPrefix + 1);
        var offset = (uint)random.NextInt64(0, 1L << (32 - withinPrefix));
        return new Ipv4Cidr((within + offset) & Ipv4Cidr.MaskOf(prefix), prefix);
    }
}
