using Mediator;

namespace Platform.Modules.Network.Contracts;

/// <summary>
/// What Network bills by the hour, for metering: every elastic IP allocated to a tenant (associated or idle, as AWS
/// bills every public IPv4 address), every NAT gateway not failed and not deleted before <paramref name="Since"/>, and
/// every load balancer. The addresses Network holds for its own load balancers are the balancer's cost, not an account's
/// addresses.
/// </summary>
public sealed record DescribeMeteredNetworkResources(DateTime Since) : IRequest<IReadOnlyList<MeteredNetworkResource>>;

/// <param name="Kind"><see cref="MeteredNetworkKinds"/>.</param>
/// <param name="Detail">An address's <c>in-use</c> or <c>idle</c>; a load balancer's type (<c>application</c>, <c>network</c>); null for a NAT gateway.</param>
/// <param name="CreatedAt">When it was allocated or created (UTC).</param>
/// <param name="DeletedAt">When a NAT gateway was deleted; null while it exists (the others are gone once deleted).</param>
public sealed record MeteredNetworkResource(string AccountId, string ResourceId, string Kind, string? Detail, DateTime CreatedAt, DateTime? DeletedAt);

public static class MeteredNetworkKinds
{
    public const string ElasticIp = "elastic-ip";
    public const string NatGateway = "nat-gateway";
    public const string LoadBalancer = "load-balancer";

    public const string InUse = "in-use";
    public const string Idle = "idle";
}
