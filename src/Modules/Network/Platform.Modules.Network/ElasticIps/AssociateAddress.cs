using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Network.Tagging;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Network.ElasticIps;

/// <summary>
/// Maps an elastic IP to an interface (given, or an instance's primary one) whose VPC has an internet gateway. An address
/// associated elsewhere moves only with <see cref="AllowReassociation"/> (Resource.AlreadyAssociated otherwise); an address
/// the interface had before is disassociated and stays allocated, as on EC2.
/// </summary>
internal sealed record AssociateAddress(string Region, string? AllocationId, string? InstanceId, string? NetworkInterfaceId, bool AllowReassociation)
    : IRequest<AssociateAddressResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("ec2:AssociateAddress", NetworkArns.ElasticIp(Region, caller.AccountId, AllocationId ?? "*"));

    public void Validate()
    {
        Parameter.Required(AllocationId, "AllocationId");
        if ((InstanceId is null) == (NetworkInterfaceId is null))
        {
            throw new ApiException(400, "InvalidParameterCombination", "Exactly one of instanceId and networkInterfaceId must be given.");
        }
    }
}

internal sealed class AssociateAddressHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<AssociateAddress, AssociateAddressResponse>
{
    public async ValueTask<AssociateAddressResponse> Handle(AssociateAddress request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var address = await db.FindAllocationAsync(accountId, request.AllocationId!, cancellationToken);
        var eni = request.NetworkInterfaceId is { } eniId
            ? await db.NetworkInterfaces.AsNoTracking().SingleOrDefaultAsync(n => n.Id == eniId && n.AccountId == accountId, cancellationToken)
                ?? throw NetworkErrors.InterfaceNotFound(eniId)
            : await db.NetworkInterfaces.AsNoTracking().Where(n => n.InstanceId == request.InstanceId && n.AccountId == accountId)
                .OrderBy(n => n.CreatedAt).FirstOrDefaultAsync(cancellationToken)
                ?? throw NetworkErrors.InstanceNotFound(request.InstanceId!);
        if (eni.InterfaceType != InterfaceTypes.Interface)
        {
            throw ApiErrors.InvalidParameterValue($"The network interface {eni.Id} is managed by a {eni.InterfaceType} and takes no elastic IP.");
        }

        if (address.NetworkInterfaceId == eni.Id)
        {
            return new AssociateAddressResponse(address.AssociationId!);
        }

        if (address.NetworkInterfaceId is not null && (!request.AllowReassociation || await IsNatGatewaysAsync(address, cancellationToken)))
        {
            throw NetworkErrors.AlreadyAssociated($"resource {address.AllocationId} is already associated with associate-id {address.AssociationId}");
        }

        if (!await db.InternetGateways.AnyAsync(g => g.AttachedVpcId == eni.VpcId, cancellationToken))
        {
            throw new ApiException(400, "Gateway.NotAttached", $"Network {eni.VpcId} is not attached to any internet gateway");
        }

        var previousVpc = address.VpcId;
        var displaced = await db.ElasticAddresses.SingleOrDefaultAsync(a => a.NetworkInterfaceId == eni.Id, cancellationToken);
        // Two saves in one transaction, each accepted at once so the second does not repeat the first; a rollback
        // ends in an error, and this request's context goes with it.
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            try
            {
                if (displaced is not null)
                {
                    // The interface's previous address lets go first, so the unique interface column never sees two.
                    Disassociate(displaced);
                    await db.SaveChangesAsync(ct);
                }

                address.NetworkInterfaceId = eni.Id;
                address.VpcId = eni.VpcId;
                address.AssociationId = ResourceIds.New("eipassoc");
                address.Version++;
                EdgeChanges.Add(db, accountId, [eni.VpcId, previousVpc]);
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Another change to one of the addresses or to the interface's address landed first.
                throw NetworkErrors.Busy();
            }

            // A detach of the VPC's gateway racing with this: it looks for mapped addresses after its write, we for the gateway after ours.
            if (!await db.InternetGateways.AnyAsync(g => g.AttachedVpcId == eni.VpcId, ct))
            {
                await transaction.RollbackAsync(ct);
                throw new ApiException(400, "Gateway.NotAttached", $"Network {eni.VpcId} is not attached to any internet gateway");
            }

            await transaction.CommitAsync(ct);
        }, cancellationToken);
        return new AssociateAddressResponse(address.AssociationId!);
    }

    private Task<bool> IsNatGatewaysAsync(ElasticAddress address, CancellationToken cancellationToken) =>
        db.NetworkInterfaces.AnyAsync(n => n.Id == address.NetworkInterfaceId && n.InterfaceType == InterfaceTypes.NatGateway, cancellationToken);

    public static void Disassociate(ElasticAddress address)
    {
        address.NetworkInterfaceId = null;
        address.VpcId = null;
        address.AssociationId = null;
        address.Version++;
    }
}

/// <summary>Unmaps an elastic IP (by its eipassoc- id); it stays allocated. A NAT gateway's address is its until the gateway is deleted.</summary>
internal sealed record DisassociateAddress(string Region, string? AssociationId) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DisassociateAddress", NetworkArns.ElasticIp(Region, caller.AccountId, "*"));

    public void Validate() => Parameter.Required(AssociationId, "AssociationId");
}

internal sealed class DisassociateAddressHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DisassociateAddress>
{
    public async ValueTask<Unit> Handle(DisassociateAddress request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var address = await db.ElasticAddresses.SingleOrDefaultAsync(a => a.AssociationId == request.AssociationId && a.AccountId == accountId, cancellationToken)
            ?? throw NetworkErrors.AddressAssociationNotFound(request.AssociationId!);
        if (await db.NetworkInterfaces.AnyAsync(n => n.Id == address.NetworkInterfaceId && n.InterfaceType == InterfaceTypes.NatGateway, cancellationToken))
        {
            throw NetworkErrors.AddressInUse(address.AllocationId);
        }

        var vpcId = address.VpcId;
        AssociateAddressHandler.Disassociate(address);
        EdgeChanges.Add(db, accountId, [vpcId]);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw NetworkErrors.AddressAssociationNotFound(request.AssociationId!);
        }

        return Unit.Value;
    }
}

/// <summary>Gives an elastic IP back to the pool; refused while it is associated (InvalidIPAddress.InUse), as EC2 refuses in a VPC.</summary>
internal sealed record ReleaseAddress(string Region, string? AllocationId) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:ReleaseAddress", NetworkArns.ElasticIp(Region, caller.AccountId, AllocationId ?? "*"));

    public void Validate() => Parameter.Required(AllocationId, "AllocationId");
}

internal sealed class ReleaseAddressHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<ReleaseAddress>
{
    public async ValueTask<Unit> Handle(ReleaseAddress request, CancellationToken cancellationToken)
    {
        var address = await db.FindAllocationAsync(caller.Identity.AccountId, request.AllocationId!, cancellationToken);
        if (address.NetworkInterfaceId is not null
            || await db.NatGateways.AnyAsync(n => n.AllocationId == address.AllocationId && n.State != NatGatewayStates.Deleted, cancellationToken))
        {
            throw NetworkErrors.AddressInUse(address.AllocationId);
        }

        await NetworkTagStore.RemoveAllAsync(db, [address.AllocationId], cancellationToken);
        db.ElasticAddresses.Remove(address);
        try
        {
            // The version check refuses it if the address was associated since it was read.
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw NetworkErrors.AddressInUse(address.AllocationId);
        }

        return Unit.Value;
    }
}
