namespace Platform.HostAgent.Protocol;

/// <summary>
/// What one host should run, as the API composes it. Versioned: the agent applies a version whole
/// and idempotently, and reports the version it applied.
/// </summary>
/// <param name="Networks">For each VPC with instances here, the tunnel addresses of the other servers that
/// host the same VPC: where this server's tunnels for that VPC lead.</param>
/// <param name="Volumes">Block volumes bound to this server (see <see cref="DesiredVolume"/>); null from an API without volumes.</param>
public sealed record HostDesiredState(string HostId, long Version, IReadOnlyList<DesiredInstance> Instances, IReadOnlyList<VpcNetwork>? Networks = null,
    IReadOnlyList<DesiredVolume>? Volumes = null);

/// <param name="IsolationId">The VPC's platform-wide id, never reused: the VNI on tunnels. On a server the agent maps it
/// to a local VLAN tag of its own, which stays the VPC's while the VPC is there.</param>
/// <param name="RemoteInterfaces">The VPC's guest NICs on the other servers (null from an API without them): where this
/// server's switch sends their unicast and its share of the VPC router delivers packets routed to them from other subnets.</param>
public sealed record VpcNetwork(string VpcId, int IsolationId, IReadOnlyList<string> RemoteTunnelAddresses,
    IReadOnlyList<RemoteInterface>? RemoteInterfaces = null);

/// <summary>A guest NIC of a VPC on another server: who it is and the tunnel address of the server it is on.</summary>
public sealed record RemoteInterface(string MacAddress, string PrivateIpAddress, string HostTunnelAddress);

/// <summary>A guest NIC: its addresses and the stateful firewall its security groups make (anything else is dropped).</summary>
public sealed record DesiredInterface(
    string InterfaceId,
    string MacAddress,
    string PrivateIpAddress,
    int PrefixLength,
    string Gateway,
    string VpcId,
    int VpcIsolationId,
    IReadOnlyList<DesiredFirewallRule> Ingress,
    IReadOnlyList<DesiredFirewallRule> Egress);

/// <param name="Protocol"><c>tcp</c>, <c>udp</c>, <c>icmp</c> or <c>-1</c> (all).</param>
/// <param name="FromPort">First port (ICMP: type), null for all.</param>
/// <param name="Cidr">The remote side: a CIDR block (group references arrive expanded into /32s).</param>
public sealed record DesiredFirewallRule(string Protocol, int? FromPort, int? ToPort, string Cidr);

public enum DesiredPower
{
    Running,
    Stopped,
}

/// <param name="InstanceId">Also the libvirt domain's name, so a restarted agent finds it again.</param>
/// <param name="CommandLine">The kernel command line for kernel images (the instance's id, key and image's own parameters).</param>
/// <param name="RebootCount">Raised by every reboot request; the agent reboots a running guest when it sees it rise.</param>
/// <param name="PublicKey">The key pair's public key (OpenSSH form): on the config drive's meta-data, as cloud-init installs it.</param>
/// <param name="UserData">EC2's user data, base64 as the tenant gave it: the config drive's user-data, decoded.</param>
/// <param name="StartCount">
/// Raised by every start request. A guest that powered itself off (or crashed) since the agent last started it for this
/// count stays off, as an EC2 instance whose OS shuts down stops; the agent starts it again when the count rises.
/// </param>
public sealed record DesiredInstance(
    string InstanceId,
    int VirtualCpus,
    int MemoryMib,
    DesiredPower Power,
    GuestImage Image,
    string CommandLine,
    int RebootCount = 0,
    IReadOnlyList<DesiredInterface>? Interfaces = null,
    string? PublicKey = null,
    string? UserData = null,
    int StartCount = 0);

public enum ImageFormat
{
    /// <summary>A kernel and an initrd booted directly (the test image, minimal guests).</summary>
    Kernel,

    /// <summary>A qcow2 disk image; each instance boots from a copy-on-write volume on it.</summary>
    Qcow2,
}

/// <summary>An image the host must hold before the instance can boot; the agent fetches its parts from the API once.</summary>
/// <param name="Sha256">Each part's SHA-256 (lower-case hex) as the API computed it at upload: the agent uses no byte that does not match.</param>
public sealed record GuestImage(string ImageId, ImageFormat Format, IReadOnlyDictionary<string, string>? Sha256 = null);

/// <summary>The parts an image is made of, as the API stores and serves them.</summary>
public static class ImageParts
{
    public const string Kernel = "kernel";
    public const string Initrd = "initrd";
    public const string Disk = "disk";

    public static IReadOnlyList<string> Of(ImageFormat format) => format == ImageFormat.Kernel ? [Kernel, Initrd] : [Disk];
}
