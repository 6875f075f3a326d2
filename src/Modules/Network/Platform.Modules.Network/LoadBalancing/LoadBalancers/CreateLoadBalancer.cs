using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.ElasticIps;
using Platform.Modules.Network.LoadBalancing.Nodes;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;

namespace Platform.Modules.Network.LoadBalancing.LoadBalancers;

/// <summary>
/// ELBv2's CreateLoadBalancer: an application or network load balancer in subnets of one VPC, one subnet per zone, at
/// least two zones for an application load balancer (as ELBv2 demands; one when the region has only one zone). Each
/// subnet gets a node interface with an address of its own; an internet-facing one (its VPC needs an internet gateway)
/// takes a public address per node from the operator's pool, owned by the platform as ELBv2's are by <c>amazon-elb</c>.
/// Creating one again with the same name and settings answers the existing one, as ELBv2 does.
/// </summary>
internal sealed record CreateLoadBalancer(
    string Region,
    string? Name,
    string? Type,
    string? Scheme,
    IReadOnlyList<string>? Subnets,
    IReadOnlyList<string>? SecurityGroups,
    string? IpAddressType,
    IReadOnlyList<ElbTag>? Tags) : IRequest<LoadBalancerResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("elasticloadbalancing:CreateLoadBalancer", ElbArns.Any(Region, caller.AccountId, "loadbalancer"));

    public void Validate()
    {
        ElbNames.Check(Name, "Load balancer");
        if (Name!.StartsWith("internal-", StringComparison.Ordinal))
        {
            throw ElbErrors.Validation("A load balancer name cannot begin with 'internal-'.");
        }

        if (Type is "gateway")
        {
            throw ElbErrors.Validation("Gateway load balancers are not offered.");
        }

        if (Type is not null)
        {
            Shared.Messaging.Parameter.OneOf(Type, "type", LoadBalancerTypes.Application, LoadBalancerTypes.Network);
        }

        if (Scheme is not null)
        {
            Shared.Messaging.Parameter.OneOf(Scheme, "scheme", LoadBalancerSchemes.InternetFacing, LoadBalancerSchemes.Internal);
        }

        if (IpAddressType is not null and not "ipv4")
        {
            throw ElbErrors.Validation($"IP address type '{IpAddressType}' is not offered: VPCs here are IPv4.");
        }

        if (Subnets is null || Subnets.Count == 0)
        {
            throw ElbErrors.Validation("At least one subnet must be specified.");
        }

        ElbNames.Tags(Tags);
    }
}

internal sealed class CreateLoadBalancerHandler(NetworkDbContext db, ICallerContext caller, NetworkSettings settings, IOptions<NetworkOptions> options, ISender sender)
    : IRequestHandler<CreateLoadBalancer, LoadBalancerResponse>
{
    /// <summary>The owner of the public addresses load balancers take from the pool: no tenant sees or counts them.</summary>
    public const string ServiceOwner = "amazon-elb";

    private const int Attempts = 16;

    public async ValueTask<LoadBalancerResponse> Handle(CreateLoadBalancer request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var type = request.Type ?? LoadBalancerTypes.Application;
        var scheme = request.Scheme ?? LoadBalancerSchemes.InternetFacing;
        var subnets = new List<Subnet>();
        foreach (var subnetId in request.Subnets!.Distinct(StringComparer.Ordinal))
        {
            subnets.Add(await db.Subnets.AsNoTracking().SingleOrDefaultAsync(s => s.Id == subnetId && s.AccountId == accountId, cancellationToken)
                ?? throw ElbErrors.SubnetNotFound(subnetId));
        }

        var vpcId = subnets[0].VpcId;
        if (subnets.Any(s => s.VpcId != vpcId))
        {
            throw ElbErrors.InvalidSubnet("The subnets of a load balancer must belong to the same VPC.");
        }

        if (subnets.GroupBy(s => s.AvailabilityZone).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw ElbErrors.InvalidConfiguration($"A load balancer cannot be attached to multiple subnets in the same Availability Zone ({twice.Key}).");
        }

        var zonesNeeded = type == LoadBalancerTypes.Application ? Math.Min(2, settings.AvailabilityZones.Count) : 1;
        if (subnets.Count < zonesNeeded)
        {
            throw ElbErrors.Validation("At least two subnets in two different Availability Zones must be specified.");
        }

        var groups = await SecurityGroupsAsync(accountId, type, vpcId, request.SecurityGroups, cancellationToken);
        var pool = scheme == LoadBalancerSchemes.InternetFacing ? await PublicPoolAsync(vpcId, cancellationToken) : null;

        var existing = await db.LoadBalancers.AsNoTracking().SingleOrDefaultAsync(l => l.AccountId == accountId && l.Name == request.Name, cancellationToken);
        if (existing is not null)
        {
            return Same(existing, type, scheme, subnets) ? LoadBalancerResponse.From(existing, settings.Region) : throw ElbErrors.DuplicateLoadBalancerName(request.Name!);
        }

        // Each node on a server of its zone, as NAT gateways are placed; a zone without one leaves its node unplaced. Each zone
        // has a pair of nodes on two servers (keepalived moves the public address, or an internal balancer's private one, between
        // them): the peer on another server than the first, unplaced while the zone has one server (the placement job places it later).
        var hosts = new Dictionary<string, string?>(StringComparer.Ordinal);
        var peerHosts = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var subnet in subnets)
        {
            hosts[subnet.Id] = (await sender.Send(new ChooseServiceHost(subnet.AvailabilityZone), cancellationToken))?.HostId;
            peerHosts[subnet.Id] = hosts[subnet.Id] is not { } first ? null
                : (await sender.Send(new ChooseServiceHost(subnet.AvailabilityZone, ExceptHostId: first), cancellationToken))?.HostId;
        }

        for (var attempt = 0; ; attempt++)
        {
            var arn = ElbArns.LoadBalancer(settings.Region, accountId, ElbArns.Kind(type), request.Name!, ElbArns.NewId());
            var now = DateTime.UtcNow;
            var nodes = new List<LoadBalancerNode>();
            var picked = new List<uint>();
            foreach (var subnet in subnets)
            {
                var interfaces = await NodeInterfaces.ForAsync(db, subnet, attempt, cancellationToken);
                NetworkInterface NodeInterface() => interfaces.New(accountId, arn, type, groups, now);

                // The zone's address: an internet-facing balancer's first node's own; an internal one's virtual address, which the
                // pair's MASTER holds, beside the first node's own interface.
                var eni = NodeInterface();
                var first = pool is null ? NodeInterface() : null;
                // The pair's second node: an interface and address of its own (VRRP goes between the two addresses).
                var peer = NodeInterface();

                // An internet-facing node's own public address, in the same insert: a crash before it commits leaves none taken.
                ElasticAddress? address = null;
                if (pool is not null)
                {
                    var value = await AllocateAddressHandler.PickAsync(db, pool, attempt, cancellationToken, picked)
                        ?? throw new ApiException(400, "InsufficientAddressCapacity", "There are no free addresses left in the public address pool.");
                    picked.Add(value);
                    address = new ElasticAddress
                    {
                        AllocationId = ResourceIds.New("eipalloc"),
                        AccountId = ServiceOwner,
                        PublicIp = Ipv4.Format(value),
                        AddressValue = value,
                        VpcId = vpcId,
                        AllocatedAt = now,
                    };
                    db.ElasticAddresses.Add(address);
                }

                nodes.Add(new LoadBalancerNode(subnet.Id, subnet.AvailabilityZone, eni.Id, eni.PrivateIpAddress, hosts[subnet.Id], address?.AllocationId, address?.PublicIp,
                    peer.Id, peer.PrivateIpAddress, peerHosts[subnet.Id], first?.Id, first?.PrivateIpAddress));
            }

            var lb = new LoadBalancer
            {
                Arn = arn,
                AccountId = accountId,
                Name = request.Name!,
                Type = type,
                Scheme = scheme,
                VpcId = vpcId,
                // Provisioning until a node reports its HAProxy serving (the data plane's part).
                State = "provisioning",
                NodesJson = ElbJson.Write(nodes),
                SecurityGroupsJson = ElbJson.Write(groups),
                TagsJson = ElbJson.Write(ElbNames.Tags(request.Tags)),
                CreatedAt = now,
            };
            db.LoadBalancers.Add(lb);
            // The nodes' servers take them on, and the VPC's other servers learn where the nodes' interfaces are.
            EdgeChanges.Add(db, accountId, [vpcId], nodes.SelectMany(n => n.HostIds()));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return LoadBalancerResponse.From(lb, settings.Region);
            }
            catch (DbUpdateException) when (attempt < Attempts)
            {
                // An address was taken by a concurrent allocation, or the name by a twin request: look again.
                db.ChangeTracker.Clear();
                if (await db.LoadBalancers.AsNoTracking().SingleOrDefaultAsync(l => l.AccountId == accountId && l.Name == request.Name, cancellationToken) is { } raced)
                {
                    return Same(raced, type, scheme, subnets) ? LoadBalancerResponse.From(raced, settings.Region) : throw ElbErrors.DuplicateLoadBalancerName(request.Name!);
                }
            }
        }
    }

    private static bool Same(LoadBalancer existing, string type, string scheme, List<Subnet> subnets) =>
        existing.Type == type && existing.Scheme == scheme
        && ElbJson.Read<List<LoadBalancerNode>>(existing.NodesJson).Select(n => n.SubnetId).Order(StringComparer.Ordinal)
            .SequenceEqual(subnets.Select(s => s.Id).Order(StringComparer.Ordinal));

    /// <summary>An application load balancer's groups: those named (in its VPC), else the VPC's default group. A network load balancer's: those named.</summary>
    private async Task<List<string>> SecurityGroupsAsync(string accountId, string type, string vpcId, IReadOnlyList<string>? named, CancellationToken cancellationToken)
    {
        var ids = named?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        foreach (var id in ids)
        {
            if (!await db.SecurityGroups.AnyAsync(g => g.Id == id && g.AccountId == accountId && g.VpcId == vpcId, cancellationToken))
            {
                throw ElbErrors.InvalidSecurityGroup(id);
            }
        }

        if (ids.Count == 0 && type == LoadBalancerTypes.Application)
        {
            ids = await db.SecurityGroups.AsNoTracking().Where(g => g.VpcId == vpcId && g.AccountId == accountId && g.IsDefault).Select(g => g.Id).ToListAsync(cancellationToken);
        }

        return ids;
    }

    private async Task<PublicAddressPool> PublicPoolAsync(string vpcId, CancellationToken cancellationToken)
    {
        if (!await db.InternetGateways.AnyAsync(g => g.AttachedVpcId == vpcId, cancellationToken))
        {
            throw ElbErrors.InvalidSubnet($"VPC {vpcId} has no internet gateway");
        }

        return PublicAddressPool.From(options) ?? throw NetworkErrors.NoPublicAddressPool();
    }
}
