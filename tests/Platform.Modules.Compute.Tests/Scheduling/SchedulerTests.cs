using Platform.Modules.Compute.InstanceTypes;
using Platform.Modules.Compute.Scheduling;

namespace Platform.Modules.Compute.Tests.Scheduling;

public sealed class SchedulerTests
{
    private static readonly InstanceType Micro = InstanceTypeCatalog.Find("t3.micro")!;
    private static readonly InstanceType Large = InstanceTypeCatalog.Find("m5.large")!;

    private static HostCandidate Host(string id, string zone = "az-1", int cpus = 2, long memoryMiB = 8704, int usedCpus = 0, long usedMemoryMiB = 0,
        HostStatus status = HostStatus.Available, string? degraded = null) => new(id, zone, cpus, memoryMiB, usedCpus, usedMemoryMiB, status, degraded);

    [Fact]
    public void Given_a_degraded_host_Then_a_healthy_one_that_fits_is_preferred_and_the_degraded_one_is_the_last_resort()
    {
        const string Cause = "OpenFlowException: ovs-ofctl: br-int is not a bridge or a socket";
        // h1 has far more room, but its agent cannot apply its state: the fuller healthy h2 is taken, with either strategy.
        HostCandidate[] hosts = [Host("h1", degraded: Cause), Host("h2", usedMemoryMiB: 6144)];
        Assert.Equal(new PlacementDecision.Placed("h2"), Scheduler.Place(Micro, null, hosts, new SchedulerOptions { Strategy = PlacementStrategy.Spread }));
        Assert.Equal(new PlacementDecision.Placed("h2"), Scheduler.Place(Micro, null, hosts, new SchedulerOptions { Strategy = PlacementStrategy.Pack }));

        // No healthy host fits: the degraded one still takes it (its agent retries), rather than refusing the launch.
        Assert.Equal(new PlacementDecision.Placed("h1"), Scheduler.Place(Large, null, hosts, new SchedulerOptions()));

        // Refused for capacity, a degraded host's reason says so.
        var refusal = Assert.IsType<PlacementDecision.NoCapacity>(Scheduler.Place(Large, null, [Host("h1", memoryMiB: 4096, degraded: Cause)], new SchedulerOptions()));
        Assert.Contains($"(degraded: {Cause})", refusal.Explain(), StringComparison.Ordinal);
    }

    [Fact]
    public void Given_spread_Then_the_host_with_most_room_is_chosen_and_given_pack_the_fullest_that_fits()
    {
        HostCandidate[] hosts = [Host("h1", usedMemoryMiB: 4096), Host("h2", usedMemoryMiB: 1024), Host("h3", usedMemoryMiB: 6144)];
        Assert.Equal(new PlacementDecision.Placed("h2"), Scheduler.Place(Micro, null, hosts, new SchedulerOptions { Strategy = PlacementStrategy.Spread }));
        Assert.Equal(new PlacementDecision.Placed("h3"), Scheduler.Place(Micro, null, hosts, new SchedulerOptions { Strategy = PlacementStrategy.Pack }));
    }

    [Fact]
    public void Given_a_zone_Then_only_its_available_hosts_are_considered()
    {
        HostCandidate[] hosts = [Host("h1", "az-1"), Host("h2", "az-2"), Host("h3", "az-2", status: HostStatus.Unreachable), Host("h4", "az-2", status: HostStatus.Disabled)];
        Assert.Equal(new PlacementDecision.Placed("h2"), Scheduler.Place(Micro, "az-2", hosts, new SchedulerOptions()));
        Assert.Equal(new PlacementDecision.Placed("h1"), Scheduler.Place(Micro, "az-1", hosts, new SchedulerOptions()));
    }

    [Fact]
    public void Given_a_cpu_overcommit_ratio_Then_vcpus_are_counted_against_it()
    {
        var options = new SchedulerOptions { CpuOvercommitRatio = 4.0 };
        Assert.IsType<PlacementDecision.Placed>(Scheduler.Place(Micro, null, [Host("h1", cpus: 2, usedCpus: 6)], options));
        Assert.IsType<PlacementDecision.NoCapacity>(Scheduler.Place(Micro, null, [Host("h1", cpus: 2, usedCpus: 7)], options));
        Assert.IsType<PlacementDecision.Placed>(Scheduler.Place(Micro, null, [Host("h1", cpus: 2, usedCpus: 7)], new SchedulerOptions { CpuOvercommitRatio = 16 }));
    }

    [Fact]
    public void Given_reserved_host_memory_Then_it_is_never_handed_out()
    {
        var options = new SchedulerOptions { ReservedHostMemoryMiB = 512 };
        Assert.IsType<PlacementDecision.Placed>(Scheduler.Place(Large, null, [Host("h1", memoryMiB: 8192 + 512)], options));
        Assert.IsType<PlacementDecision.NoCapacity>(Scheduler.Place(Large, null, [Host("h1", memoryMiB: 8192 + 511)], options));
    }

    [Fact]
    public void Given_no_host_fits_Then_the_refusal_says_per_host_why()
    {
        HostCandidate[] hosts =
        [
            Host("h1", "az-2"),
            Host("h2", status: HostStatus.Unreachable),
            Host("h3", cpus: 1, usedCpus: 4),
            Host("h4", memoryMiB: 4096),
        ];
        var refusal = Assert.IsType<PlacementDecision.NoCapacity>(Scheduler.Place(Large, "az-1", hosts, new SchedulerOptions()));
        Assert.Equal(4, refusal.Rejections.Count);
        var text = refusal.Explain();
        Assert.Contains("No host can take a m5.large (2 vCPUs, 8192 MiB) in az-1.", text, StringComparison.Ordinal);
        Assert.Contains("h1: in another zone: az-2", text, StringComparison.Ordinal);
        Assert.Contains("h2: unreachable", text, StringComparison.Ordinal);
        Assert.Contains("h3: short of vCPUs: 0 free, 2 needed", text, StringComparison.Ordinal);
        Assert.Contains("h4: short of memory: 3584 MiB free, 8192 MiB needed", text, StringComparison.Ordinal);
        Assert.Equal("No host can take a t3.micro (2 vCPUs, 1024 MiB). There are no hosts.", ((PlacementDecision.NoCapacity)Scheduler.Place(Micro, null, [], new SchedulerOptions())).Explain());
    }

    [Fact]
    public void Given_many_hosts_refusing_alike_Then_the_explanation_groups_them()
    {
        var hosts = Enumerable.Range(1, 500).Select(i => Host($"h{i:D3}", usedMemoryMiB: 8000)).ToList();
        var text = Assert.IsType<PlacementDecision.NoCapacity>(Scheduler.Place(Micro, null, hosts, new SchedulerOptions())).Explain();
        Assert.Contains("500 host(s) short of memory (h001: short of memory: 192 MiB free, 1024 MiB needed;", text, StringComparison.Ordinal);
        Assert.True(text.Length < 400, text);
    }

    [Fact]
    public void Placing_until_full_never_overcommits_and_refuses_only_when_nothing_fits()
    {
        var random = new Random(20261125);
        var options = new SchedulerOptions { CpuOvercommitRatio = 2.0 };
        var hosts = Enumerable.Range(0, 30).Select(i => Host($"h{i:D2}", $"az-{i % 3}", cpus: random.Next(1, 9), memoryMiB: random.Next(2, 65) * 1024L)).ToList();
        var types = InstanceTypeCatalog.All;
        for (var step = 0; step < 2000; step++)
        {
            var type = types[random.Next(types.Count)];
            var zone = random.Next(4) == 0 ? null : $"az-{random.Next(3)}";
            var fits = hosts.Where(h => (zone is null || h.AvailabilityZone == zone)
                && (long)(h.Cpus * options.CpuOvercommitRatio) - h.AllocatedVirtualCpus >= type.VirtualCpus
                && h.MemoryMiB - options.ReservedHostMemoryMiB - h.AllocatedMemoryMiB >= type.MemoryMiB).ToList();
            switch (Scheduler.Place(type, zone, hosts, options))
            {
                case PlacementDecision.Placed placed:
                    var index = hosts.FindIndex(h => h.HostId == placed.HostId);
                    Assert.Contains(hosts[index], fits);
                    hosts[index] = hosts[index] with
                    {
                        AllocatedVirtualCpus = hosts[index].AllocatedVirtualCpus + type.VirtualCpus,
                        AllocatedMemoryMiB = hosts[index].AllocatedMemoryMiB + type.MemoryMiB,
                    };
                    break;
                case PlacementDecision.NoCapacity:
                    Assert.Empty(fits);
                    break;
            }
        }
    }
}
