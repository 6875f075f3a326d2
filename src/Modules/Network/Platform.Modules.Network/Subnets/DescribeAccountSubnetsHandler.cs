using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.Subnets;

internal sealed class DescribeAccountSubnetsHandler(NetworkDbContext db) : IRequestHandler<DescribeAccountSubnets, IReadOnlyList<AccountSubnet>>
{
    public async ValueTask<IReadOnlyList<AccountSubnet>> Handle(DescribeAccountSubnets request, CancellationToken cancellationToken)
    {
        var ids = request.SubnetIds.Distinct(StringComparer.Ordinal).ToList();
        return await db.Subnets.AsNoTracking()
            .Where(s => s.AccountId == request.AccountId && ids.Contains(s.Id))
            .OrderBy(s => s.Id)
            .Select(s => new AccountSubnet(s.Id, s.VpcId, s.AvailabilityZone, s.CidrBlock))
            .ToListAsync(cancellationToken);
    }
}

internal sealed class DescribeAccountSecurityGroupsHandler(NetworkDbContext db)
    : IRequestHandler<DescribeAccountSecurityGroups, IReadOnlyList<AccountSecurityGroup>>
{
    public async ValueTask<IReadOnlyList<AccountSecurityGroup>> Handle(DescribeAccountSecurityGroups request, CancellationToken cancellationToken)
    {
        var ids = request.GroupIds.Distinct(StringComparer.Ordinal).ToList();
        var groups = db.SecurityGroups.AsNoTracking().Where(g => g.AccountId == request.AccountId);
        groups = ids.Count > 0 || request.DefaultOfVpcId is null
            ? groups.Where(g => ids.Contains(g.Id))
            : groups.Where(g => g.VpcId == request.DefaultOfVpcId && g.IsDefault);
        return await groups.OrderBy(g => g.Id).Select(g => new AccountSecurityGroup(g.Id, g.VpcId, g.GroupName)).ToListAsync(cancellationToken);
    }
}
