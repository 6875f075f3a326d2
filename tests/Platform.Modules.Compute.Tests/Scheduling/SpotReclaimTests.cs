using Platform.Modules.Compute.InstanceTypes;
using Platform.Modules.Compute.Scheduling;

namespace Platform.Modules.Compute.Tests.Scheduling;

/// <summary>Taking spot capacity back for an on-demand launch no server has room for: the fewest interruptions, the largest first.</summary>
public sealed class SpotReclaimTests
{
    private static readonly InstanceType Micro = InstanceTypeCatalog.Find("t3.micro")!;
    private static readonly SchedulerOptions Options = new() { CpuOvercommitRatio = 4, ReservedHostMemoryMiB = 512 };

    // 2 CPUs (8 vCPUs) and 1,536 MiB for instances each.
    private static HostCandidate Host(string id, long usedMemoryMiB, int usedCpus = 2, string zone = "az-1", HostStatus status = HostStatus.Available) =>
        new(id, zone, 2, 2048, usedCpus, usedMemoryMiB, status);

    [Fact]
    public void Given_full_servers_Then_the_one_needing_the_fewest_interruptions_is_taken_and_its_largest_spot_instances_go_first()
    {
        // h1 is full of two nano spot instances (512 MiB each) and an on-demand micro; h2 holds one micro spot instance and a nano on-demand one.
        HostCandidate[] hosts = [Host("h1", 1536, 6), Host("h2", 1536, 4)];
        SpotHolding[] spots = [new("i-1", "h1", 2, 512), new("i-2", "h1", 2, 512), new("i-3", "h2", 2, 1024)];
        Assert.IsType<PlacementDecision.NoCapacity>(Scheduler.Place(Micro, "az-1", hosts, Options));

        var plan = SpotReclaim.Choose(Micro, "az-1", hosts, spots, Options);

        Assert.NotNull(plan);
        Assert.Equal("h2", plan.HostId);
        Assert.Equal(new[] { "i-3" }, plan.InstanceIds);

        // With only h1's: both of its nano instances are needed.
        plan = SpotReclaim.Choose(Micro, "az-1", [hosts[0]], spots, Options);
        Assert.Equal(new[] { "i-1", "i-2" }, plan!.InstanceIds);
    }

    [Fact]
    public void Given_no_spot_capacity_that_would_make_room_Then_there_is_no_plan()
    {
        // Its only spot instance is too small to make room; another zone's, an unreachable server's and no spot instance at all give none.
        Assert.Null(SpotReclaim.Choose(Micro, "az-1", [Host("h1", 1536)], [new("i-1", "h1", 2, 256)], Options));
        Assert.Null(SpotReclaim.Choose(Micro, "az-1", [Host("h1", 1536, zone: "az-2")], [new("i-1", "h1", 2, 1024)], Options));
        Assert.Null(SpotReclaim.Choose(Micro, "az-1", [Host("h1", 1536, status: HostStatus.Unreachable)], [new("i-1", "h1", 2, 1024)], Options));
        Assert.Null(SpotReclaim.Choose(Micro, "az-1", [Host("h1", 1536)], [], Options));
    }
}
