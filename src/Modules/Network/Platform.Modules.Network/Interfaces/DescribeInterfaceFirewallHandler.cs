using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.Interfaces;

/// <summary>
/// Resolves interfaces' security groups into flat allow rules a switch can enforce. A rule that names a
/// group becomes one /32 rule per member interface of that group (the interface itself included, which
/// is how the default group lets its members talk); duplicates across groups collapse.
/// </summary>
internal sealed class DescribeInterfaceFirewallHandler(NetworkDbContext db) : IRequestHandler<DescribeInterfaceFirewall, IReadOnlyList<InterfaceFirewall>>
{
    public async ValueTask<IReadOnlyList<InterfaceFirewall>> Handle(DescribeInterfaceFirewall request, CancellationToken cancellationToken)
    {
        var interfaceIds = request.NetworkInterfaceIds ?? [];
        var instanceIds = request.InstanceIds ?? [];
        var vpcIds = request.VpcIds ?? [];
        if (interfaceIds.Count + instanceIds.Count + vpcIds.Count == 0)
        {
            return [];
        }

        var interfaces = await db.NetworkInterfaces.AsNoTracking()
            .Where(n => interfaceIds.Contains(n.Id) || (n.InstanceId != null && instanceIds.Contains(n.InstanceId)) || vpcIds.Contains(n.VpcId))
            .OrderBy(n => n.Id)
            .ToListAsync(cancellationToken);
        var ids = interfaces.Select(n => n.Id).ToList();
        var links = await db.InterfaceSecurityGroups.AsNoTracking().Where(l => ids.Contains(l.InterfaceId)).ToListAsync(cancellationToken);
        var groupIds = links.Select(l => l.GroupId).Distinct().ToList();
        var rules = await db.SecurityGroupRules.AsNoTracking().Where(r => groupIds.Contains(r.GroupId)).ToListAsync(cancellationToken);

        var referenced = rules.Select(r => r.ReferencedGroupId).OfType<string>().Distinct().ToList();
        var members = (await (from link in db.InterfaceSecurityGroups.AsNoTracking()
                              join n in db.NetworkInterfaces.AsNoTracking() on link.InterfaceId equals n.Id
                              where referenced.Contains(link.GroupId)
                              select new { link.GroupId, n.PrivateIpAddress }).ToListAsync(cancellationToken))
            .ToLookup(m => m.GroupId, m => m.PrivateIpAddress);

        var subnetIds = interfaces.Select(n => n.SubnetId).Distinct().ToList();
        var subnets = await db.Subnets.AsNoTracking().Where(s => subnetIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, cancellationToken);
        var vpcsFound = interfaces.Select(n => n.VpcId).Distinct().ToList();
        var publicIps = await db.ElasticAddresses.AsNoTracking().Where(a => a.NetworkInterfaceId != null && ids.Contains(a.NetworkInterfaceId))
            .ToDictionaryAsync(a => a.NetworkInterfaceId!, a => a.PublicIp, cancellationToken);
        var isolation = await db.Vpcs.AsNoTracking().Where(v => vpcsFound.Contains(v.Id)).ToDictionaryAsync(v => v.Id, v => v.IsolationId, cancellationToken);

        var result = new List<InterfaceFirewall>(interfaces.Count);
        foreach (var eni in interfaces)
        {
            var mine = links.Where(l => l.InterfaceId == eni.Id).Select(l => l.GroupId).Order(StringComparer.Ordinal).ToList();
            var myRules = rules.Where(r => mine.Contains(r.GroupId)).ToList();
            _ = Ipv4Cidr.TryParse(subnets[eni.SubnetId].CidrBlock, out var cidr);
            result.Add(new InterfaceFirewall(eni.Id, eni.InstanceId, eni.AccountId, eni.MacAddress, eni.PrivateIpAddress, cidr.PrefixLength,
                Ipv4.Format(SubnetAddresses.Gateway(cidr)), eni.SubnetId, eni.VpcId, isolation[eni.VpcId], mine,
                Expand(myRules.Where(r => !r.IsEgress), members), Expand(myRules.Where(r => r.IsEgress), members),
                publicIps.GetValueOrDefault(eni.Id)));
        }

        return result;
    }

    private static List<FirewallRule> Expand(IEnumerable<SecurityGroupRule> rules, ILookup<string, string> members) =>
        rules.SelectMany(rule => rule.ReferencedGroupId is null
                ? [new FirewallRule(rule.Protocol, rule.FromPort, rule.ToPort, rule.CidrIpv4!)]
                : members[rule.ReferencedGroupId].Select(ip => new FirewallRule(rule.Protocol, rule.FromPort, rule.ToPort, ip + "/32")))
            .Distinct()
            .OrderBy(r => r.Protocol, StringComparer.Ordinal).ThenBy(r => r.FromPort).ThenBy(r => r.ToPort).ThenBy(r => r.Cidr, StringComparer.Ordinal)
            .ToList();
}
