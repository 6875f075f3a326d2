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

    public DateTime CreatedAt { get; init; }
}

internal sealed class InterfaceSecurityGroup
{
    public required string InterfaceId { get; init; }

    public required string GroupId { get; init; }
}
