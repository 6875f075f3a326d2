using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Network.Vpcs;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Network.Tagging;

namespace Platform.Modules.Network.SecurityGroups;

/// <summary>The account's groups with their rules: all, the named ids (an unknown one fails), or filtered by VPC and name.</summary>
internal sealed record DescribeSecurityGroups(string Region, IReadOnlyList<string> GroupIds, IReadOnlyList<string> GroupNames, IReadOnlyList<string> VpcIds)
    : IRequest<SecurityGroupListResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DescribeSecurityGroups", "*");
}

internal sealed class DescribeSecurityGroupsHandler(NetworkDbContext db, ICallerContext caller, DefaultVpcProvisioner defaults)
    : IRequestHandler<DescribeSecurityGroups, SecurityGroupListResponse>
{
    public async ValueTask<SecurityGroupListResponse> Handle(DescribeSecurityGroups request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        await defaults.EnsureAsync(accountId, cancellationToken);
        var query = db.SecurityGroups.AsNoTracking().Where(g => g.AccountId == accountId);
        if (request.GroupIds.Count > 0)
        {
            query = query.Where(g => request.GroupIds.Contains(g.Id));
        }

        if (request.GroupNames.Count > 0)
        {
            query = query.Where(g => request.GroupNames.Contains(g.GroupName));
        }

        if (request.VpcIds.Count > 0)
        {
            query = query.Where(g => request.VpcIds.Contains(g.VpcId));
        }

        var groups = await query.OrderBy(g => g.CreatedAt).ThenBy(g => g.Id).ToListAsync(cancellationToken);
        if (request.GroupNames.Count == 0 && request.VpcIds.Count == 0 && Lookups.FirstMissing(request.GroupIds, groups.Select(g => g.Id)) is { } missing)
        {
            throw NetworkErrors.GroupNotFound(missing);
        }

        var ids = groups.Select(g => g.Id).ToList();
        var rules = await db.SecurityGroupRules.AsNoTracking().Where(r => ids.Contains(r.GroupId)).ToListAsync(cancellationToken);
        var tags = await NetworkTagStore.OfAsync(db, accountId, ids, cancellationToken);
        return new SecurityGroupListResponse(groups.Select(g => SecurityGroupResponse.From(g, request.Region, rules) with { Tags = tags.For(g.Id) }).ToList());
    }
}
