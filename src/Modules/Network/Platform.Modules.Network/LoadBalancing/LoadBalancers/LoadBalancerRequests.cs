using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Network.LoadBalancing.LoadBalancers;

/// <summary>The account's load balancers: all, or the named ARNs or names (each must exist: <c>LoadBalancerNotFound</c>).</summary>
internal sealed record DescribeLoadBalancers(IReadOnlyList<string> LoadBalancerArns, IReadOnlyList<string> Names) : IRequest<LoadBalancerListResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("elasticloadbalancing:DescribeLoadBalancers", "*");
}

internal sealed class DescribeLoadBalancersHandler(NetworkDbContext db, ICallerContext caller, NetworkSettings settings) : IRequestHandler<DescribeLoadBalancers, LoadBalancerListResponse>
{
    public async ValueTask<LoadBalancerListResponse> Handle(DescribeLoadBalancers request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var query = db.LoadBalancers.AsNoTracking().Where(l => l.AccountId == accountId);
        if (request.LoadBalancerArns.Count > 0)
        {
            query = query.Where(l => request.LoadBalancerArns.Contains(l.Arn));
        }

        if (request.Names.Count > 0)
        {
            query = query.Where(l => request.Names.Contains(l.Name));
        }

        var balancers = await query.OrderBy(l => l.Name).ToListAsync(cancellationToken);
        if ((Lookups.FirstMissing(request.LoadBalancerArns, balancers.Select(l => l.Arn)) ?? Lookups.FirstMissing(request.Names, balancers.Select(l => l.Name))) is { } missing)
        {
            throw ElbErrors.LoadBalancerNotFound(missing);
        }

        return new LoadBalancerListResponse(balancers.Select(l => LoadBalancerResponse.From(l, settings.Region)).ToList());
    }
}

/// <summary>
/// Deletes a load balancer with its listeners and rules, its node interfaces and its public address; its target groups and
/// their registrations stay, as on ELBv2. Deleting one that does not exist (or is gone) succeeds and changes nothing, as ELBv2's does.
/// </summary>
internal sealed record DeleteLoadBalancer(string LoadBalancerArn) : IRequest<Unit>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("elasticloadbalancing:DeleteLoadBalancer", LoadBalancerArn);
}

internal sealed class DeleteLoadBalancerHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DeleteLoadBalancer, Unit>
{
    public async ValueTask<Unit> Handle(DeleteLoadBalancer request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var lb = await db.LoadBalancers.SingleOrDefaultAsync(l => l.Arn == request.LoadBalancerArn && l.AccountId == accountId, cancellationToken);
        if (lb is null)
        {
            return Unit.Value;
        }

        var listeners = await db.Listeners.Where(l => l.LoadBalancerArn == lb.Arn).ToListAsync(cancellationToken);
        var listenerArns = listeners.Select(l => l.Arn).ToList();
        db.ListenerRules.RemoveRange(await db.ListenerRules.Where(r => listenerArns.Contains(r.ListenerArn)).ToListAsync(cancellationToken));
        db.Listeners.RemoveRange(listeners);
        var eniIds = ElbJson.Read<List<LoadBalancerNode>>(lb.NodesJson).SelectMany(n => n.InterfaceIds()).ToList();
        db.InterfaceSecurityGroups.RemoveRange(await db.InterfaceSecurityGroups.Where(g => eniIds.Contains(g.InterfaceId)).ToListAsync(cancellationToken));
        db.NetworkInterfaces.RemoveRange(await db.NetworkInterfaces.Where(n => eniIds.Contains(n.Id)).ToListAsync(cancellationToken));
        // The nodes' public addresses go back to the pool in the same save as the balancer: none is left taken by a crash.
        var allocationIds = ElbJson.Read<List<LoadBalancerNode>>(lb.NodesJson).Select(n => n.AllocationId).Append(lb.AllocationId).OfType<string>().ToList();
        db.ElasticAddresses.RemoveRange(await db.ElasticAddresses.Where(a => allocationIds.Contains(a.AllocationId) && a.AccountId == CreateLoadBalancerHandler.ServiceOwner)
            .ToListAsync(cancellationToken));

        db.LoadBalancers.Remove(lb);
        EdgeChanges.Add(db, accountId, [lb.VpcId], ElbJson.Read<List<LoadBalancerNode>>(lb.NodesJson).SelectMany(n => n.HostIds()));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // A concurrent delete removed it first: the outcome is the same.
        }

        return Unit.Value;
    }
}
