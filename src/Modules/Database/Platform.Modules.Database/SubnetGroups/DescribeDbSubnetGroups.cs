using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.SubnetGroups;

/// <summary>The caller's DB subnet groups, or the one named (DBSubnetGroupNotFoundFault when it has none of that name).</summary>
internal sealed record DescribeDbSubnetGroups(string Region, string? DbSubnetGroupName) : IRequest<DbSubnetGroupsResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:DescribeDBSubnetGroups", RdsArns.SubnetGroup(Region, caller.AccountId, DbSubnetGroupName?.ToLowerInvariant() ?? "*"));
}

internal sealed class DescribeDbSubnetGroupsHandler(DatabaseDbContext db, ICallerContext caller) : IRequestHandler<DescribeDbSubnetGroups, DbSubnetGroupsResponse>
{
    public async ValueTask<DbSubnetGroupsResponse> Handle(DescribeDbSubnetGroups request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var name = request.DbSubnetGroupName?.ToLowerInvariant();
        var groups = await db.SubnetGroups.AsNoTracking()
            .Where(g => g.AccountId == account && (name == null || g.Name == name))
            .OrderBy(g => g.Name)
            .ToListAsync(cancellationToken);
        if (name is not null && groups.Count == 0)
        {
            throw RdsErrors.SubnetGroupNotFound(name);
        }

        return new DbSubnetGroupsResponse([.. groups.Select(g => DbSubnetGroupResponse.From(g, request.Region))]);
    }
}
