using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Network.Vpcs;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;

namespace Platform.Modules.Network.Interfaces;

/// <summary>
/// IPAM for launches. An address is taken by inserting the interface: the unique (subnet, address)
/// index lets exactly one of two concurrent launches have it, and the other picks again, from a random
/// point of the free range so a crowd of launches spreads out instead of fighting over the lowest address.
/// </summary>
internal sealed class CreateInstanceInterfaceHandler(NetworkDbContext db, DefaultVpcProvisioner defaults, NetworkSettings settings)
    : IRequestHandler<CreateInstanceInterface, InstanceInterface>
{
    private const int Attempts = 64;

    public async ValueTask<InstanceInterface> Handle(CreateInstanceInterface request, CancellationToken cancellationToken)
    {
        if (await ExistingAsync(request, cancellationToken) is { } existing)
        {
            return existing;
        }

        var subnet = await ChooseSubnetAsync(request, cancellationToken);
        var vpc = await db.Vpcs.AsNoTracking().SingleAsync(v => v.Id == subnet.VpcId, cancellationToken);
        var groupIds = await ChooseGroupsAsync(request, vpc, cancellationToken);
        _ = Ipv4Cidr.TryParse(subnet.CidrBlock, out var cidr);

        for (var attempt = 0; ; attempt++)
        {
            var used = (await db.NetworkInterfaces.AsNoTracking().Where(n => n.SubnetId == subnet.Id).Select(n => n.AddressValue).ToListAsync(cancellationToken))
                .Select(v => (uint)v).ToHashSet();
            var offset = attempt == 0 ? 0 : Random.Shared.NextInt64(Math.Max(1, SubnetAddresses.AssignableCount(cidr)));
            var address = SubnetAddresses.PickFree(cidr, used, offset) ?? throw NetworkErrors.SubnetFull(subnet.Id);
            var now = DateTime.UtcNow;
            var eni = new NetworkInterface
            {
                Id = ResourceIds.New("eni"),
                AccountId = request.AccountId,
                VpcId = vpc.Id,
                SubnetId = subnet.Id,
                AvailabilityZone = subnet.AvailabilityZone,
                MacAddress = MacAddresses.New(),
                PrivateIpAddress = Ipv4.Format(address),
                AddressValue = address,
                InstanceId = request.InstanceId,
                AttachmentId = ResourceIds.New("eni-attach"),
                Description = $"Primary network interface of {request.InstanceId}",
                CreatedAt = now,
            };
            db.NetworkInterfaces.Add(eni);
            db.InterfaceSecurityGroups.AddRange(groupIds.Select(g => new InterfaceSecurityGroup { InterfaceId = eni.Id, GroupId = g }));
            // Its address joins the groups, so rules elsewhere that name them now cover it.
            db.AddNotification(new SecurityGroupRulesChanged(request.AccountId, vpc.Id, groupIds, now));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await EnsureParentsRemainAsync(eni, subnet, groupIds, cancellationToken);
                return Describe(eni, subnet, cidr, vpc, groupIds);
            }
            catch (DbUpdateException) when (attempt < Attempts)
            {
                db.ChangeTracker.Clear();
                if (await ExistingAsync(request, cancellationToken) is { } raced)
                {
                    return raced;
                }
            }
            catch (DbUpdateException)
            {
                throw NetworkErrors.Busy();
            }
        }
    }

    /// <summary>
    /// A subnet or group deleted between our reads and our write would be left with an interface; the
    /// deletes check for interfaces after their own write (<see cref="CheckedDelete"/>), and we check for
    /// the parents after ours, so one of the two always sees the other. Losing, we take ours back.
    /// </summary>
    private async Task EnsureParentsRemainAsync(NetworkInterface eni, Subnet subnet, List<string> groupIds, CancellationToken cancellationToken)
    {
        var subnetRemains = await db.Subnets.AnyAsync(s => s.Id == subnet.Id, cancellationToken);
        var groupsRemaining = await db.SecurityGroups.CountAsync(g => groupIds.Contains(g.Id), cancellationToken);
        if (subnetRemains && groupsRemaining == groupIds.Count)
        {
            return;
        }

        db.InterfaceSecurityGroups.RemoveRange(db.InterfaceSecurityGroups.Local.Where(l => l.InterfaceId == eni.Id).ToList());
        db.NetworkInterfaces.Remove(eni);
        await db.SaveChangesAsync(cancellationToken);
        throw subnetRemains ? NetworkErrors.GroupNotFound(groupIds[0]) : NetworkErrors.SubnetNotFound(subnet.Id);
    }

    private async Task<InstanceInterface?> ExistingAsync(CreateInstanceInterface request, CancellationToken cancellationToken)
    {
        var eni = await db.NetworkInterfaces.AsNoTracking()
            .FirstOrDefaultAsync(n => n.AccountId == request.AccountId && n.InstanceId == request.InstanceId, cancellationToken);
        if (eni is null)
        {
            return null;
        }

        var subnet = await db.Subnets.AsNoTracking().SingleAsync(s => s.Id == eni.SubnetId, cancellationToken);
        var vpc = await db.Vpcs.AsNoTracking().SingleAsync(v => v.Id == eni.VpcId, cancellationToken);
        var groups = await db.InterfaceSecurityGroups.AsNoTracking().Where(l => l.InterfaceId == eni.Id).Select(l => l.GroupId).OrderBy(g => g).ToListAsync(cancellationToken);
        _ = Ipv4Cidr.TryParse(subnet.CidrBlock, out var cidr);
        return Describe(eni, subnet, cidr, vpc, groups);
    }

    private async Task<Subnet> ChooseSubnetAsync(CreateInstanceInterface request, CancellationToken cancellationToken)
    {
        if (request.AvailabilityZone is { } zone && !settings.AvailabilityZones.Contains(zone, StringComparer.Ordinal))
        {
            throw ApiErrors.InvalidParameterValue($"Invalid availability zone: [{zone}]");
        }

        if (request.SubnetId is not null)
        {
            var subnet = await db.Subnets.AsNoTracking().SingleOrDefaultAsync(s => s.Id == request.SubnetId && s.AccountId == request.AccountId, cancellationToken)
                ?? throw NetworkErrors.SubnetNotFound(request.SubnetId);
            if (request.AvailabilityZone is not null && request.AvailabilityZone != subnet.AvailabilityZone)
            {
                throw ApiErrors.InvalidParameterValue(
                    $"The subnet '{subnet.Id}' is in availability zone {subnet.AvailabilityZone}, not {request.AvailabilityZone}.");
            }

            return subnet;
        }

        var vpc = await defaults.EnsureAsync(request.AccountId, cancellationToken) ?? throw NetworkErrors.NoDefaultVpc();
        var wantedZone = request.AvailabilityZone ?? settings.AvailabilityZones[0];
        return await db.Subnets.AsNoTracking().FirstOrDefaultAsync(s => s.VpcId == vpc.Id && s.DefaultForAz && s.AvailabilityZone == wantedZone, cancellationToken)
            ?? throw ApiErrors.InvalidParameterValue($"The default VPC '{vpc.Id}' has no default subnet in availability zone {wantedZone}.");
    }

    private async Task<List<string>> ChooseGroupsAsync(CreateInstanceInterface request, Vpc vpc, CancellationToken cancellationToken)
    {
        var ids = (request.SecurityGroupIds ?? []).Distinct(StringComparer.Ordinal).ToList();
        var names = (request.SecurityGroupNames ?? []).Distinct(StringComparer.Ordinal).ToList();
        var chosen = new SortedSet<string>(StringComparer.Ordinal);
        if (ids.Count > 0)
        {
            var found = await db.SecurityGroups.AsNoTracking().Where(g => ids.Contains(g.Id) && g.AccountId == request.AccountId).ToListAsync(cancellationToken);
            if (Lookups.FirstMissing(ids, found.Select(g => g.Id)) is { } missing)
            {
                throw NetworkErrors.GroupNotFound(missing);
            }

            if (found.FirstOrDefault(g => g.VpcId != vpc.Id) is { } foreign)
            {
                throw NetworkErrors.InvalidParameter($"Security group {foreign.Id} and subnet belong to different networks.");
            }

            chosen.UnionWith(found.Select(g => g.Id));
        }

        if (names.Count > 0)
        {
            var found = await db.SecurityGroups.AsNoTracking().Where(g => names.Contains(g.GroupName) && g.VpcId == vpc.Id).ToListAsync(cancellationToken);
            if (Lookups.FirstMissing(names, found.Select(g => g.GroupName)) is { } missing)
            {
                throw NetworkErrors.GroupNameNotFound(missing, vpc.Id);
            }

            chosen.UnionWith(found.Select(g => g.Id));
        }

        if (chosen.Count == 0)
        {
            chosen.Add(await db.SecurityGroups.AsNoTracking().Where(g => g.VpcId == vpc.Id && g.IsDefault).Select(g => g.Id).SingleAsync(cancellationToken));
        }

        return chosen.ToList();
    }

    private static InstanceInterface Describe(NetworkInterface eni, Subnet subnet, Ipv4Cidr cidr, Vpc vpc, IReadOnlyList<string> groupIds) =>
        new(eni.Id, eni.MacAddress, eni.PrivateIpAddress, cidr.PrefixLength, Ipv4.Format(SubnetAddresses.Gateway(cidr)), subnet.Id, subnet.CidrBlock,
            vpc.Id, subnet.AvailabilityZone, vpc.IsolationId, groupIds);
}
