using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Network.NatGateways;

/// <summary>
/// A public NAT gateway in a subnet of a VPC with an internet gateway, with an elastic IP of the account: it gets an interface
/// of its own in the subnet (an address and a MAC, type <c>nat_gateway</c>) that the elastic IP is associated with, and a
/// server of the subnet's zone to carry it (Compute's <see cref="ChooseServiceHost"/>). Answers <c>pending</c> as EC2 does; it is
/// <c>available</c> once placed, which happens here, or <c>failed</c> when the zone has no server. Idempotent by client token.
/// </summary>
internal sealed record CreateNatGateway(string Region, string? SubnetId, string? AllocationId, string? ClientToken)
    : IRequest<NatGatewayResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:CreateNatGateway", NetworkArns.NatGateway(Region, caller.AccountId, "*"));

    public void Validate()
    {
        Parameter.Required(SubnetId, "SubnetId");
        Parameter.Required(AllocationId, "AllocationId");
        if (ClientToken is not null)
        {
            Parameter.Length(ClientToken, "clientToken", 1, 64);
        }
    }
}

internal sealed class CreateNatGatewayHandler(NetworkDbContext db, ICallerContext caller, ISender sender) : IRequestHandler<CreateNatGateway, NatGatewayResponse>
{
    private const int Attempts = 16;

    public async ValueTask<NatGatewayResponse> Handle(CreateNatGateway request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        if (await ExistingAsync(accountId, request, cancellationToken) is { } existing)
        {
            return existing;
        }

        var subnet = await db.FindSubnetAsync(accountId, request.SubnetId!, cancellationToken);
        var address = await db.FindAllocationAsync(accountId, request.AllocationId!, cancellationToken);
        if (address.NetworkInterfaceId is not null
            || await db.NatGateways.AnyAsync(n => n.AllocationId == address.AllocationId && n.State != NatGatewayStates.Deleted && n.State != NatGatewayStates.Failed, cancellationToken))
        {
            throw NetworkErrors.AlreadyAssociated($"Elastic IP address [{address.AllocationId}] is already associated");
        }

        if (!await db.InternetGateways.AnyAsync(g => g.AttachedVpcId == subnet.VpcId, cancellationToken))
        {
            throw new ApiException(400, "Gateway.NotAttached", $"Network {subnet.VpcId} has no Internet gateway attached");
        }

        var host = await sender.Send(new ChooseServiceHost(subnet.AvailabilityZone), cancellationToken);
        _ = Ipv4Cidr.TryParse(subnet.CidrBlock, out var cidr);
        for (var attempt = 0; ; attempt++)
        {
            var now = DateTime.UtcNow;
            var nat = new NatGateway
            {
                Id = ResourceIds.New("nat"),
                AccountId = accountId,
                VpcId = subnet.VpcId,
                SubnetId = subnet.Id,
                AllocationId = address.AllocationId,
                State = host is null ? NatGatewayStates.Failed : NatGatewayStates.Available,
                HostId = host?.HostId,
                HostTunnelAddress = host?.TunnelAddress,
                ClientToken = request.ClientToken,
                FailureMessage = host is null ? $"No server in availability zone {subnet.AvailabilityZone} can carry a NAT gateway." : null,
                CreatedAt = now,
            };
            db.NatGateways.Add(nat);
            NetworkInterface? eni = null;
            if (host is not null)
            {
                var used = (await db.NetworkInterfaces.AsNoTracking().Where(n => n.SubnetId == subnet.Id).Select(n => n.AddressValue).ToListAsync(cancellationToken))
                    .Select(v => (uint)v).ToHashSet();
                var offset = attempt == 0 ? 0 : Random.Shared.NextInt64(Math.Max(1, SubnetAddresses.AssignableCount(cidr)));
                var ip = SubnetAddresses.PickFree(cidr, used, offset) ?? throw NetworkErrors.SubnetFull(subnet.Id);
                eni = new NetworkInterface
                {
                    Id = ResourceIds.New("eni"),
                    AccountId = accountId,
                    VpcId = subnet.VpcId,
                    SubnetId = subnet.Id,
                    AvailabilityZone = subnet.AvailabilityZone,
                    MacAddress = MacAddresses.New(),
                    PrivateIpAddress = Ipv4.Format(ip),
                    AddressValue = ip,
                    Description = $"Interface for NAT Gateway {nat.Id}",
                    InterfaceType = InterfaceTypes.NatGateway,
                    CreatedAt = now,
                };
                db.NetworkInterfaces.Add(eni);
                nat.NetworkInterfaceId = eni.Id;
                address.NetworkInterfaceId = eni.Id;
                address.VpcId = subnet.VpcId;
                address.AssociationId = ResourceIds.New("eipassoc");
                address.Version++;
                EdgeChanges.Add(db, accountId, [subnet.VpcId], [host.HostId]);
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                throw NetworkErrors.AlreadyAssociated($"Elastic IP address [{address.AllocationId}] is already associated");
            }
            catch (DbUpdateException) when (attempt < Attempts)
            {
                // The address in the subnet was taken, or the client token was used by a twin request: look again.
                db.ChangeTracker.Clear();
                if (await ExistingAsync(accountId, request, cancellationToken) is { } raced)
                {
                    return raced;
                }

                address = await db.FindAllocationAsync(accountId, request.AllocationId!, cancellationToken);
                continue;
            }

            if (eni is not null && !await db.Subnets.AnyAsync(s => s.Id == subnet.Id, cancellationToken))
            {
                // The subnet was deleted meanwhile (its delete looks for interfaces after its write, we for the subnet after ours).
                await NatGatewayTeardown.DeleteAsync(db, nat, cancellationToken);
                throw NetworkErrors.SubnetNotFound(subnet.Id);
            }

            return NatGatewayResponse.From(nat, address.PublicIp, eni?.PrivateIpAddress, host is null ? null : NatGatewayStates.Pending);
        }
    }

    private async Task<NatGatewayResponse?> ExistingAsync(string accountId, CreateNatGateway request, CancellationToken cancellationToken)
    {
        if (request.ClientToken is null)
        {
            return null;
        }

        var nat = await db.NatGateways.AsNoTracking().SingleOrDefaultAsync(n => n.AccountId == accountId && n.ClientToken == request.ClientToken, cancellationToken);
        if (nat is null)
        {
            return null;
        }

        if (nat.SubnetId != request.SubnetId || nat.AllocationId != request.AllocationId)
        {
            throw ApiErrors.IdempotentParameterMismatch($"The client token {request.ClientToken} was used with other parameters.");
        }

        return await NatGatewayViews.DescribeOneAsync(db, nat, cancellationToken);
    }
}

/// <summary>Describes NAT gateways with their addresses.</summary>
internal static class NatGatewayViews
{
    public static async Task<NatGatewayResponse> DescribeOneAsync(NetworkDbContext db, NatGateway nat, CancellationToken cancellationToken) =>
        (await DescribeAsync(db, [nat], cancellationToken))[0];

    public static async Task<List<NatGatewayResponse>> DescribeAsync(NetworkDbContext db, IReadOnlyList<NatGateway> nats, CancellationToken cancellationToken)
    {
        var allocationIds = nats.Select(n => n.AllocationId).Distinct().ToList();
        var eniIds = nats.Select(n => n.NetworkInterfaceId).OfType<string>().ToList();
        var publicIps = await db.ElasticAddresses.AsNoTracking().Where(a => allocationIds.Contains(a.AllocationId)).ToDictionaryAsync(a => a.AllocationId, a => a.PublicIp, cancellationToken);
        var privateIps = await db.NetworkInterfaces.AsNoTracking().Where(n => eniIds.Contains(n.Id)).ToDictionaryAsync(n => n.Id, n => n.PrivateIpAddress, cancellationToken);
        return nats.Select(n => NatGatewayResponse.From(n, publicIps.GetValueOrDefault(n.AllocationId, ""),
            n.NetworkInterfaceId is { } eni ? privateIps.GetValueOrDefault(eni) : null)).ToList();
    }
}

/// <summary>What deleting a NAT gateway undoes: its interface goes, its elastic IP is disassociated (and stays allocated, as on EC2).</summary>
internal static class NatGatewayTeardown
{
    public static async Task DeleteAsync(NetworkDbContext db, NatGateway nat, CancellationToken cancellationToken)
    {
        if (nat.NetworkInterfaceId is { } eniId)
        {
            if (await db.ElasticAddresses.SingleOrDefaultAsync(a => a.NetworkInterfaceId == eniId, cancellationToken) is { } address)
            {
                ElasticIps.AssociateAddressHandler.Disassociate(address);
            }

            if (await db.NetworkInterfaces.SingleOrDefaultAsync(n => n.Id == eniId, cancellationToken) is { } eni)
            {
                db.NetworkInterfaces.Remove(eni);
            }
        }

        nat.State = NatGatewayStates.Deleted;
        nat.DeletedAt = DateTime.UtcNow;
        EdgeChanges.Add(db, nat.AccountId, [nat.VpcId], [nat.HostId]);
        await db.SaveChangesAsync(cancellationToken);
    }
}
