namespace Platform.HostAgent.Protocol;

/// <summary>
/// One node of a load balancer that a server carries (ELBv2's model): an HAProxy of its own in a network namespace with the
/// node's interface in a subnet of the VPC. Its listeners, rules and target groups are the load balancer's as a whole: every
/// node of a load balancer forwards to every healthy target, whatever its zone (cross-zone load balancing).
/// </summary>
/// <param name="NodeId">The node's interface id (eni-…): one node per load balancer and zone.</param>
/// <param name="Type"><c>application</c> (HTTP) or <c>network</c> (TCP/UDP).</param>
/// <param name="PublicIpAddress">An internet-facing load balancer's address on the uplink; null for an internal one.</param>
/// <param name="Ingress">The balancer's security groups' inbound rules for the node's port, enforced as a guest's are; null (an
/// API older than them): open.</param>
/// <param name="Egress">Their outbound rules (what the node may reach: its targets, their health checks); null: open.</param>
/// <param name="Peer">The other node of the zone's pair, on another server: the two run keepalived between them and only the
/// MASTER's server answers for <paramref name="PublicIpAddress"/> on its uplink. Null: the node is alone in its zone (or the API
/// predates pairs) and its server answers for the address whenever the node is there.</param>
/// <param name="VirtualIpAddress">An internal balancer's zone address when the zone has a pair: no node's own, held on the node's
/// interface by its pair's keepalived MASTER (by the node itself while it has no <paramref name="Peer"/>); the node's port may send
/// from it and HAProxy listens on every address of the namespace. Null: the node's own address is the zone's.</param>
public sealed record DesiredLoadBalancerNode(
    string LoadBalancerArn,
    string NodeId,
    string Type,
    string VpcId,
    int VpcIsolationId,
    string SubnetCidr,
    string Gateway,
    string PrivateIpAddress,
    string MacAddress,
    string? PublicIpAddress,
    IReadOnlyList<DesiredListener> Listeners,
    IReadOnlyList<DesiredTargetGroup> TargetGroups,
    IReadOnlyList<DesiredFirewallRule>? Ingress = null,
    IReadOnlyList<DesiredFirewallRule>? Egress = null,
    DesiredNodePeer? Peer = null,
    string? VirtualIpAddress = null);

/// <summary>The zone's other node, as this node's keepalived sees it: unicast VRRP between the two nodes' private addresses.</summary>
/// <param name="PrivateIpAddress">The peer node's own address in the same subnet (where VRRP advertisements go and come from).</param>
/// <param name="VirtualRouterId">VRRP's router id (1..255), the same on both nodes of the pair.</param>
/// <param name="Priority">This node's VRRP priority (1..254): both start BACKUP without preemption, so it only breaks a tie
/// when both come up at once; a MASTER keeps the address until it fails.</param>
public sealed record DesiredNodePeer(string PrivateIpAddress, int VirtualRouterId, int Priority);

/// <param name="Rules">The listener's rules other than its default one, any order (the node evaluates them by priority).</param>
public sealed record DesiredListener(int Port, string Protocol, DesiredAction DefaultAction, IReadOnlyList<DesiredListenerRule> Rules);

public sealed record DesiredListenerRule(int Priority, IReadOnlyList<DesiredRuleCondition> Conditions, DesiredAction Action);

/// <summary>A rule condition: values ORed (ELBv2's wildcards <c>*</c> and <c>?</c>); conditions of a rule are ANDed.</summary>
/// <param name="Field"><c>host-header</c>, <c>path-pattern</c>, <c>http-header</c>, <c>query-string</c>, <c>http-request-method</c> or <c>source-ip</c>.</param>
/// <param name="QueryPairs">For <c>query-string</c>: key (null: any key) and value pairs.</param>
public sealed record DesiredRuleCondition(string Field, IReadOnlyList<string> Values, string? HttpHeaderName = null, IReadOnlyList<DesiredQueryPair>? QueryPairs = null);

public sealed record DesiredQueryPair(string? Key, string Value);

/// <summary>
/// One action: <c>forward</c> (<paramref name="TargetGroups"/> with weights), <c>redirect</c> (ELBv2's parts, <c>#{host}</c> and
/// the like keeping the request's) or <c>fixed-response</c>.
/// </summary>
public sealed record DesiredAction(
    string Type,
    IReadOnlyList<DesiredWeightedTargetGroup>? TargetGroups = null,
    DesiredRedirect? Redirect = null,
    DesiredFixedResponse? FixedResponse = null);

public sealed record DesiredWeightedTargetGroup(string TargetGroupArn, int Weight);

public sealed record DesiredRedirect(string Protocol, string Port, string Host, string Path, string Query, string StatusCode);

public sealed record DesiredFixedResponse(string StatusCode, string? ContentType, string? MessageBody);

/// <summary>A target group with its health check settings (ELBv2's) and its targets.</summary>
/// <param name="HealthCheckPort"><c>traffic-port</c> or a port.</param>
/// <param name="Matcher">HTTP codes a healthy target answers (<c>200</c>, <c>200,202</c>, <c>200-299</c>); null for TCP checks.</param>
public sealed record DesiredTargetGroup(
    string TargetGroupArn,
    string Protocol,
    bool HealthCheckEnabled,
    string HealthCheckProtocol,
    string HealthCheckPort,
    string? HealthCheckPath,
    int HealthCheckIntervalSeconds,
    int HealthCheckTimeoutSeconds,
    int HealthyThresholdCount,
    int UnhealthyThresholdCount,
    string? Matcher,
    int DeregistrationDelaySeconds,
    IReadOnlyList<DesiredTarget> Targets);

/// <param name="TargetId">An instance id or the ip target's address.</param>
/// <param name="Draining">Deregistered: no new connections, those open keep going until the group's delay has passed.</param>
/// <param name="DrainedAt">When a draining target's delay ends (UTC): the agent takes it out of the node's configuration at that
/// moment, cutting what is still open, without waiting for a new desired state (nothing else changes then). Null: an API older
/// than it, or a target not draining.</param>
public sealed record DesiredTarget(string TargetId, string IpAddress, int Port, bool Draining, DateTime? DrainedAt = null);

/// <summary>What a node's HAProxy says of its targets (read from its stats socket): ELBv2's health, per target group and target.</summary>
public sealed record LoadBalancerNodeReport(string LoadBalancerArn, string NodeId, bool Serving, IReadOnlyList<TargetHealthReport> Targets);

/// <param name="State"><c>healthy</c>, <c>unhealthy</c> or <c>initial</c> (not yet checked enough times).</param>
/// <param name="Reason">ELBv2's reason when unhealthy: <c>Target.FailedHealthChecks</c>, <c>Target.ResponseCodeMismatch</c>, <c>Target.Timeout</c>.</param>
public sealed record TargetHealthReport(string TargetGroupArn, string TargetId, int Port, string State, string? Reason);
