using Mediator;

namespace Platform.Modules.Network.Contracts;

/// <summary>
/// The effective security-group state of interfaces, as a host enforces it: for each interface its
/// address, VPC isolation id and the union of its groups' rules, with rules that name a group already
/// expanded into that group's member addresses (/32 each). Rules are stateful: replies to allowed
/// traffic are allowed. Anything not allowed is dropped.
/// <para>
/// Not scoped to a caller: it is for the platform's own use (composing a host's desired state).
/// Select by interface ids, by instance ids, by VPC ids (every interface of the VPC: what a
/// <see cref="SecurityGroupRulesChanged"/> handler needs), or any mix; unknown ids are left out, not errors.
/// </para>
/// </summary>
public sealed record DescribeInterfaceFirewall(
    IReadOnlyList<string>? NetworkInterfaceIds = null,
    IReadOnlyList<string>? InstanceIds = null,
    IReadOnlyList<string>? VpcIds = null) : IRequest<IReadOnlyList<InterfaceFirewall>>;

/// <summary>One interface's firewall: who it is and what may reach it or leave it.</summary>
/// <param name="PublicIpAddress">The elastic IP associated with the interface, null for none.</param>
public sealed record InterfaceFirewall(
    string NetworkInterfaceId,
    string? InstanceId,
    string AccountId,
    string MacAddress,
    string PrivateIpAddress,
    int PrefixLength,
    string Gateway,
    string SubnetId,
    string VpcId,
    int VpcIsolationId,
    IReadOnlyList<string> SecurityGroupIds,
    IReadOnlyList<FirewallRule> Ingress,
    IReadOnlyList<FirewallRule> Egress,
    string? PublicIpAddress = null);

/// <summary>
/// One allowed flow. <see cref="Protocol"/> is <c>tcp</c>, <c>udp</c>, <c>icmp</c> or <c>-1</c> (all).
/// For tcp/udp the ports are an inclusive range; for icmp <see cref="FromPort"/> is the ICMP type and
/// <see cref="ToPort"/> the code, -1 meaning any; for -1 both are null. <see cref="Cidr"/> is the remote
/// side: the source for ingress, the destination for egress.
/// </summary>
public sealed record FirewallRule(string Protocol, int? FromPort, int? ToPort, string Cidr);
