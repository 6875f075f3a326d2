using FsCheck;
using FsCheck.Fluent;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.SecurityGroups;
using Platform.Modules.Network.Subnets;
using Platform.Modules.Network.Vpcs;
using Platform.Modules.Shared.Errors;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.Modules.Network.Tests.Addressing;

/// <summary>
/// Properties of what parses a caller's CIDR text and hands out addresses from it, over generated input
/// (<see cref="PropertyRuns"/>: fixed seeds plus one printed fresh seed).
/// </summary>
public sealed class CidrPropertyTests(ITestOutputHelper output)
{
    private static readonly Gen<Ipv4Cidr> AnyCidr =
        from address in Gen.Choose(int.MinValue, int.MaxValue).Select(i => unchecked((uint)i))
        from prefix in Gen.Choose(0, 32)
        select new Ipv4Cidr(address & Ipv4Cidr.MaskOf(prefix), prefix);

    /// <summary>Valid blocks with a few characters inserted, deleted or replaced: the near misses a parser most often gets wrong.</summary>
    private static readonly Gen<(int Kind, int Position, string Fragment)> Edit =
        from kind in Gen.Choose(0, 2)
        from position in Gen.Choose(0, 64)
        from fragment in Gen.Elements("0", "1", "9", ".", "/", " ", "-", "+", "a", "٣", "00", "256", "33", "\0")
        select (kind, position, fragment);

    private static readonly Gen<string> NearCidrText =
        from cidr in AnyCidr
        from edits in Gen.ListOf(Edit, 3)
        select edits.Aggregate(cidr.ToString(), (text, edit) =>
        {
            var (kind, position, fragment) = edit;
            var at = text.Length == 0 ? 0 : position % text.Length;
            return kind switch
            {
                0 => text.Insert(at, fragment),
                1 when text.Length > 0 => text.Remove(at, 1),
                _ when text.Length > 0 => text.Remove(at, 1).Insert(at, fragment),
                _ => fragment,
            };
        });

    private static readonly Gen<string> AnyCidrText = Gen.OneOf(
        NearCidrText,
        PropertyRuns.HostileText("10", "0", "255", "256", ".", "/", "32", "16", "0x", "1e3", "-1", "4294967296"));

    [Fact]
    public void Given_any_block_Then_its_text_parses_back_to_it()
    {
        PropertyRuns.Check(output, "format then parse", Prop.ForAll(AnyCidr.ToArbitrary(), cidr =>
        {
            Assert.True(Ipv4Cidr.TryParse(cidr.ToString(), out var parsed), cidr.ToString());
            Assert.Equal(cidr, parsed);
        }), 2000);
    }

    [Fact]
    public void Given_any_text_Then_parsing_never_throws_and_accepts_only_the_canonical_form()
    {
        PropertyRuns.Check(output, "parse then format", Prop.ForAll(AnyCidrText.ToArbitrary(), text =>
        {
            if (PropertyRuns.Bounded(() => Ipv4Cidr.TryParse(text, out var parsed) ? parsed.ToString() : null, text) is { } formatted)
            {
                Assert.Equal(text, formatted);
            }
        }), 3000);
    }

    [Fact]
    public void Given_two_blocks_Then_overlap_and_containment_agree_with_their_address_ranges()
    {
        // Half the pairs share a network's leading bits, or overlapping pairs would be rare.
        var related = from outer in AnyCidr
                      from extra in Gen.Choose(0, 32)
                      from low in Gen.Choose(int.MinValue, int.MaxValue)
                      let prefix = Math.Min(32, outer.PrefixLength + extra)
                      select new Ipv4Cidr((outer.Network | (unchecked((uint)low) & ~outer.Mask)) & Ipv4Cidr.MaskOf(prefix), prefix);
        var pairs = Gen.OneOf(Gen.Zip(AnyCidr, AnyCidr), Gen.Zip(AnyCidr, related));
        PropertyRuns.Check(output, "overlap", Prop.ForAll(pairs.ToArbitrary(), pair =>
        {
            var (a, b) = pair;
            var intersect = a.First <= b.Last && b.First <= a.Last;
            Assert.Equal(intersect, a.Overlaps(b));
            Assert.Equal(intersect, b.Overlaps(a));
            Assert.Equal(a.First <= b.First && b.Last <= a.Last, a.Contains(b));
            Assert.Equal(a.Last - (long)a.First + 1, a.Size);
        }), 3000);
    }

    [Fact]
    public void Given_a_subnet_and_any_used_addresses_Then_the_address_picked_is_free_and_assignable_or_none_is_left()
    {
        var cases =
            from prefix in Gen.Choose(22, 32)
            from network in Gen.Choose(int.MinValue, int.MaxValue)
            let subnet = new Ipv4Cidr(unchecked((uint)network) & Ipv4Cidr.MaskOf(prefix), prefix)
            from used in Gen.ListOf(Gen.Choose(0, (int)Math.Min(subnet.Size - 1, 2048)).Select(offset => subnet.Network + (uint)offset))
            from fillAll in Gen.Elements(false, false, true)
            from start in Gen.Choose(0, int.MaxValue)
            select (subnet, used: fillAll ? Enumerable.Range(0, (int)subnet.Size).Select(i => subnet.Network + (uint)i).ToHashSet() : used.ToHashSet(), start: (long)start);
        PropertyRuns.Check(output, "pick a free address", Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var picked = PropertyRuns.Bounded(() => SubnetAddresses.PickFree(c.subnet, c.used, c.start), c);
            var anyFree = Enumerable.Range(0, (int)Math.Max(0, SubnetAddresses.AssignableCount(c.subnet)))
                .Any(i => !c.used.Contains(SubnetAddresses.FirstAssignable(c.subnet) + (uint)i));
            Assert.Equal(anyFree, picked is not null);
            if (picked is { } address)
            {
                Assert.True(SubnetAddresses.IsAssignable(c.subnet, address));
                Assert.DoesNotContain(address, c.used);
                Assert.True(c.subnet.Contains(address));
            }
        }), 300);
    }

    [Fact]
    public void Given_any_request_text_Then_vpc_subnet_and_rule_validation_fail_only_with_an_api_error()
    {
        var ports = Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(-2, 65537).Select(p => (int?)p),
            Gen.Elements<int?>(int.MinValue, int.MaxValue, -1, 0, 255, 256, 65535));
        var protocols = Gen.OneOf(Gen.Elements<string?>(null, "tcp", "TCP", "udp", "icmp", "-1", "all", "6", "17", "1", "58", "İ"),
            PropertyRuns.HostileText("tcp", "-1").Select(s => (string?)s));
        var cidrs = Gen.OneOf(Gen.Constant<string?>(null), AnyCidrText.Select(s => (string?)s));
        var rules = from protocol in protocols
                    from low in ports
                    from high in ports
                    from cidr in cidrs
                    from referenced in Gen.Elements<string?>(null, "sg-0123456789abcdef0", "")
                    from description in Gen.OneOf(Gen.Constant<string?>(null), Gen.Choose(0, 300).Select(n => (string?)new string('d', n)))
                    select new RuleSpec(protocol, low, high, cidr, referenced, description);
        PropertyRuns.Check(output, "request validation", Prop.ForAll(Gen.Zip(rules, cidrs).ToArbitrary(), c =>
        {
            var (rule, cidr) = c;
            foreach (var validate in new Action[]
                     {
                         () => rule.Normalize(),
                         new CreateVpc("us-east-1", cidr).Validate,
                         new CreateSubnet("us-east-1", "vpc-0123456789abcdef0", cidr, null).Validate,
                     })
            {
                try
                {
                    PropertyRuns.Bounded(validate, c);
                }
                catch (ApiException e)
                {
                    Assert.Equal(400, e.StatusCode);
                }
            }
        }), 2000);
    }
}
