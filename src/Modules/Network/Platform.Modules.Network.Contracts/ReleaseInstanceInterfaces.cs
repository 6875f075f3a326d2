using Mediator;

namespace Platform.Modules.Network.Contracts;

/// <summary>
/// Deletes the interfaces attached to an instance and returns their addresses to their subnets.
/// Compute sends it when an instance is terminated. Idempotent: an instance without interfaces
/// releases nothing and succeeds.
/// </summary>
public sealed record ReleaseInstanceInterfaces(string AccountId, string InstanceId) : IRequest<ReleasedInterfaces>;

/// <summary>The interfaces deleted, and the VPCs whose desired firewall state changed with them.</summary>
public sealed record ReleasedInterfaces(IReadOnlyList<string> NetworkInterfaceIds, IReadOnlyList<string> VpcIds);
