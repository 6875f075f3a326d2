using Mediator;

namespace Platform.Modules.Compute.Contracts;

/// <summary>
/// Each zone's capacity as the scheduler sees it now: the virtual CPUs and memory of its reachable, enabled servers under
/// the overcommit ratios, and how much of it instances hold (interrupted spot instances that have stopped hold none).
/// Zones without such a server are left out. What the spot price is made from.
/// </summary>
public sealed record DescribeZoneCapacity : IRequest<IReadOnlyList<ZoneCapacity>>;

public sealed record ZoneCapacity(string AvailabilityZone, long VirtualCpus, long AllocatedVirtualCpus, long MemoryMiB, long AllocatedMemoryMiB);

/// <summary>
/// EC2's Spot Instance Interruption Warning: the spot instance is taken back for on-demand capacity at
/// <paramref name="ActionTime"/> (two minutes after the notice), and then stopped or terminated as
/// <paramref name="InstanceAction"/> says. Published through Compute's outbox in the commit that gave the notice.
/// </summary>
public sealed record SpotInstanceInterruptionWarning(string AccountId, string InstanceId, string InstanceType, string AvailabilityZone,
    string InstanceAction, DateTime ActionTime) : INotification;
