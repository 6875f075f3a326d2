namespace Platform.HostAgent.Protocol;

/// <summary>
/// What one host should run, as the API composes it. Versioned: the agent applies a version whole
/// and idempotently, and reports the version it applied.
/// </summary>
/// <param name="Networks">For each VPC with instances here, the tunnel addresses of the other servers that
/// host the same VPC: where this server's tunnels for that VPC lead.</param>
/// <param name="Volumes">Block volumes bound to this server (see <see cref="DesiredVolume"/>); null from an API without volumes.</param>
/// <param name="NatGateways">The NAT gateways this server carries (null from an API without them): it answers ARP for their
/// elastic IPs on the uplink and source-NATs what the VPCs' routes send to them.</param>
/// <param name="PublicNetwork">The provider network the elastic IPs come from (null when the operator configured none): the
/// uplink's next hop for traffic leaving through an internet gateway or a NAT gateway.</param>
/// <param name="LoadBalancerNodes">The load balancer nodes this server carries (null from an API without them).</param>
public sealed record HostDesiredState(string HostId, long Version, IReadOnlyList<DesiredInstance> Instances, IReadOnlyList<VpcNetwork>? Networks = null,
    IReadOnlyList<DesiredVolume>? Volumes = null, IReadOnlyList<DesiredNatGateway>? NatGateways = null, DesiredPublicNetwork? PublicNetwork = null,
    IReadOnlyList<DesiredLoadBalancerNode>? LoadBalancerNodes = null);

/// <summary>The operator's public address pool as the data plane needs it: its network and its router (the uplink's next hop).</summary>
/// <param name="Cidr">The provider network, e.g. <c>198.51.100.0/24</c>; elastic IPs are addresses in it.</param>
/// <param name="GatewayIp">The provider network's router: where packets to any address outside <paramref name="Cidr"/> go.</param>
public sealed record DesiredPublicNetwork(string Cidr, string GatewayIp);

/// <summary>
/// A NAT gateway carried by this server: an interface of its own in a public subnet of the VPC (<paramref name="PrivateIpAddress"/>,
/// <paramref name="MacAddress"/>), reached by the VPC's routes that name it, and an elastic IP on the uplink that the outside sees
/// as the source of everything it forwards. Connections are tracked here, so replies return to the guest that opened them.
/// </summary>
public sealed record DesiredNatGateway(
    string NatGatewayId,
    string VpcId,
    int VpcIsolationId,
    string SubnetCidr,
    string Gateway,
    string PrivateIpAddress,
    string MacAddress,
    string PublicIpAddress);

/// <summary>A subnet of a VPC with the routes of the route table it is associated with (its own or the VPC's main table).</summary>
/// <param name="Routes">Every route but the implicit local one (the VPC's CIDR stays inside the VPC, always first). The
/// longest prefix wins; a destination no route covers is dropped.</param>
public sealed record DesiredSubnet(string SubnetId, string Cidr, string Gateway, IReadOnlyList<DesiredRoute> Routes);

public enum RouteTarget
{
    /// <summary>Out through the uplink, source-NATed 1:1 to the sending interface's public IP; dropped for an interface without one (as on EC2).</summary>
    InternetGateway,

    /// <summary>To the NAT gateway's interface (<see cref="DesiredRoute.NextHopIp"/>/<see cref="DesiredRoute.NextHopMac"/>), here or through the tunnel to its server.</summary>
    NatGateway,

    /// <summary>To a guest interface of the VPC (an appliance: NAT instance, firewall), located like any other interface of the VPC.</summary>
    NetworkInterface,

    /// <summary>Dropped: the route's target is gone (a detached gateway, a deleted NAT gateway or interface), as AWS's state <c>blackhole</c>.</summary>
    Blackhole,
}

/// <param name="DestinationCidr">IPv4 CIDR the route covers.</param>
/// <param name="TargetId">igw-…, nat-…, eni-… (informational for the data plane).</param>
/// <param name="NextHopIp">For <see cref="RouteTarget.NatGateway"/> and <see cref="RouteTarget.NetworkInterface"/>: the target's private IP.</param>
/// <param name="NextHopMac">For <see cref="RouteTarget.NatGateway"/> and <see cref="RouteTarget.NetworkInterface"/>: the target's MAC.</param>
public sealed record DesiredRoute(string DestinationCidr, RouteTarget Target, string? TargetId = null, string? NextHopIp = null, string? NextHopMac = null);

/// <param name="IsolationId">The VPC's platform-wide id, never reused: the VNI on tunnels. On a server the agent maps it
/// to a local VLAN tag of its own, which stays the VPC's while the VPC is there.</param>
/// <param name="RemoteInterfaces">The VPC's guest NICs on the other servers (null from an API without them): where this
/// server's switch sends their unicast and its share of the VPC router delivers packets routed to them from other subnets.</param>
/// <param name="Subnets">The VPC's subnets with their routes (null from an API without route tables: then only the VPC's
/// own addresses are reachable). Every subnet of the VPC, not only those with guests here: a route decides per source subnet.</param>
/// <param name="CidrBlock">The VPC's CIDR (the implicit local route), null from an API without route tables.</param>
/// <remarks>A NAT gateway or an appliance interface on another server that a route here names is one of
/// <paramref name="RemoteInterfaces"/>, so the route's next hop is found like any other remote guest.</remarks>
public sealed record VpcNetwork(string VpcId, int IsolationId, IReadOnlyList<string> RemoteTunnelAddresses,
    IReadOnlyList<RemoteInterface>? RemoteInterfaces = null, IReadOnlyList<DesiredSubnet>? Subnets = null, string? CidrBlock = null);

/// <summary>
/// A guest NIC of a VPC on another server: who it is and the tunnel address of the server it is on. An internal load balancer
/// pair's virtual address comes once for each node that may hold it (each with that node's MAC and server): what is routed to
/// it goes to all of them, and the one without the address drops it.
/// </summary>
public sealed record RemoteInterface(string MacAddress, string PrivateIpAddress, string HostTunnelAddress);

/// <summary>A guest NIC: its addresses and the stateful firewall its security groups make (anything else is dropped).</summary>
/// <param name="PublicIpAddress">The elastic IP associated with it (null: none). This server maps it 1:1 to
/// <paramref name="PrivateIpAddress"/> on its uplink: it answers ARP for it there, translates the destination of what
/// arrives for it (then the ingress rules apply as to any other traffic) and the source of what the guest sends out
/// through an internet gateway route.</param>
/// <param name="SubnetId">The interface's subnet: whose routes apply to what it sends (see <see cref="VpcNetwork.Subnets"/>).</param>
public sealed record DesiredInterface(
    string InterfaceId,
    string MacAddress,
    string PrivateIpAddress,
    int PrefixLength,
    string Gateway,
    string VpcId,
    int VpcIsolationId,
    IReadOnlyList<DesiredFirewallRule> Ingress,
    IReadOnlyList<DesiredFirewallRule> Egress,
    string? PublicIpAddress = null,
    string? SubnetId = null);

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
/// <param name="Database">For a managed database's instance (RDS): the database its guest runs; null for ordinary instances.</param>
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
    int StartCount = 0,
    DesiredInstanceMetadata? Metadata = null,
    DesiredDatabase? Database = null);

/// <summary>
/// What the instance metadata service at 169.254.169.254 tells this instance about itself (besides its interfaces, key and
/// user data, which <see cref="DesiredInstance"/> carries already). The agent answers from this only, for the guest whose
/// port the request came in on.
/// </summary>
/// <param name="HttpTokens"><c>optional</c> or <c>required</c> (IMDSv2 only), as EC2's MetadataOptions.</param>
/// <param name="HttpPutResponseHopLimit">1..64: the IP TTL of the token's answer.</param>
/// <param name="HttpEndpoint"><c>enabled</c> or <c>disabled</c> (the service does not answer this guest at all).</param>
/// <param name="SpotInstanceAction">A spot instance's interruption notice (spot/instance-action); null before one, when the path is a 404.</param>
/// <param name="IamInstanceProfile">The instance's IAM instance profile (null: none, and no <c>iam/</c> in the metadata). Only which
/// profile: its role's credentials never travel in the desired state; the agent asks for them (<see cref="AgentApi.Instances"/>).</param>
public sealed record DesiredInstanceMetadata(
    string AccountId,
    string Region,
    string AvailabilityZone,
    string InstanceType,
    string ImageId,
    string LocalHostname,
    DateTimeOffset LaunchTime,
    string? KeyName = null,
    IReadOnlyList<string>? SecurityGroupNames = null,
    string HttpTokens = "optional",
    int HttpPutResponseHopLimit = 1,
    string HttpEndpoint = "enabled",
    DesiredSpotAction? SpotInstanceAction = null,
    DesiredInstanceProfile? IamInstanceProfile = null);

/// <summary>EC2's IamInstanceProfileAssociation as the agent needs it: a new <paramref name="AssociationId"/> for every (re)association.</summary>
public sealed record DesiredInstanceProfile(string Arn, string Id, string AssociationId);

/// <summary>EC2's spot interruption notice: <c>terminate</c> or <c>stop</c>, at <paramref name="Time"/> (two minutes after the notice).</summary>
public sealed record DesiredSpotAction(string Action, DateTimeOffset Time);

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
