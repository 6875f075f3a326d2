using Mediator;

namespace Platform.Modules.Network.Contracts;

/// <summary>
/// Something that shapes the edge of some VPCs changed: a route, a subnet's route table, an internet gateway attached or
/// detached, an elastic IP associated, moved or disassociated, a NAT gateway placed or deleted. Compute reacts by raising the
/// desired state of every server with instances in <see cref="VpcIds"/>, of the servers carrying their NAT gateways, and of
/// <see cref="HostIds"/> (a NAT gateway's server that no longer carries it). Published through Network's outbox in the
/// transaction of the change, so it is never lost; delivered at least once.
/// </summary>
public sealed record NetworkEdgeChanged(string AccountId, IReadOnlyList<string> VpcIds, IReadOnlyList<string> HostIds, DateTime ChangedAt) : INotification;
