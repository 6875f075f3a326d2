using Mediator;

namespace Platform.Modules.Network.Contracts;

/// <summary>
/// The VPC and zone of each of an account's subnets among <paramref name="SubnetIds"/>; a subnet of another account, or
/// none, is left out. Compute asks it to check an Auto Scaling group's subnets (one VPC, the zones to balance over).
/// </summary>
public sealed record DescribeSubnetPlacements(string AccountId, IReadOnlyList<string> SubnetIds) : IRequest<IReadOnlyList<SubnetPlacement>>;

public sealed record SubnetPlacement(string SubnetId, string VpcId, string AvailabilityZone);
