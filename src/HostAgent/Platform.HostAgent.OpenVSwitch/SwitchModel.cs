namespace Platform.HostAgent.OpenVSwitch;

/// <summary>The encapsulation of a tunnel port between two servers' integration bridges.</summary>
public enum TunnelKind
{
    Vxlan,
    Geneve,
}

/// <summary>
/// A bridge as the agent wants it. The defaults are the ones a server runs with: the userspace
/// datapath (no kernel module needed) and fail_mode=secure, so a bridge whose flows are not
/// installed yet, or whose controller is gone, forwards nothing rather than everything.
/// </summary>
public sealed record BridgeSpec(string Name)
{
    public string DatapathType { get; init; } = "netdev";

    public string FailMode { get; init; } = "secure";

    /// <summary>OpenFlow 1.4+ is needed for bundles (atomic flow replacement).</summary>
    public IReadOnlyList<string> Protocols { get; init; } = ["OpenFlow10", "OpenFlow13", "OpenFlow14", "OpenFlow15"];
}

/// <summary>
/// A port with its one interface, as the agent wants it. <see cref="ExternalIds"/> are merged into
/// the interface's (keys set by others, such as libvirt's iface-status, are kept); options are replaced.
/// </summary>
public sealed record PortSpec
{
    public required string Name { get; init; }

    /// <summary>The interface type: "" (a system or tap device), "internal", "vxlan", "geneve", "patch".</summary>
    public string Type { get; init; } = "";

    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> ExternalIds { get; init; } = new Dictionary<string, string>();

    /// <summary>The port's local VLAN (access port), or none.</summary>
    public int? Tag { get; init; }

    /// <summary>A fixed OpenFlow port number to ask for, or none to let ovs-vswitchd choose.</summary>
    public int? OfPortRequest { get; init; }

    public static PortSpec Internal(string name, int? ofPortRequest = null) =>
        new() { Name = name, Type = "internal", OfPortRequest = ofPortRequest };

    /// <summary>
    /// A tunnel to one remote server. key=flow: the VNI is set per packet by the flows (one VNI per
    /// VPC), so one port carries every VPC the two servers share.
    /// </summary>
    public static PortSpec Tunnel(string name, TunnelKind kind, string remoteIp, int? ofPortRequest = null) => new()
    {
        Name = name,
        Type = kind == TunnelKind.Vxlan ? "vxlan" : "geneve",
        Options = new Dictionary<string, string> { ["remote_ip"] = remoteIp, ["key"] = "flow" },
        OfPortRequest = ofPortRequest,
    };

    /// <summary>
    /// A guest NIC's tap device, with the external ids libvirt and OpenStack use (iface-id names the
    /// network interface, attached-mac its MAC, vm-id the instance) and the VPC's local VLAN as tag.
    /// </summary>
    public static PortSpec GuestTap(string name, string interfaceId, string mac, string instanceId, int localVlan) => new()
    {
        Name = name,
        ExternalIds = new Dictionary<string, string>
        {
            ["iface-id"] = interfaceId,
            ["attached-mac"] = mac,
            ["vm-id"] = instanceId,
        },
        Tag = localVlan,
    };
}

/// <summary>A port of a bridge as the switch has it, with its interface's state.</summary>
public sealed record PortInfo(
    string Name,
    string Bridge,
    string Type,
    int? OfPort,
    int? Tag,
    IReadOnlyDictionary<string, string> Options,
    IReadOnlyDictionary<string, string> ExternalIds,
    string? MacInUse,
    string? Error)
{
    /// <summary>The network interface id set by libvirt's &lt;virtualport&gt; parameters (external_ids:iface-id).</summary>
    public string? InterfaceId => ExternalIds.GetValueOrDefault("iface-id");

    public string? AttachedMac => ExternalIds.GetValueOrDefault("attached-mac");
}
