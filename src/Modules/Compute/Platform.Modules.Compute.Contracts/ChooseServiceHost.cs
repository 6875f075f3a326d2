using Mediator;

namespace Platform.Modules.Compute.Contracts;

/// <summary>
/// A server to carry a network service (a NAT gateway) in <see cref="AvailabilityZone"/>: reachable, enabled, with a tunnel
/// address, the one carrying the fewest instances (ties to the lower id). Null when the zone has none.
/// </summary>
public sealed record ChooseServiceHost(string AvailabilityZone) : IRequest<ServiceHost?>;

/// <param name="TunnelAddress">Where the other servers' VPC tunnels reach it.</param>
public sealed record ServiceHost(string HostId, string TunnelAddress);
