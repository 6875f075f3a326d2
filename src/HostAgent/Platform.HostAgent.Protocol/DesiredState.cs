namespace Platform.HostAgent.Protocol;

/// <summary>
/// What one host should run, as the API composes it. Versioned: the agent applies a version whole
/// and idempotently, and reports the version it applied.
/// </summary>
public sealed record HostDesiredState(string HostId, long Version, IReadOnlyList<DesiredInstance> Instances);

public enum DesiredPower
{
    Running,
    Stopped,
}

/// <param name="InstanceId">Also the libvirt domain's name, so a restarted agent finds it again.</param>
public sealed record DesiredInstance(string InstanceId, int VirtualCpus, int MemoryMiB, DesiredPower Power, GuestBoot Boot);

/// <summary>How the guest boots: a kernel and initrd with a command line (images as disks come later).</summary>
public sealed record GuestBoot(string KernelPath, string? InitrdPath, string CommandLine);
