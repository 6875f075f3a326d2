using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Guests;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.Instances;

/// <summary>The caller's DB instances, or the one named (DBInstanceNotFound when it has none of that name).</summary>
internal sealed record DescribeDbInstances(string Region, string? DbInstanceIdentifier) : IRequest<DbInstancesResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:DescribeDBInstances", RdsArns.Instance(Region, caller.AccountId, DbInstanceIdentifier?.ToLowerInvariant() ?? "*"));
}

internal sealed class DescribeDbInstancesHandler(DatabaseDbContext db, ICallerContext caller, DatabaseGuests guests) : IRequestHandler<DescribeDbInstances, DbInstancesResponse>
{
    public async ValueTask<DbInstancesResponse> Handle(DescribeDbInstances request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var id = request.DbInstanceIdentifier?.ToLowerInvariant();
        var instances = await db.Instances.AsNoTracking()
            .Where(i => i.AccountId == account && (id == null || i.Identifier == id))
            .OrderBy(i => i.Identifier)
            .ToListAsync(cancellationToken);
        if (id is not null && instances.Count == 0)
        {
            throw RdsErrors.InstanceNotFound(id);
        }

        var addresses = await guests.AddressesAsync(instances, cancellationToken);
        var publicAddresses = await guests.PublicAddressesAsync(instances, cancellationToken);
        return new DbInstancesResponse([.. instances.Select(i => DbInstanceResponse.From(i, request.Region, addresses.GetValueOrDefault(i.ResourceId),
            publicAddresses.GetValueOrDefault(i.ResourceId)))]);
    }
}

internal static class DbInstanceLookup
{
    public static async Task<DbInstance> FindAsync(this DatabaseDbContext db, string account, string identifier, CancellationToken cancellationToken)
    {
        var id = identifier.ToLowerInvariant();
        return await db.Instances.SingleOrDefaultAsync(i => i.AccountId == account && i.Identifier == id, cancellationToken)
            ?? throw RdsErrors.InstanceNotFound(id);
    }
}
