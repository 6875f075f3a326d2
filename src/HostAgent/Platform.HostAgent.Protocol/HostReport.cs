namespace Platform.HostAgent.Protocol;

/// <summary>What a host has and runs, as its agent observed it after applying a desired state.</summary>
public sealed record HostReport(
    string HostId,
    long AppliedVersion,
    HostCapacity Capacity,
    IReadOnlyList<InstanceReport> Instances,
    IReadOnlyList<InstanceFault> Faults);

public sealed record HostCapacity(int Cpus, long MemoryMiB);

public enum ObservedPower
{
    Running,
    Stopping,
    Stopped,
    Paused,
    Crashed,
}

public sealed record InstanceReport(string InstanceId, ObservedPower Power);

/// <summary>An instance the agent could not bring to its desired state, and why; the others were still applied.</summary>
public sealed record InstanceFault(string InstanceId, string Message);
