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
/// <param name="CommandLine">The kernel command line for kernel images (the instance's id, key and image's own parameters).</param>
/// <param name="RebootCount">Raised by every reboot request; the agent reboots a running guest when it sees it rise.</param>
public sealed record DesiredInstance(
    string InstanceId,
    int VirtualCpus,
    int MemoryMib,
    DesiredPower Power,
    GuestImage Image,
    string CommandLine,
    int RebootCount = 0);

public enum ImageFormat
{
    /// <summary>A kernel and an initrd booted directly (the test image, minimal guests).</summary>
    Kernel,

    /// <summary>A qcow2 disk image; each instance boots from a copy-on-write volume on it.</summary>
    Qcow2,
}

/// <summary>An image the host must hold before the instance can boot; the agent fetches its parts from the API once.</summary>
public sealed record GuestImage(string ImageId, ImageFormat Format);

/// <summary>The parts an image is made of, as the API stores and serves them.</summary>
public static class ImageParts
{
    public const string Kernel = "kernel";
    public const string Initrd = "initrd";
    public const string Disk = "disk";

    public static IReadOnlyList<string> Of(ImageFormat format) => format == ImageFormat.Kernel ? [Kernel, Initrd] : [Disk];
}
