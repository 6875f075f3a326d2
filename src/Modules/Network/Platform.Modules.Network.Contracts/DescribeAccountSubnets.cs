using Mediator;

namespace Platform.Modules.Network.Contracts;

/// <summary>
/// One account's subnets by id, for a module that places its own resources in them (a DB subnet group). Ids that are
/// unknown or belong to another account are left out, not errors: the caller says which are missing in its own words.
/// </summary>
public sealed record DescribeAccountSubnets(string AccountId, IReadOnlyList<string> SubnetIds) : IRequest<IReadOnlyList<AccountSubnet>>;

public sealed record AccountSubnet(string SubnetId, string VpcId, string AvailabilityZone, string CidrBlock);

/// <summary>
/// One account's security groups by id, or the default group of <paramref name="DefaultOfVpcId"/> when no ids are given
/// (what RDS takes when a DB instance names none). Unknown and other accounts' groups are left out.
/// </summary>
public sealed record DescribeAccountSecurityGroups(string AccountId, IReadOnlyList<string> GroupIds, string? DefaultOfVpcId = null)
    : IRequest<IReadOnlyList<AccountSecurityGroup>>;

public sealed record AccountSecurityGroup(string GroupId, string VpcId, string GroupName);
