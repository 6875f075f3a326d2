using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Network.LoadBalancing.LoadBalancers;

/// <summary>
/// ELBv2's SetSecurityGroups: the balancer's groups replaced by these (of its VPC and account: <c>InvalidSecurityGroup</c>
/// otherwise). An application load balancer keeps at least one; a network load balancer made without groups cannot get
/// any, and one made with them cannot lose them all (<c>InvalidConfigurationRequest</c>, as ELBv2 says). The nodes' interfaces
/// join the groups in the same save, so the servers enforce them on the nodes' ports (and rules naming the groups expand to
/// the nodes' addresses) with their next desired state.
/// </summary>
internal sealed record SetSecurityGroups(string? LoadBalancerArn, IReadOnlyList<string>? SecurityGroups) : IRequest<SetSecurityGroupsResponse>, IRequiresPermission, IValidatable
{
    /// <summary>ELBv2's quota of security groups per load balancer.</summary>
    public const int MaxGroups = 5;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("elasticloadbalancing:SetSecurityGroups", LoadBalancerArn ?? "*");

    public void Validate()
    {
        if (string.IsNullOrEmpty(LoadBalancerArn))
        {
            throw ElbErrors.Validation("LoadBalancerArn is required.");
        }

        if (SecurityGroups is null)
        {
            throw ElbErrors.Validation("SecurityGroups is required.");
        }

        if (SecurityGroups.Distinct(StringComparer.Ordinal).Count() > MaxGroups)
        {
            throw ElbErrors.Validation($"A load balancer can have at most {MaxGroups} security groups.");
        }
    }
}

internal sealed record SetSecurityGroupsResponse(IReadOnlyList<string> SecurityGroupIds);

internal sealed class SetSecurityGroupsHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<SetSecurityGroups, SetSecurityGroupsResponse>
{
    private const int Attempts = 3;

    public async ValueTask<SetSecurityGroupsResponse> Handle(SetSecurityGroups request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var wanted = request.SecurityGroups!.Distinct(StringComparer.Ordinal).ToList();
        for (var attempt = 0; ; attempt++)
        {
            var lb = await db.LoadBalancers.SingleOrDefaultAsync(l => l.Arn == request.LoadBalancerArn && l.AccountId == accountId, cancellationToken)
                ?? throw ElbErrors.LoadBalancerNotFound(request.LoadBalancerArn);
            foreach (var id in wanted)
            {
                if (!await db.SecurityGroups.AnyAsync(g => g.Id == id && g.AccountId == accountId && g.VpcId == lb.VpcId, cancellationToken))
                {
                    throw ElbErrors.InvalidSecurityGroup(id);
                }
            }

            var before = ElbJson.Read<List<string>>(lb.SecurityGroupsJson);
            if (wanted.Count == 0 && lb.Type == LoadBalancerTypes.Application)
            {
                throw ElbErrors.InvalidConfiguration("An application load balancer must have at least one security group.");
            }

            if (lb.Type == LoadBalancerTypes.Network && before.Count == 0 && wanted.Count > 0)
            {
                throw ElbErrors.InvalidConfiguration("You cannot set security groups on a Network Load Balancer which was created without any security groups.");
            }

            if (lb.Type == LoadBalancerTypes.Network && before.Count > 0 && wanted.Count == 0)
            {
                throw ElbErrors.InvalidConfiguration("You cannot remove every security group from a Network Load Balancer which was created with security groups.");
            }

            var eniIds = ElbJson.Read<List<LoadBalancerNode>>(lb.NodesJson).SelectMany(n => n.InterfaceIds()).ToList();
            db.InterfaceSecurityGroups.RemoveRange(await db.InterfaceSecurityGroups.Where(l => eniIds.Contains(l.InterfaceId) && !wanted.Contains(l.GroupId)).ToListAsync(cancellationToken));
            var kept = await db.InterfaceSecurityGroups.AsNoTracking().Where(l => eniIds.Contains(l.InterfaceId) && wanted.Contains(l.GroupId))
                .Select(l => new { l.InterfaceId, l.GroupId }).ToListAsync(cancellationToken);
            db.InterfaceSecurityGroups.AddRange(eniIds.SelectMany(eni => wanted.Where(g => !kept.Any(k => k.InterfaceId == eni && k.GroupId == g))
                .Select(g => new InterfaceSecurityGroup { InterfaceId = eni, GroupId = g })));
            lb.SecurityGroupsJson = ElbJson.Write(wanted);
            // The nodes' ports change, and so do other groups' rules naming these groups: every server of the VPC (the nodes' too) hears of it.
            db.AddNotification(new SecurityGroupRulesChanged(accountId, lb.VpcId, [.. before.Union(wanted, StringComparer.Ordinal).Order(StringComparer.Ordinal)], DateTime.UtcNow));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return new SetSecurityGroupsResponse(wanted);
            }
            catch (DbUpdateException) when (attempt < Attempts)
            {
                // A concurrent change of the same balancer's groups: read them again and apply this one over it.
                db.ChangeTracker.Clear();
            }
            catch (DbUpdateException)
            {
                throw NetworkErrors.Busy();
            }
        }
    }
}
