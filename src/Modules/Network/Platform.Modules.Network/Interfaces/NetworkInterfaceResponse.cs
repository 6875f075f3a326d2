using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.Interfaces;

internal sealed record GroupIdentifier(string GroupId, string GroupName);

internal sealed record InterfaceAttachment(string AttachmentId, string InstanceId, int DeviceIndex, string Status);

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
    InterfaceAttachment? Attachment)
{
    public static NetworkInterfaceResponse From(NetworkInterface eni, IReadOnlyList<GroupIdentifier> groups) =>
        new(eni.Id, eni.SubnetId, eni.VpcId, eni.AvailabilityZone, eni.MacAddress, eni.PrivateIpAddress,
            eni.InstanceId is null ? "available" : "in-use", eni.AccountId, eni.Description, groups,
            eni.InstanceId is null ? null : new InterfaceAttachment(eni.AttachmentId ?? "", eni.InstanceId, 0, "attached"));
}

internal sealed record NetworkInterfaceListResponse(IReadOnlyList<NetworkInterfaceResponse> NetworkInterfaces);
