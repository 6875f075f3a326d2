namespace Platform.HostAgent.Protocol;

/// <summary>What a host has and runs, as its agent observed it (after applying a desired state, and as heartbeats).</summary>
/// <param name="AppliedVersion">The last desired-state version the agent applied whole; the API judges
/// an instance's observed state only once the agent has applied that instance's latest change.</param>
/// <param name="TunnelAddress">The address other servers reach this one's VPC tunnels at (null: no networking yet).</param>
/// <param name="Volumes">The block volumes in this server's pool and where each is attached; null: the agent did not look.</param>
/// <param name="Degraded">Why the agent could not apply the desired state in its last round (Open vSwitch not answering, a
/// full disk, ...); null when the round went through. A degraded server still reports what runs on it.</param>
/// <param name="LoadBalancerNodes">The load balancer nodes this server runs and their targets' health; null: none, or an agent without them.</param>
public sealed record HostReport(
    string HostId,
    long AppliedVersion,
    HostCapacity Capacity,
    IReadOnlyList<InstanceReport> Instances,
    IReadOnlyList<InstanceFault> Faults,
    string? TunnelAddress = null,
    IReadOnlyList<VolumeReport>? Volumes = null,
    string? Degraded = null,
    IReadOnlyList<LoadBalancerNodeReport>? LoadBalancerNodes = null);

/// <param name="DiskBytes">Size of the storage pool instances' disks and images live in (0 on simulated hosts).</param>
public sealed record HostCapacity(int Cpus, long MemoryMib, long DiskBytes = 0, long DiskFreeBytes = 0, int RunningDomains = 0);

public enum ObservedPower
{
    Running,
    Stopping,
    Stopped,
    Paused,
    Crashed,
}

/// <param name="ConsoleOutput">The tail of the guest's serial console (up to 64 KiB), sent only when it changed.</param>
/// <param name="Usage">The running guest's counters at the moment of the report; null while it is not running (or from an agent that sends none).</param>
/// <param name="Database">For a managed database's instance: what its guest's database agent reported last; null otherwise.</param>
public sealed record InstanceReport(string InstanceId, ObservedPower Power, string? ConsoleOutput = null, InstanceUsage? Usage = null, DatabaseReport? Database = null)
{
    public const int MaxConsoleBytes = 64 * 1024;
}

/// <summary>An instance the agent could not bring to its desired state, and why; the others were still applied.</summary>
public sealed record InstanceFault(string InstanceId, string Message);
