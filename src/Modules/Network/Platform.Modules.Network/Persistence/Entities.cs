namespace Platform.Modules.Network.Persistence;

/// <summary>
/// Marks that an account's default VPC was made (once: its key settles two first uses racing). The VPC
/// may since have been deleted, as AWS allows; then it is not made again behind the tenant's back.
/// </summary>
internal sealed class AccountNetwork
{
    public required string AccountId { get; init; }

    public string? DefaultVpcId { get; set; }

    public DateTime CreatedAt { get; init; }
}

internal sealed class Vpc
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string CidrBlock { get; init; }

    /// <summary>Unique across the platform and never reused (the VNI between servers); allocated in <see cref="IsolationIdAllocation"/>.</summary>
    public int IsolationId { get; init; }

    public bool IsDefault { get; init; }

    /// <summary>Bumped by every subnet creation, so two concurrent creations cannot both pass the overlap check.</summary>
    public int Version { get; set; }

    public DateTime CreatedAt { get; init; }
}

/// <summary>
/// An isolation id handed to a VPC. The row outlives its VPC, so the next id is always above every id ever given:
/// a deleted VPC's VNI never reaches another VPC (whose guests would otherwise receive the late traffic of
/// servers that still hold the old VPC's tunnels). The primary key settles two allocations racing for one id.
/// </summary>
internal sealed class IsolationIdAllocation
{
    public int IsolationId { get; init; }

    public required string VpcId { get; init; }

    public DateTime AllocatedAt { get; init; }
}

internal sealed class Subnet
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string VpcId { get; init; }

    public required string CidrBlock { get; init; }

    public required string AvailabilityZone { get; init; }

    public bool DefaultForAz { get; init; }

    public DateTime CreatedAt { get; init; }
}

internal sealed class SecurityGroup
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string VpcId { get; init; }

    public required string GroupName { get; init; }

    public required string Description { get; init; }

    public bool IsDefault { get; init; }

    /// <summary>Bumped by every rule change, so concurrent changes cannot overrun the rule limit or add duplicates.</summary>
    public int Version { get; set; }

    public DateTime CreatedAt { get; init; }
}

internal sealed class SecurityGroupRule
{
    public required string Id { get; init; }

    public required string GroupId { get; init; }

    public required string AccountId { get; init; }

    public bool IsEgress { get; init; }

    /// <summary>tcp, udp, icmp or -1 (all).</summary>
    public required string Protocol { get; init; }

    public int? FromPort { get; init; }

    public int? ToPort { get; init; }

    public string? CidrIpv4 { get; init; }

    public string? ReferencedGroupId { get; init; }

    public string? Description { get; init; }

    public DateTime CreatedAt { get; init; }
}

internal sealed class NetworkInterface
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string VpcId { get; init; }

    public required string SubnetId { get; init; }

    public required string AvailabilityZone { get; init; }

    public required string MacAddress { get; init; }

    public required string PrivateIpAddress { get; init; }

    /// <summary>The address as a number; unique per subnet, which is what keeps two interfaces off one address.</summary>
    public long AddressValue { get; init; }

    public string? InstanceId { get; init; }

    public string? AttachmentId { get; init; }

    public string Description { get; init; } = "";

    /// <summary><c>interface</c> (an instance's) or <c>nat_gateway</c>, as EC2's InterfaceType.</summary>
    public string InterfaceType { get; init; } = InterfaceTypes.Interface;

    public DateTime CreatedAt { get; init; }
}

internal sealed class InterfaceSecurityGroup
{
    public required string InterfaceId { get; init; }

    public required string GroupId { get; init; }
}

/// <summary>A VPC's route table. Whether it is the VPC's main table is its main association's business (<see cref="RouteTableAssociation"/>).</summary>
internal sealed class RouteTable
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string VpcId { get; init; }

    /// <summary>Bumped by every route change, so two writers cannot both pass the duplicate check or delete under an association.</summary>
    public int Version { get; set; }

    public DateTime CreatedAt { get; init; }
}

/// <summary>
/// A route other than the implicit local one, with exactly one target. The (table, destination) key settles two creations of one destination racing.
/// </summary>
internal sealed class Route
{
    public required string RouteTableId { get; init; }

    public required string DestinationCidrBlock { get; init; }

    public required string AccountId { get; init; }

    public string? GatewayId { get; set; }

    public string? NatGatewayId { get; set; }

    public string? NetworkInterfaceId { get; set; }

    public DateTime CreatedAt { get; init; }
}

/// <summary>
/// A subnet's association with a table (<see cref="SubnetId"/> unique: a subnet has one table), or the VPC's main
/// association (<see cref="MainVpcId"/> unique: a VPC has one main table). Unique columns, not a lock, keep both true
/// across API replicas.
/// </summary>
internal sealed class RouteTableAssociation
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string VpcId { get; init; }

    public required string RouteTableId { get; set; }

    public string? SubnetId { get; init; }

    /// <summary>The VPC's id for its main association, null for a subnet's.</summary>
    public string? MainVpcId { get; init; }

    public DateTime CreatedAt { get; init; }
}

/// <summary>An internet gateway; <see cref="AttachedVpcId"/> is unique, so a VPC has at most one however many attach at once.</summary>
internal sealed class InternetGateway
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public string? AttachedVpcId { get; set; }

    public DateTime CreatedAt { get; init; }
}

/// <summary>
/// An elastic IP taken from the operator's pool. <see cref="AddressValue"/> is unique: of two replicas picking one address,
/// one inserts and the other picks again. <see cref="NetworkInterfaceId"/> is unique: an interface has one elastic IP.
/// </summary>
internal sealed class ElasticAddress
{
    public required string AllocationId { get; init; }

    public required string AccountId { get; init; }

    public required string PublicIp { get; init; }

    public long AddressValue { get; init; }

    public string? AssociationId { get; set; }

    public string? NetworkInterfaceId { get; set; }

    /// <summary>The interface's VPC while associated (for the detach check of its internet gateway).</summary>
    public string? VpcId { get; set; }

    /// <summary>Bumped by every association change, so two moves of one address cannot interleave.</summary>
    public int Version { get; set; }

    public DateTime AllocatedAt { get; init; }
}

/// <summary>A NAT gateway: an interface of its own in its subnet, an elastic IP, and the server that carries it.</summary>
internal sealed class NatGateway
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string VpcId { get; init; }

    public required string SubnetId { get; init; }

    public required string AllocationId { get; init; }

    /// <summary>pending, available, deleting, deleted, failed (EC2's states).</summary>
    public required string State { get; set; }

    public string? NetworkInterfaceId { get; set; }

    public string? HostId { get; set; }

    public string? HostTunnelAddress { get; set; }

    public string? ClientToken { get; init; }

    /// <summary>Why it failed (no server in its zone), EC2's FailureMessage.</summary>
    public string? FailureMessage { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime? DeletedAt { get; set; }
}

internal static class NatGatewayStates
{
    public const string Pending = "pending";
    public const string Available = "available";
    public const string Deleting = "deleting";
    public const string Deleted = "deleted";
    public const string Failed = "failed";
}

internal static class InterfaceTypes
{
    public const string Interface = "interface";
    public const string NatGateway = "nat_gateway";

    /// <summary>A network load balancer's node, as EC2 shows it; an application load balancer's node is an <c>interface</c> described <c>ELB app/…</c>.</summary>
    public const string NetworkLoadBalancer = "network_load_balancer";
}

/// <summary>A tag of one of the account's Network resources (EC2's tags), known by the resource's id.</summary>
internal sealed class ResourceTagRow
{
    public required string ResourceId { get; init; }

    public required string AccountId { get; init; }

    /// <summary>EC2's resource type (<c>vpc</c>, <c>subnet</c>, <c>security-group</c>, …), for DescribeTags.</summary>
    public required string ResourceType { get; init; }

    public required string Key { get; init; }

    public required string Value { get; set; }
}
