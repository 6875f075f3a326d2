using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.NatGateways;

internal sealed record NatGatewayAddress(string AllocationId, string? NetworkInterfaceId, string? PrivateIp, string PublicIp);

/// <param name="State">pending, available, deleting, deleted or failed, as EC2's.</param>
internal sealed record NatGatewayResponse(
    string NatGatewayId,
    string SubnetId,
    string VpcId,
    string State,
    string ConnectivityType,
    IReadOnlyList<NatGatewayAddress> NatGatewayAddresses,
    DateTime CreateTime,
    DateTime? DeleteTime,
    string? FailureCode,
    string? FailureMessage)
{
    public static NatGatewayResponse From(NatGateway nat, string publicIp, string? privateIp, string? state = null) => new(
        nat.Id,
        nat.SubnetId,
        nat.VpcId,
        state ?? nat.State,
        "public",
        [new NatGatewayAddress(nat.AllocationId, nat.NetworkInterfaceId, privateIp, publicIp)],
        nat.CreatedAt,
        nat.DeletedAt,
        nat.FailureMessage is null ? null : "InternalError",
        nat.FailureMessage);
}

internal sealed record NatGatewayListResponse(IReadOnlyList<NatGatewayResponse> NatGateways);
