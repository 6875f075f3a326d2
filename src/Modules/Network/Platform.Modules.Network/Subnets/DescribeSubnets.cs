using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Network.Vpcs;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Network.Tagging;

namespace Platform.Modules.Network.Subnets;

/// <summary>The account's subnets, the named ones (an unknown id fails) or those of the given VPCs, with their free address counts.</summary>
internal sealed record DescribeSubnets(string Region, IReadOnlyList<string> SubnetIds, IReadOnlyList<string> VpcIds)
    : IRequest<SubnetListResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DescribeSubnets", "*");
}

internal sealed class DescribeSubnetsHandler(NetworkDbContext db, ICallerContext caller, DefaultVpcProvisioner defaults)
    : IRequestHandler<DescribeSubnets, SubnetListResponse>
{
    public async ValueTask<SubnetListResponse> Handle(DescribeSubnets request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        await defaults.EnsureAsync(accountId, cancellationToken);
        var query = db.Subnets.AsNoTracking().Where(s => s.AccountId == accountId);
        if (request.SubnetIds.Count > 0)
        {
            query = query.Where(s => request.SubnetIds.Contains(s.Id));
        }

        if (request.VpcIds.Count > 0)
        {
            query = query.Where(s => request.VpcIds.Contains(s.VpcId));
        }

        var subnets = await query.OrderBy(s => s.CreatedAt).ThenBy(s => s.CidrBlock).ToListAsync(cancellationToken);
        if (request.VpcIds.Count == 0 && Lookups.FirstMissing(request.SubnetIds, subnets.Select(s => s.Id)) is { } missing)
        {
            throw NetworkErrors.SubnetNotFound(missing);
        }

        var ids = subnets.Select(s => s.Id).ToList();
        var used = await db.NetworkInterfaces.AsNoTracking().Where(n => ids.Contains(n.SubnetId))
            .GroupBy(n => n.SubnetId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var tags = await NetworkTagStore.OfAsync(db, accountId, ids, cancellationToken);
        return new SubnetListResponse(subnets.Select(s => SubnetResponse.From(s, request.Region, used.GetValueOrDefault(s.Id)) with { Tags = tags.For(s.Id) }).ToList());
    }
}
