using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;

namespace Platform.Modules.Network.ElasticIps;

/// <summary>
/// A managing service's public address on a managed instance's interface: an <see cref="ElasticAddress"/> row of the
/// service's owner name (as a load balancer node's is <c>amazon-elb</c>'s), associated in its insert. The unique address and
/// interface columns settle races: of two assignments to one interface one inserts, the other reads it back.
/// </summary>
internal sealed class ServicePublicAddressesHandler(NetworkDbContext db, IOptions<NetworkOptions> options)
    : IRequestHandler<AssignServicePublicAddress, string?>, IRequestHandler<ReleaseServicePublicAddress>, IRequestHandler<DescribeVpcInternetGateway, bool>
{
    private const int Attempts = 32;

    /// <summary>Owner names of the platform's services start so; a tenant's account id is twelve digits.</summary>
    public const string ServiceOwnerPrefix = "amazon-";

    public async ValueTask<string?> Handle(AssignServicePublicAddress request, CancellationToken cancellationToken)
    {
        if (!request.Owner.StartsWith(ServiceOwnerPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A service's owner name starts with {ServiceOwnerPrefix}.", nameof(request));
        }

        for (var attempt = 0; ; attempt++)
        {
            var eni = await db.NetworkInterfaces.AsNoTracking().Where(n => n.InstanceId == request.InstanceId && n.AccountId == request.AccountId)
                .OrderBy(n => n.CreatedAt).FirstOrDefaultAsync(cancellationToken);
            if (eni is null)
            {
                return null;
            }

            if (await db.ElasticAddresses.AsNoTracking().SingleOrDefaultAsync(a => a.NetworkInterfaceId == eni.Id, cancellationToken) is { } existing)
            {
                return existing.PublicIp;
            }

            if (!await db.InternetGateways.AnyAsync(g => g.AttachedVpcId == eni.VpcId, cancellationToken))
            {
                throw new ApiException(400, "Gateway.NotAttached", $"Network {eni.VpcId} is not attached to any internet gateway");
            }

            var pool = PublicAddressPool.From(options) ?? throw NetworkErrors.NoPublicAddressPool();
            var value = await AllocateAddressHandler.PickAsync(db, pool, attempt, cancellationToken)
                ?? throw new ApiException(400, "InsufficientAddressCapacity", "There are no free addresses left in the public address pool.");
            db.ElasticAddresses.Add(new ElasticAddress
            {
                AllocationId = ResourceIds.New("eipalloc"),
                AccountId = request.Owner,
                PublicIp = Ipv4.Format(value),
                AddressValue = value,
                AssociationId = ResourceIds.New("eipassoc"),
                NetworkInterfaceId = eni.Id,
                VpcId = eni.VpcId,
                AllocatedAt = DateTime.UtcNow,
            });
            EdgeChanges.Add(db, request.AccountId, [eni.VpcId]);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return Ipv4.Format(value);
            }
            catch (DbUpdateException) when (attempt < Attempts)
            {
                // The address was taken by another allocation, or the interface got one from a twin request: look again.
                db.ChangeTracker.Clear();
            }
        }
    }

    public async ValueTask<bool> Handle(DescribeVpcInternetGateway request, CancellationToken cancellationToken) =>
        await db.Vpcs.AnyAsync(v => v.Id == request.VpcId && v.AccountId == request.AccountId, cancellationToken)
        && await db.InternetGateways.AnyAsync(g => g.AttachedVpcId == request.VpcId, cancellationToken);

    public async ValueTask<Unit> Handle(ReleaseServicePublicAddress request, CancellationToken cancellationToken)
    {
        var addresses = await (from eni in db.NetworkInterfaces.AsNoTracking()
                               join address in db.ElasticAddresses on eni.Id equals address.NetworkInterfaceId
                               where eni.InstanceId == request.InstanceId && eni.AccountId == request.AccountId && address.AccountId == request.Owner
                               select address).ToListAsync(cancellationToken);
        if (addresses.Count == 0)
        {
            return Unit.Value;
        }

        db.ElasticAddresses.RemoveRange(addresses);
        EdgeChanges.Add(db, request.AccountId, addresses.Select(a => a.VpcId));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // A concurrent release (or the instance's terminate) removed it first: the outcome is the same.
        }

        return Unit.Value;
    }
}
