using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Network.Subnets;

internal sealed record SubnetResponse(
    string SubnetId,
    string SubnetArn,
    string VpcId,
    string CidrBlock,
    string AvailabilityZone,
    long AvailableIpAddressCount,
    bool DefaultForAz,
    string State,
    string OwnerId,
    DateTime CreateTime)
{
    /// <summary>The resource's tags (EC2's tagSet), by key.</summary>
    public IReadOnlyList<ResourceTag> Tags { get; init; } = [];

    public static SubnetResponse From(Subnet subnet, string region, int interfacesInSubnet)
    {
        _ = Ipv4Cidr.TryParse(subnet.CidrBlock, out var cidr);
        return new(subnet.Id, NetworkArns.Subnet(region, subnet.AccountId, subnet.Id), subnet.VpcId, subnet.CidrBlock, subnet.AvailabilityZone,
            SubnetAddresses.AssignableCount(cidr) - interfacesInSubnet, subnet.DefaultForAz, "available", subnet.AccountId, subnet.CreatedAt);
    }
}

internal sealed record SubnetListResponse(IReadOnlyList<SubnetResponse> Subnets);
