using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Network.RouteTables;

/// <param name="GatewayId"><c>local</c> for the VPC's own block, or an igw-….</param>
/// <param name="State"><c>active</c>, or <c>blackhole</c> when the target is gone (a detached gateway, a deleted NAT gateway or interface).</param>
/// <param name="Origin"><c>CreateRouteTable</c> for the local route, <c>CreateRoute</c> for the others.</param>
internal sealed record RouteResponse(
    string DestinationCidrBlock,
    string? GatewayId,
    string? NatGatewayId,
    string? NetworkInterfaceId,
    string? InstanceId,
    string State,
    string Origin);

internal sealed record AssociationState(string State);

internal sealed record RouteTableAssociationResponse(string RouteTableAssociationId, string RouteTableId, string? SubnetId, bool Main, AssociationState AssociationState)
{
    public static RouteTableAssociationResponse From(RouteTableAssociation association) =>
        new(association.Id, association.RouteTableId, association.SubnetId, association.MainVpcId is not null, new AssociationState("associated"));
}

internal sealed record RouteTableResponse(
    string RouteTableId,
    string VpcId,
    string OwnerId,
    IReadOnlyList<RouteResponse> Routes,
    IReadOnlyList<RouteTableAssociationResponse> Associations)
{
    /// <summary>The resource's tags (EC2's tagSet), by key.</summary>
    public IReadOnlyList<ResourceTag> Tags { get; init; } = [];
}

internal sealed record RouteTableListResponse(IReadOnlyList<RouteTableResponse> RouteTables);

internal sealed record RouteTableAssociationIdResponse(string AssociationId, AssociationState AssociationState);
