using Mediator;

namespace Platform.Modules.Network.Contracts;

/// <summary>
/// The firewall of some interfaces in a VPC changed: a rule was added or removed, or an interface
/// joined or left (which changes the expansion of rules that name its groups). Compute reacts by
/// recomposing the desired state of the hosts running instances of <see cref="VpcId"/> (through
/// <see cref="DescribeInterfaceFirewall"/>). Published through Network's outbox, in the transaction of
/// the change, so it is never lost; delivered at least once.
/// </summary>
public sealed record SecurityGroupRulesChanged(string AccountId, string VpcId, IReadOnlyList<string> SecurityGroupIds, DateTime ChangedAt) : INotification;
