namespace Platform.Modules.Network.Persistence;

/// <summary>
/// An ELBv2 load balancer. Its subnets (one per zone) and security groups are JSON lists; each subnet has a node: an
/// interface of its own in the subnet (<see cref="NetworkInterface"/>, described as ELBv2's are: <c>ELB app/NAME/ID</c>).
/// An internet-facing one also holds a public address from the operator's pool, owned by the platform, not the tenant.
/// </summary>
internal sealed class LoadBalancer
{
    public required string Arn { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    /// <summary><c>application</c> or <c>network</c>.</summary>
    public required string Type { get; init; }

    /// <summary><c>internet-facing</c> or <c>internal</c>.</summary>
    public required string Scheme { get; init; }

    public required string VpcId { get; init; }

    /// <summary><c>provisioning</c>, <c>active</c>, <c>active_impaired</c>, <c>failed</c> (ELBv2's).</summary>
    public required string State { get; set; }

    /// <summary>JSON list of <see cref="LoadBalancerNode"/>.</summary>
    public required string NodesJson { get; set; }

    /// <summary>JSON list of security group ids (application load balancers).</summary>
    public string SecurityGroupsJson { get; set; } = "[]";

    /// <summary>
    /// The pool address's allocation of an internet-facing load balancer made before each node had its own
    /// (<see cref="LoadBalancerNode.PublicIp"/>): read for such rows, released with them, never written now.
    /// </summary>
    public string? AllocationId { get; set; }

    public string? PublicIp { get; set; }

    public string TagsJson { get; set; } = "[]";

    public DateTime CreatedAt { get; init; }
}

/// <summary>
/// A load balancer's presence in one zone: its subnet, the interface its HAProxy answers on, and the server that carries it
/// (Compute's <c>ChooseServiceHost</c> at creation, in the balancer's own insert: two replicas never place one node twice).
/// </summary>
/// <param name="HostId">Null when the zone had no server to carry it.</param>
/// <param name="AllocationId">An internet-facing balancer's node: its own address of the public pool (service-owned), taken in the
/// balancer's own insert and released in its delete, so no crash between steps leaves one allocated. One per node, as ELBv2
/// gives one per zone: the server whose node is keepalived's MASTER answers for it on the uplink alone.</param>
/// <param name="PeerNetworkInterfaceId">An internet-facing balancer's second node in the zone (its own interface and address in the
/// subnet, made in the balancer's own insert), on another server than the first (<see cref="PeerHostId"/>): keepalived between the
/// two moves the public address when one fails. Null for an internal balancer and one made before pairs.</param>
/// <param name="PeerHostId">Null until a second server of the zone carries it (the <c>elb-node-placement</c> job places it then).</param>
/// <param name="FirstNetworkInterfaceId">An internal balancer's pair: the first node's own interface. The zone's
/// <see cref="NetworkInterfaceId"/>/<see cref="PrivateIpAddress"/> (what clients use) is then the pair's virtual address, held
/// by keepalived's MASTER, and no node's own; null for an internet-facing balancer (whose public address moves instead) and for
/// an internal one whose node is still alone (its address is its node's own).</param>
internal sealed record LoadBalancerNode(string SubnetId, string AvailabilityZone, string NetworkInterfaceId, string PrivateIpAddress, string? HostId = null,
    string? AllocationId = null, string? PublicIp = null, string? PeerNetworkInterfaceId = null, string? PeerPrivateIpAddress = null, string? PeerHostId = null,
    string? FirstNetworkInterfaceId = null, string? FirstPrivateIpAddress = null)
{
    /// <summary>The zone's nodes as servers run them: the first, then its peer when it has one.</summary>
    public IEnumerable<LoadBalancerNodeMember> Members()
    {
        yield return FirstNetworkInterfaceId is { } first && FirstPrivateIpAddress is { } firstIp
            ? new LoadBalancerNodeMember(first, firstIp, HostId, IsPeer: false)
            : new LoadBalancerNodeMember(NetworkInterfaceId, PrivateIpAddress, HostId, IsPeer: false);
        if (PeerNetworkInterfaceId is { } peer && PeerPrivateIpAddress is { } peerIp)
        {
            yield return new LoadBalancerNodeMember(peer, peerIp, PeerHostId, IsPeer: true);
        }
    }

    /// <summary>The servers carrying the zone's nodes.</summary>
    public IEnumerable<string> HostIds() => Members().Select(m => m.HostId).OfType<string>();

    /// <summary>The interfaces of the zone's nodes, and an internal pair's virtual one.</summary>
    public IEnumerable<string> InterfaceIds() => Members().Select(m => m.NetworkInterfaceId).Append(NetworkInterfaceId).Distinct(StringComparer.Ordinal);

    /// <summary>An internal pair's virtual address (the zone's, held by its MASTER); null when the zone's address is a node's own.</summary>
    public string? VirtualIpAddress() => FirstNetworkInterfaceId is null ? null : PrivateIpAddress;

    /// <summary>Both nodes of the pair are placed: they run keepalived between them.</summary>
    public bool IsPaired() => HostId is not null && PeerHostId is not null && PeerPrivateIpAddress is not null;
}

/// <summary>One of a zone's (one or two) nodes: its interface, address and server.</summary>
internal sealed record LoadBalancerNodeMember(string NetworkInterfaceId, string PrivateIpAddress, string? HostId, bool IsPeer);

internal static class LoadBalancerTypes
{
    public const string Application = "application";
    public const string Network = "network";
}

internal static class LoadBalancerSchemes
{
    public const string InternetFacing = "internet-facing";
    public const string Internal = "internal";
}

internal sealed class TargetGroup
{
    public required string Arn { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    /// <summary>HTTP (application load balancers), TCP, UDP or TCP_UDP (network).</summary>
    public required string Protocol { get; init; }

    public int Port { get; init; }

    public required string VpcId { get; init; }

    /// <summary><c>instance</c> or <c>ip</c>.</summary>
    public required string TargetType { get; init; }

    public bool HealthCheckEnabled { get; set; } = true;

    public required string HealthCheckProtocol { get; set; }

    /// <summary><c>traffic-port</c> or a port number.</summary>
    public string HealthCheckPort { get; set; } = "traffic-port";

    public string? HealthCheckPath { get; set; }

    public int HealthCheckIntervalSeconds { get; set; }

    public int HealthCheckTimeoutSeconds { get; set; }

    public int HealthyThresholdCount { get; set; }

    public int UnhealthyThresholdCount { get; set; }

    /// <summary>The HTTP codes a healthy target answers (<c>200</c>, <c>200-299</c>, <c>200,302</c>); null for TCP checks.</summary>
    public string? Matcher { get; set; }

    public int DeregistrationDelaySeconds { get; set; } = 300;

    public string TagsJson { get; set; } = "[]";

    public DateTime CreatedAt { get; init; }
}

/// <summary>
/// A target registered in a target group. Deregistering sets <see cref="DeregisteredAt"/>: it drains for the group's delay
/// and is then removed. Health is what the node's HAProxy last reported (null: not yet checked).
/// </summary>
internal sealed class RegisteredTarget
{
    public required string TargetGroupArn { get; init; }

    /// <summary>An instance id or an IPv4 address.</summary>
    public required string TargetId { get; init; }

    public int Port { get; init; }

    public required string AccountId { get; init; }

    /// <summary>The address traffic goes to: the instance's primary private address, or the ip target itself.</summary>
    public required string IpAddress { get; init; }

    public required string AvailabilityZone { get; init; }

    public DateTime RegisteredAt { get; set; }

    public DateTime? DeregisteredAt { get; set; }

    /// <summary><c>healthy</c> or <c>unhealthy</c> as last reported by a load balancer node; null before its first checks.</summary>
    public string? ReportedHealth { get; set; }

    public string? ReportedReason { get; set; }

    public DateTime? ReportedAt { get; set; }
}

internal sealed class Listener
{
    public required string Arn { get; init; }

    public required string LoadBalancerArn { get; init; }

    public required string AccountId { get; init; }

    /// <summary>HTTP (application), TCP or UDP (network).</summary>
    public required string Protocol { get; init; }

    public int Port { get; init; }

    /// <summary>JSON of the checked default action (<see cref="LoadBalancing.Rules.RuleAction"/>).</summary>
    public required string DefaultActionJson { get; set; }

    public DateTime CreatedAt { get; init; }
}

/// <summary>A listener rule other than the default one (the listener's default action is its default rule). Priorities are unique per listener.</summary>
internal sealed class ListenerRule
{
    public required string Arn { get; init; }

    public required string ListenerArn { get; init; }

    public required string AccountId { get; init; }

    public int Priority { get; set; }

    public required string ConditionsJson { get; set; }

    public required string ActionJson { get; set; }

    public DateTime CreatedAt { get; init; }
}
