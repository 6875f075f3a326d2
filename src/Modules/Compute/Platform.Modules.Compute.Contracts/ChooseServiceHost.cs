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

/// <summary>
/// Which of the given servers are lost for the services they carry: no heartbeat within Compute's heartbeat timeout (the
/// stalled-server rule hosts are listed <c>unreachable</c> by), or no longer known. A load balancer node on one is placed again.
/// </summary>
public sealed record DescribeLostHosts(IReadOnlyList<string> HostIds) : IRequest<IReadOnlyList<string>>;
