using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Network.Tagging;

namespace Platform.Modules.Network.ElasticIps;

/// <summary>The account's elastic IPs: all, or the named allocation ids (an unknown or another account's one fails) or public IPs.</summary>
internal sealed record DescribeAddresses(IReadOnlyList<string> AllocationIds, IReadOnlyList<string> PublicIps) : IRequest<AddressListResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DescribeAddresses", "*");
}

internal sealed class DescribeAddressesHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DescribeAddresses, AddressListResponse>
{
    public async ValueTask<AddressListResponse> Handle(DescribeAddresses request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var query = db.ElasticAddresses.AsNoTracking().Where(a => a.AccountId == accountId);
        if (request.AllocationIds.Count > 0)
        {
            query = query.Where(a => request.AllocationIds.Contains(a.AllocationId));
        }

        if (request.PublicIps.Count > 0)
        {
            query = query.Where(a => request.PublicIps.Contains(a.PublicIp));
        }

        var addresses = await query.OrderBy(a => a.AllocatedAt).ThenBy(a => a.AllocationId).ToListAsync(cancellationToken);
        if (Lookups.FirstMissing(request.AllocationIds, addresses.Select(a => a.AllocationId)) is { } missing)
        {
            throw NetworkErrors.AllocationNotFound(missing);
        }

        if (Lookups.FirstMissing(request.PublicIps, addresses.Select(a => a.PublicIp)) is { } missingIp)
        {
            throw new Shared.Errors.ApiException(400, "InvalidAddress.NotFound", $"Address '{missingIp}' not found.");
        }

        var eniIds = addresses.Select(a => a.NetworkInterfaceId).OfType<string>().ToList();
        var interfaces = await db.NetworkInterfaces.AsNoTracking().Where(n => eniIds.Contains(n.Id)).ToDictionaryAsync(n => n.Id, cancellationToken);
        var tags = await NetworkTagStore.OfAsync(db, accountId, [.. addresses.Select(a => a.AllocationId)], cancellationToken);
        return new AddressListResponse(addresses.Select(a => AddressResponse.From(a, a.NetworkInterfaceId is { } id ? interfaces.GetValueOrDefault(id) : null)
            with { Tags = tags.For(a.AllocationId) }).ToList());
    }
}
