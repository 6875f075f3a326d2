using Mediator;

namespace Platform.Modules.Compute.Contracts;

/// <summary>Where an instance of the account runs (its server and zone) and its state; null when the account has no such instance (a managed one counts as none).</summary>
public sealed record DescribeInstancePlacement(string AccountId, string InstanceId) : IRequest<InstancePlacement?>;

/// <summary>
/// Which of the given instances Compute knows, in any account, with their placement and state (terminated ones
/// until they are forgotten, an hour after termination); unknown ids are left out. For the platform's own use:
/// the Network module's housekeeping asks it to find interfaces whose launch never recorded its instance.
/// </summary>
public sealed record DescribeInstancePlacements(IReadOnlyList<string> InstanceIds) : IRequest<IReadOnlyList<InstancePlacement>>;

/// <param name="State">EC2's instance state: pending, running, stopping, stopped, shutting-down, terminated.</param>
public sealed record InstancePlacement(string InstanceId, string State, string HostId, string AvailabilityZone);

/// <summary>
/// Something another module keeps on a server changed (a volume attached, detached, deleted, a snapshot asked
/// for): the server's desired-state version rises and its agent wakes. Answers the new version.
/// </summary>
public sealed record RaiseHostDesiredState(string HostId) : IRequest<long>;

/// <summary>Checks the credential a HostAgent presents (<c>PlatformHost host_id:secret</c>); answers the host's id or fails with 401.</summary>
public sealed record AuthenticateAgentHost(string? Authorization) : IRequest<string>;
