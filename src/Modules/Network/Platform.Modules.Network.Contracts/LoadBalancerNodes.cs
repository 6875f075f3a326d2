using Mediator;

namespace Platform.Modules.Network.Contracts;

/// <summary>
/// The load balancer nodes a server is to run, and where the nodes of <see cref="VpcIds"/> run elsewhere (their interfaces
/// are reached through the tunnels like any guest's). For the platform's own use (composing a server's desired state):
/// not scoped to a caller.
/// </summary>
public sealed record DescribeHostLoadBalancerNodes(string HostId, IReadOnlyList<string> VpcIds) : IRequest<HostLoadBalancerNodes>;

/// <param name="DesiredNodesJson">Platform.HostAgent.Protocol's <c>DesiredLoadBalancerNode</c> list for the server, in the agent
/// protocol's JSON (contracts carry only the shared kernel's types; the node's one definition stays the protocol's).</param>
/// <param name="Vpcs">The VPCs of the nodes here, with their isolation ids: the server must hold them even with no guest of theirs.</param>
/// <param name="Elsewhere">Nodes of the asked VPCs (and of the nodes' VPCs here) placed on other servers.</param>
public sealed record HostLoadBalancerNodes(string DesiredNodesJson, IReadOnlyList<LoadBalancerNodeVpc> Vpcs, IReadOnlyList<LoadBalancerNodePlacement> Elsewhere);

public sealed record LoadBalancerNodeVpc(string VpcId, int IsolationId);

/// <summary>A node's interface in its VPC and the server carrying it.</summary>
public sealed record LoadBalancerNodePlacement(string NodeId, string VpcId, string MacAddress, string PrivateIpAddress, string HostId);

/// <summary>
/// A server's agent reported its load balancer nodes (<c>HostReport.LoadBalancerNodes</c>): Compute publishes it with every
/// report that has them, and Network records its targets' health and moves its balancers from provisioning to active.
/// <paramref name="ReportsJson"/> is Platform.HostAgent.Protocol's <c>LoadBalancerNodeReport</c> list in the agent protocol's JSON.
/// </summary>
public sealed record LoadBalancerNodesReported(string HostId, string ReportsJson) : INotification;
