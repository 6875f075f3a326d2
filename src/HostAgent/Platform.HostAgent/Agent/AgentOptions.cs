namespace Platform.HostAgent.Agent;

/// <summary>The agent's settings (section <c>Agent</c>; environment <c>Agent__ApiUrl</c>, …; /etc/platform/agent.json).</summary>
public sealed class AgentOptions
{
    public const string SectionName = "Agent";

    /// <summary>The Platform API the agent dials; the server itself opens no port.</summary>
    public string ApiUrl { get; set; } = "https://127.0.0.1:8443";

    /// <summary>
    /// The CA certificate (PEM) the API's certificate must chain to, and the only one trusted for it: the platform CA
    /// (<c>/var/lib/platform/ca.pem</c> on the API server), copied here at install. Unset: the system's trust store.
    /// </summary>
    public string? ApiCaCertificate { get; set; }

    /// <summary>Lets <see cref="ApiUrl"/> be plain <c>http://</c>, on a loopback address only (an API on the same machine).</summary>
    public bool AllowPlainHttpOnLoopback { get; set; }

    /// <summary>The one-time join token, needed only until the agent has enrolled.</summary>
    public string? JoinToken { get; set; }

    /// <summary>
    /// Where the host credential, image markers, guest consoles and (by default) the storage pool live. The agent keeps
    /// it traversable but not listable (0711), so QEMU, running as its own user on servers, reaches the pool and console
    /// files libvirt hands it; the credential and the image markers stay readable by root only.
    /// </summary>
    public string StateDirectory { get; set; } = "/var/lib/platform-agent";

    /// <summary><c>qemu:///system</c> on servers; <c>test:///path/host.xml</c> simulates a host.</summary>
    public string LibvirtUri { get; set; } = "qemu:///system";

    /// <summary><c>kvm</c> when /dev/kvm exists, else <c>qemu</c> (TCG); <c>test</c> on simulated hosts.</summary>
    public string? DomainType { get; set; }

    /// <summary>The name the host enrols under; the machine's host name by default.</summary>
    public string? HostName { get; set; }

    public string StoragePool { get; set; } = "platform";

    /// <summary>The pool's directory; <c>&lt;state&gt;/pool</c> by default.</summary>
    public string? StoragePoolPath { get; set; }

    /// <summary>Heartbeat and re-apply period; a desired-state change or a domain event acts at once.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the main loop may go without progress before the systemd watchdog is no longer pinged (and systemd,
    /// after WatchdogSec, restarts the agent). Below WatchdogSec (60 s in the unit file).
    /// </summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Tries of an image download that fails on the way before the instances waiting for it fail.</summary>
    public int ImageFetchAttempts { get; set; } = 6;

    /// <summary>How long one desired-state request waits on the API before it is asked again.</summary>
    public TimeSpan LongPollWait { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>How long a guest gets to shut down after the ACPI request before it is powered off.</summary>
    public TimeSpan StopDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The Open vSwitch integration bridge guest NICs join (made by the agent, userspace datapath).</summary>
    public string Bridge { get; set; } = "br-int";

    /// <summary>
    /// Guest networking on Open vSwitch: by default on when the switch's database socket exists, off on simulated
    /// hosts. <c>true</c> turns it on also on a simulated host, whose guests' ports someone else then adds to the
    /// bridge (tests that stand in for the guests' NICs).
    /// </summary>
    public bool? Networking { get; set; }

    public string OvsdbSocket { get; set; } = "/var/run/openvswitch/db.sock";

    /// <summary>Where ovs-vswitchd keeps its bridges' OpenFlow sockets (<c>&lt;bridge&gt;.mgmt</c>); Open vSwitch's run directory by default.</summary>
    public string? OvsRunDirectory { get; set; }

    /// <summary>
    /// The network namespace ovs-vswitchd runs in, where its internal ports appear before the agent moves a load balancer
    /// node's into the node's namespace; null (servers): the agent's own. Tests that run several switches on one machine,
    /// each in a namespace of its own, set it.
    /// </summary>
    public string? SwitchNamespace { get; set; }

    /// <summary>The address other servers' VPC tunnels reach this one at; by default the one it reaches the API from.</summary>
    public string? TunnelAddress { get; set; }

    /// <summary>The provider network's port (elastic IPs, NAT gateways); no interface: no public networking on this server.</summary>
    public UplinkOptions Uplink { get; set; } = new();

    /// <summary>The instance metadata service at 169.254.169.254 for this server's guests (with networking only); on by default.</summary>
    public bool MetadataService { get; set; } = true;

    /// <summary>
    /// The management relay beside the metadata service: managed guests (database servers) reach the API (its S3 endpoint,
    /// for backups) at 169.254.169.254 on <see cref="ApiUrl"/>'s port; on by default, with the metadata service only.
    /// </summary>
    public bool ManagementRelay { get; set; } = true;

    /// <summary>
    /// How long an instance's role credentials are handed out before the agent asks the API for new ones (EC2 renews them about
    /// hourly); the old ones stay valid until they expire, so a guest that read them just before keeps working.
    /// </summary>
    public TimeSpan CredentialRenewAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Renew at the latest when this little of the credentials' life is left (a role whose sessions are short).</summary>
    public TimeSpan CredentialRenewBefore { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The database guests' management channels (<see cref="Databases.DatabaseDriver"/> over the state directory's
    /// <c>channels</c>): on by default, off on simulated hosts. <c>true</c> turns them on also on a simulated host, whose
    /// database guests' channel sockets someone else then serves (tests that stand in for the guest with its agent script).
    /// </summary>
    public bool? DatabaseChannels { get; set; }

    public bool NetworkingEnabled => Networking ?? (!Simulated && File.Exists(OvsdbSocket));

    public bool DatabaseChannelsEnabled => DatabaseChannels ?? !Simulated;

    public string ResolvedDomainType => DomainType ?? (Simulated ? "test" : File.Exists("/dev/kvm") ? "kvm" : "qemu");

    /// <summary>libvirt's simulated hypervisor, directly (<c>test:///…</c>) or through a daemon (<c>test+unix:///…</c>).</summary>
    public bool Simulated => LibvirtUri.StartsWith("test:", StringComparison.Ordinal) || LibvirtUri.StartsWith("test+", StringComparison.Ordinal);
}

/// <summary>
/// The uplink (section <c>Agent:Uplink</c>): a NIC, VLAN device or veth on the provider network, which the agent adds to the
/// integration bridge as one more port. Elastic IPs of this server's guests and the NAT gateways it carries are answered and
/// translated there (see docs/ARCHITECTURE.md, "The network edge").
/// </summary>
public sealed class UplinkOptions
{
    /// <summary>The device, e.g. <c>eth1</c> or <c>bond0.200</c>. It must be up and carry no address of the server's own.</summary>
    public string? Interface { get; set; }

    /// <summary>The provider gateway's MAC, when it should not be learnt from the gateway's ARP answers (a router that answers none).</summary>
    public string? GatewayMac { get; set; }
}
