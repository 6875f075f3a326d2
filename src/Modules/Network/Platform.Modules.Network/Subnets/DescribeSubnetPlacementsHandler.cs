using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.Subnets;

internal sealed class DescribeSubnetPlacementsHandler(NetworkDbContext db) : IRequestHandler<DescribeSubnetPlacements, IReadOnlyList<SubnetPlacement>>
{
    public async ValueTask<IReadOnlyList<SubnetPlacement>> Handle(DescribeSubnetPlacements request, CancellationToken cancellationToken)
    {
        var ids = request.SubnetIds.Distinct(StringComparer.Ordinal).ToList();
        return await db.Subnets.AsNoTracking().Where(s => s.AccountId == request.AccountId && ids.Contains(s.Id))
            .Select(s => new SubnetPlacement(s.Id, s.VpcId, s.AvailabilityZone)).ToListAsync(cancellationToken);
    }
}
