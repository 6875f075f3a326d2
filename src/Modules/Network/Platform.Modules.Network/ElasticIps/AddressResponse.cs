using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Network.ElasticIps;

/// <summary>An elastic IP as EC2's DescribeAddresses shows it (domain <c>vpc</c>).</summary>
internal sealed record AddressResponse(
    string AllocationId,
    string PublicIp,
    string Domain,
    string? AssociationId,
    string? NetworkInterfaceId,
    string? InstanceId,
    string? PrivateIpAddress,
    string NetworkInterfaceOwnerId)
{
    /// <summary>The resource's tags (EC2's tagSet), by key.</summary>
    public IReadOnlyList<ResourceTag> Tags { get; init; } = [];

    public static AddressResponse From(ElasticAddress address, NetworkInterface? eni) =>
        new(address.AllocationId, address.PublicIp, "vpc", address.AssociationId, address.NetworkInterfaceId, eni?.InstanceId, eni?.PrivateIpAddress, address.AccountId);
}

internal sealed record AddressListResponse(IReadOnlyList<AddressResponse> Addresses);

internal sealed record AssociateAddressResponse(string AssociationId);
