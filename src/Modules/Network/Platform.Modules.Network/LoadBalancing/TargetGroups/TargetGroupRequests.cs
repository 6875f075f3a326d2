using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Network.LoadBalancing.TargetGroups;

/// <summary>The account's target groups: all, the named ARNs or names (each must exist), or those a load balancer uses.</summary>
internal sealed record DescribeTargetGroups(IReadOnlyList<string> TargetGroupArns, IReadOnlyList<string> Names, string? LoadBalancerArn)
    : IRequest<TargetGroupListResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("elasticloadbalancing:DescribeTargetGroups", "*");
}

internal sealed class DescribeTargetGroupsHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DescribeTargetGroups, TargetGroupListResponse>
{
    public async ValueTask<TargetGroupListResponse> Handle(DescribeTargetGroups request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var users = await db.LoadBalancersByTargetGroupAsync(accountId, cancellationToken);
        var query = db.TargetGroups.AsNoTracking().Where(g => g.AccountId == accountId);
        if (request.TargetGroupArns.Count > 0)
        {
            query = query.Where(g => request.TargetGroupArns.Contains(g.Arn));
        }

        if (request.Names.Count > 0)
        {
            query = query.Where(g => request.Names.Contains(g.Name));
        }

        if (request.LoadBalancerArn is not null)
        {
            await db.FindLoadBalancerAsync(accountId, request.LoadBalancerArn, cancellationToken);
            var used = users.Where(u => u.Value.Contains(request.LoadBalancerArn)).Select(u => u.Key).ToList();
            query = query.Where(g => used.Contains(g.Arn));
        }

        var groups = await query.OrderBy(g => g.Name).ToListAsync(cancellationToken);
        if (Lookups.FirstMissing(request.TargetGroupArns, groups.Select(g => g.Arn)) is { } missing)
        {
            throw ElbErrors.TargetGroupNotFound(missing);
        }

        if (Lookups.FirstMissing(request.Names, groups.Select(g => g.Name)) is { } missingName)
        {
            throw ElbErrors.TargetGroupNotFound(missingName);
        }

        return new TargetGroupListResponse(groups.Select(g => TargetGroupResponse.From(g, users.GetValueOrDefault(g.Arn)?.ToList() ?? [])).ToList());
    }
}

/// <summary>Deletes a target group no listener or rule forwards to (else <c>ResourceInUse</c>); its registrations go with it.</summary>
internal sealed record DeleteTargetGroup(string TargetGroupArn) : IRequest<Unit>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("elasticloadbalancing:DeleteTargetGroup", TargetGroupArn);
}

internal sealed class DeleteTargetGroupHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DeleteTargetGroup, Unit>
{
    public async ValueTask<Unit> Handle(DeleteTargetGroup request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var group = await db.FindTargetGroupAsync(accountId, request.TargetGroupArn, cancellationToken);
        if ((await db.LoadBalancersByTargetGroupAsync(accountId, cancellationToken)).ContainsKey(group.Arn))
        {
            throw ElbErrors.ResourceInUse($"Target group '{group.Arn}' is currently in use by a listener or a rule");
        }

        db.RegisteredTargets.RemoveRange(await db.RegisteredTargets.Where(t => t.TargetGroupArn == group.Arn).ToListAsync(cancellationToken));
        db.TargetGroups.Remove(group);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
