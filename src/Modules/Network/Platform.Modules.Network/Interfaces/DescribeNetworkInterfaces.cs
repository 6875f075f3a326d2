using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Network.Interfaces;

/// <summary>The account's interfaces: all, the named ids (an unknown one fails), or filtered by subnet, VPC or instance.</summary>
internal sealed record DescribeNetworkInterfaces(
    IReadOnlyList<string> NetworkInterfaceIds,
    IReadOnlyList<string> SubnetIds,
    IReadOnlyList<string> VpcIds,
    IReadOnlyList<string> InstanceIds) : IRequest<NetworkInterfaceListResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DescribeNetworkInterfaces", "*");
}

internal sealed class DescribeNetworkInterfacesHandler(NetworkDbContext db, ICallerContext caller)
    : IRequestHandler<DescribeNetworkInterfaces, NetworkInterfaceListResponse>
{
    public async ValueTask<NetworkInterfaceListResponse> Handle(DescribeNetworkInterfaces request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var query = db.NetworkInterfaces.AsNoTracking().Where(n => n.AccountId == accountId);
        if (request.NetworkInterfaceIds.Count > 0)
        {
            query = query.Where(n => request.NetworkInterfaceIds.Contains(n.Id));
        }

        if (request.SubnetIds.Count > 0)
        {
            query = query.Where(n => request.SubnetIds.Contains(n.SubnetId));
        }

        if (request.VpcIds.Count > 0)
        {
            query = query.Where(n => request.VpcIds.Contains(n.VpcId));
        }

        if (request.InstanceIds.Count > 0)
        {
            query = query.Where(n => n.InstanceId != null && request.InstanceIds.Contains(n.InstanceId));
        }

        var interfaces = await query.OrderBy(n => n.CreatedAt).ThenBy(n => n.Id).ToListAsync(cancellationToken);
        var filtered = request.SubnetIds.Count + request.VpcIds.Count + request.InstanceIds.Count > 0;
        if (!filtered && Lookups.FirstMissing(request.NetworkInterfaceIds, interfaces.Select(n => n.Id)) is { } missing)
        {
            throw NetworkErrors.InterfaceNotFound(missing);
        }

        var ids = interfaces.Select(n => n.Id).ToList();
        var groups = await InterfaceGroups.OfAsync(db, ids, cancellationToken);
        var addresses = await db.ElasticAddresses.AsNoTracking().Where(a => a.NetworkInterfaceId != null && ids.Contains(a.NetworkInterfaceId))
            .ToDictionaryAsync(a => a.NetworkInterfaceId!, cancellationToken);
        return new NetworkInterfaceListResponse(interfaces.Select(n => NetworkInterfaceResponse.From(n, groups.GetValueOrDefault(n.Id, []), addresses.GetValueOrDefault(n.Id))).ToList());
    }
}

internal static class InterfaceGroups
{
    /// <summary>Each interface's groups, in the order of their ids.</summary>
    public static async Task<Dictionary<string, IReadOnlyList<GroupIdentifier>>> OfAsync(NetworkDbContext db, IReadOnlyList<string> interfaceIds, CancellationToken cancellationToken)
    {
        var rows = await (from link in db.InterfaceSecurityGroups.AsNoTracking()
                          join g in db.SecurityGroups.AsNoTracking() on link.GroupId equals g.Id
                          where interfaceIds.Contains(link.InterfaceId)
                          select new { link.InterfaceId, g.Id, g.GroupName }).ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.InterfaceId).ToDictionary(
            g => g.Key,
            g => (IReadOnlyList<GroupIdentifier>)g.OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => new GroupIdentifier(r.Id, r.GroupName)).ToList());
    }
}
