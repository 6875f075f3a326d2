namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>Local VLAN assignment as a pure function of what the bridge recorded and the VPCs wanted: no switch involved.</summary>
public sealed class LocalVlansTests
{
    private static readonly Dictionary<string, int> Nothing = [];

    [Fact]
    public void Given_small_isolation_ids_Then_the_tags_are_the_ids()
    {
        var assignment = LocalVlans.Assign(Nothing, [("vpc-a", 3), ("vpc-b", 4094)]);
        Assert.Equal(3, assignment.Tags["vpc-a"]);
        Assert.Equal(4094, assignment.Tags["vpc-b"]);
        Assert.Equal(assignment.Tags, assignment.Added);
    }

    [Fact]
    public void Given_recorded_tags_Then_every_VPC_keeps_its_own_whatever_arrives_or_leaves()
    {
        // The old positional scheme renumbered everything when a VPC with a lower id arrived; records do not.
        var first = LocalVlans.Assign(Nothing, [("vpc-x", 70_000), ("vpc-y", 80_000)]);
        Assert.Equal((1, 2), (first.Tags["vpc-x"], first.Tags["vpc-y"]));

        var recorded = new Dictionary<string, int>(first.Added);
        var second = LocalVlans.Assign(recorded, [("vpc-w", 5_000), ("vpc-y", 80_000), ("vpc-x", 70_000), ("vpc-z", 2)]);
        Assert.Equal((1, 2), (second.Tags["vpc-x"], second.Tags["vpc-y"]));
        // vpc-z's id is taken as a tag by vpc-y: it gets the lowest free one, then vpc-w, whose id does not fit, the next.
        Assert.Equal((3, 4), (second.Tags["vpc-z"], second.Tags["vpc-w"]));
        Assert.Equal(["vpc-w", "vpc-z"], second.Added.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(second.Removed);

        // vpc-x leaves: its record stays, so a newcomer does not inherit its tag (nor its conntrack zone).
        foreach (var (vpc, tag) in second.Added)
        {
            recorded[vpc] = tag;
        }

        var third = LocalVlans.Assign(recorded, [("vpc-y", 80_000), ("vpc-v", 90_000)]);
        Assert.Equal(5, third.Tags["vpc-v"]);
        Assert.False(third.Tags.ContainsKey("vpc-x"));
        Assert.Empty(third.Removed);

        // Nothing new: nothing to write.
        Assert.False(LocalVlans.Assign(recorded, [("vpc-y", 80_000), ("vpc-x", 70_000)]).Changed);
    }

    [Fact]
    public void Given_every_tag_recorded_Then_a_departed_VPC_gives_its_tag_up_and_a_present_one_never_does()
    {
        var recorded = Enumerable.Range(1, LocalVlans.MaxTag).ToDictionary(t => $"vpc-{t}", t => t, StringComparer.Ordinal);
        var wanted = Enumerable.Range(1, LocalVlans.MaxTag).Where(t => t != 17).Select(t => ($"vpc-{t}", t)).Append(("vpc-new", 100_000)).ToList();
        var assignment = LocalVlans.Assign(recorded, wanted);
        Assert.Equal(17, assignment.Tags["vpc-new"]);
        Assert.Equal(["vpc-17"], assignment.Removed);

        var full = Enumerable.Range(1, LocalVlans.MaxTag).Select(t => ($"vpc-{t}", t)).Append(("vpc-new", 100_000)).ToList();
        Assert.Throws<InvalidOperationException>(() => LocalVlans.Assign(recorded, full));
    }

    [Fact]
    public void Given_tags_reserved_by_the_state_or_recorded_twice_Then_no_two_VPCs_share_one()
    {
        var assignment = LocalVlans.Assign(new Dictionary<string, int> { ["vpc-a"] = 7, ["vpc-b"] = 7, ["vpc-c"] = 9 }, [("vpc-b", 7), ("vpc-c", 9), ("vpc-d", 8)],
            reserved: new HashSet<int> { 9, 8 });
        // vpc-b keeps 7 (vpc-a's record of it goes), vpc-c loses the reserved 9, and vpc-d's id is reserved too.
        Assert.Equal((7, 2, 1), (assignment.Tags["vpc-b"], assignment.Tags["vpc-c"], assignment.Tags["vpc-d"]));
        Assert.Equal(["vpc-a", "vpc-c"], assignment.Removed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Given_external_ids_Then_only_well_formed_records_are_read()
    {
        var read = LocalVlans.Read(new Dictionary<string, string>
        {
            ["platform-vlan-vpc-a"] = "12",
            ["platform-vlan-vpc-b"] = "4095",
            ["platform-vlan-vpc-c"] = "-1",
            ["platform-vlan-"] = "3",
            ["bridge-id"] = "br-int",
        });
        Assert.Equal(new Dictionary<string, int> { ["vpc-a"] = 12 }, read);
    }
}
