using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.LoadBalancing.LoadBalancers;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.Metering;

/// <summary>Network's hourly-billed resources as Billing samples them: three reads, nothing changed.</summary>
internal sealed class DescribeMeteredNetworkResourcesHandler(NetworkDbContext db) : IRequestHandler<DescribeMeteredNetworkResources, IReadOnlyList<MeteredNetworkResource>>
{
    public async ValueTask<IReadOnlyList<MeteredNetworkResource>> Handle(DescribeMeteredNetworkResources request, CancellationToken cancellationToken)
    {
        var addresses = await db.ElasticAddresses.AsNoTracking().Where(a => a.AccountId != CreateLoadBalancerHandler.ServiceOwner && !a.AccountId.StartsWith(ElasticIps.ServicePublicAddressesHandler.ServiceOwnerPrefix))
            .Select(a => new { a.AccountId, a.AllocationId, a.AssociationId, a.AllocatedAt }).ToListAsync(cancellationToken);
        var gateways = await db.NatGateways.AsNoTracking()
            .Where(n => n.State != NatGatewayStates.Failed && (n.DeletedAt == null || n.DeletedAt >= request.Since))
            .Select(n => new { n.AccountId, n.Id, n.CreatedAt, n.DeletedAt }).ToListAsync(cancellationToken);
        var balancers = await db.LoadBalancers.AsNoTracking()
            .Select(b => new { b.AccountId, b.Arn, b.Type, b.CreatedAt }).ToListAsync(cancellationToken);
        return
        [
            .. addresses.Select(a => new MeteredNetworkResource(a.AccountId, a.AllocationId, MeteredNetworkKinds.ElasticIp,
                a.AssociationId is null ? MeteredNetworkKinds.Idle : MeteredNetworkKinds.InUse, a.AllocatedAt, null)),
            .. gateways.Select(n => new MeteredNetworkResource(n.AccountId, n.Id, MeteredNetworkKinds.NatGateway, null, n.CreatedAt, n.DeletedAt)),
            .. balancers.Select(b => new MeteredNetworkResource(b.AccountId, b.Arn, MeteredNetworkKinds.LoadBalancer, b.Type, b.CreatedAt, null)),
        ];
    }
}
