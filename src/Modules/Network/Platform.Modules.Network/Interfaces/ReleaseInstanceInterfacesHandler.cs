using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.Interfaces;

/// <summary>Deletes an instance's interfaces; their addresses are free again the moment the rows are gone.</summary>
internal sealed class ReleaseInstanceInterfacesHandler(NetworkDbContext db) : IRequestHandler<ReleaseInstanceInterfaces, ReleasedInterfaces>
{
    public async ValueTask<ReleasedInterfaces> Handle(ReleaseInstanceInterfaces request, CancellationToken cancellationToken)
    {
        var interfaces = await db.NetworkInterfaces
            .Where(n => n.AccountId == request.AccountId && n.InstanceId == request.InstanceId)
            .ToListAsync(cancellationToken);
        if (interfaces.Count == 0)
        {
            return new ReleasedInterfaces([], []);
        }

        var ids = interfaces.Select(n => n.Id).ToList();
        var links = await db.InterfaceSecurityGroups.Where(l => ids.Contains(l.InterfaceId)).ToListAsync(cancellationToken);
        db.InterfaceSecurityGroups.RemoveRange(links);
        db.NetworkInterfaces.RemoveRange(interfaces);

        // Their elastic IPs are disassociated and stay allocated, as when an EC2 instance terminates; a managing service's
        // public address (a publicly accessible DB instance's) goes back to the pool.
        var addresses = await db.ElasticAddresses.Where(a => a.NetworkInterfaceId != null && ids.Contains(a.NetworkInterfaceId)).ToListAsync(cancellationToken);
        foreach (var address in addresses)
        {
            if (address.AccountId.StartsWith(ElasticIps.ServicePublicAddressesHandler.ServiceOwnerPrefix, StringComparison.Ordinal))
            {
                db.ElasticAddresses.Remove(address);
            }
            else
            {
                ElasticIps.AssociateAddressHandler.Disassociate(address);
            }
        }

        if (addresses.Count > 0)
        {
            EdgeChanges.Add(db, request.AccountId, interfaces.Select(n => n.VpcId));
        }

        var now = DateTime.UtcNow;
        foreach (var vpc in interfaces.GroupBy(n => n.VpcId))
        {
            var vpcInterfaces = vpc.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
            var groups = links.Where(l => vpcInterfaces.Contains(l.InterfaceId)).Select(l => l.GroupId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            db.AddNotification(new SecurityGroupRulesChanged(request.AccountId, vpc.Key, groups, now));
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // A concurrent release deleted them first; the outcome is the same.
            db.ChangeTracker.Clear();
        }

        return new ReleasedInterfaces(ids, interfaces.Select(n => n.VpcId).Distinct(StringComparer.Ordinal).ToList());
    }
}
