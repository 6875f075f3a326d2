using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Ids;

namespace Platform.Modules.Network.LoadBalancing.Nodes;

/// <summary>
/// A load balancer node's interface in its subnet (<c>ELB app/&lt;name&gt;/&lt;id&gt;</c>), with the balancer's security groups: made in
/// the save that records the node (the balancer's insert, or the placement job's conditional update), so no crash leaves one
/// without its node. The address is a free one of the subnet; a concurrent allocation of the same address fails that save.
/// </summary>
internal sealed class NodeInterfaces(NetworkDbContext db, Subnet subnet, HashSet<uint> used, long offset)
{
    public static async Task<NodeInterfaces> ForAsync(NetworkDbContext db, Subnet subnet, int attempt, CancellationToken cancellationToken)
    {
        _ = Ipv4Cidr.TryParse(subnet.CidrBlock, out var cidr);
        var used = (await db.NetworkInterfaces.AsNoTracking().Where(n => n.SubnetId == subnet.Id).Select(n => n.AddressValue).ToListAsync(cancellationToken))
            .Select(v => (uint)v).ToHashSet();
        var offset = attempt == 0 ? 0 : Random.Shared.NextInt64(Math.Max(1, SubnetAddresses.AssignableCount(cidr)));
        return new NodeInterfaces(db, subnet, used, offset);
    }

    public NetworkInterface New(string accountId, string loadBalancerArn, string type, IEnumerable<string> groups, DateTime now)
    {
        _ = Ipv4Cidr.TryParse(subnet.CidrBlock, out var cidr);
        var ip = SubnetAddresses.PickFree(cidr, used, offset) ?? throw NetworkErrors.SubnetFull(subnet.Id);
        used.Add(ip);
        var eni = new NetworkInterface
        {
            Id = ResourceIds.New("eni"),
            AccountId = accountId,
            VpcId = subnet.VpcId,
            SubnetId = subnet.Id,
            AvailabilityZone = subnet.AvailabilityZone,
            MacAddress = MacAddresses.New(),
            PrivateIpAddress = Ipv4.Format(ip),
            AddressValue = ip,
            Description = LoadBalancerNodes.Description(loadBalancerArn),
            InterfaceType = type == LoadBalancerTypes.Network ? InterfaceTypes.NetworkLoadBalancer : InterfaceTypes.Interface,
            CreatedAt = now,
        };
        db.NetworkInterfaces.Add(eni);
        db.InterfaceSecurityGroups.AddRange(groups.Select(g => new InterfaceSecurityGroup { InterfaceId = eni.Id, GroupId = g }));
        return eni;
    }
}
