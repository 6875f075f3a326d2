using Mediator;

namespace Platform.Modules.Compute.Contracts;

/// <summary>
/// A server to carry a network service (a NAT gateway) in <see cref="AvailabilityZone"/>: reachable, enabled, with a tunnel
/// address, the one carrying the fewest instances (ties to the lower id). Null when the zone has none.
/// </summary>
/// <param name="ExceptHostId">A server not to choose (a load balancer node's peer goes on another server than the node).</param>
public sealed record ChooseServiceHost(string AvailabilityZone, string? ExceptHostId = null) : IRequest<ServiceHost?>;

/// <param name="TunnelAddress">Where the other servers' VPC tunnels reach it.</param>
public sealed record ServiceHost(string HostId, string TunnelAddress);
