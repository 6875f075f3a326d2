using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.Interfaces;

internal sealed record GroupIdentifier(string GroupId, string GroupName);

internal sealed record InterfaceAttachment(string AttachmentId, string InstanceId, int DeviceIndex, string Status);

/// <summary>The elastic IP mapped to an interface, as EC2's NetworkInterfaceAssociation.</summary>
internal sealed record InterfaceAddressAssociation(string PublicIp, string AllocationId, string AssociationId, string IpOwnerId);

/// <param name="InterfaceType"><c>interface</c> for an instance's, <c>nat_gateway</c> for a NAT gateway's.</param>
internal sealed record NetworkInterfaceResponse(
    string NetworkInterfaceId,
    string SubnetId,
    string VpcId,
    string AvailabilityZone,
    string MacAddress,
    string PrivateIpAddress,
    string Status,
    string OwnerId,
    string Description,
    IReadOnlyList<GroupIdentifier> Groups,
    InterfaceAttachment? Attachment,
    string InterfaceType,
    string? PublicIpAddress,
    InterfaceAddressAssociation? Association)
{
    public static NetworkInterfaceResponse From(NetworkInterface eni, IReadOnlyList<GroupIdentifier> groups, ElasticAddress? address) =>
        new(eni.Id, eni.SubnetId, eni.VpcId, eni.AvailabilityZone, eni.MacAddress, eni.PrivateIpAddress,
            eni.InstanceId is null && eni.InterfaceType == InterfaceTypes.Interface && !LoadBalancing.LoadBalancerNodes.IsNodeInterface(eni) ? "available" : "in-use", eni.AccountId, eni.Description, groups,
            eni.InstanceId is null ? null : new InterfaceAttachment(eni.AttachmentId ?? "", eni.InstanceId, 0, "attached"),
            eni.InterfaceType,
            address?.PublicIp,
            address is null ? null : new InterfaceAddressAssociation(address.PublicIp, address.AllocationId, address.AssociationId ?? "", address.AccountId));
}

internal sealed record NetworkInterfaceListResponse(IReadOnlyList<NetworkInterfaceResponse> NetworkInterfaces);
