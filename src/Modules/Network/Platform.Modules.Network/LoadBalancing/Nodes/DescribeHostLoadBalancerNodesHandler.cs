using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.HostAgent.Protocol;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.LoadBalancing.Rules;
using Platform.Modules.Network.LoadBalancing.Targets;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.LoadBalancing.Nodes;

/// <summary>
/// Composes the nodes a server carries as its agent reads them: each node's interface (address, MAC, subnet and gateway, the
/// VPC's isolation id), and its balancer's listeners with their rules, and every target group they forward to with its
/// health check settings and its targets (private address and port; deregistered ones draining until their delay has passed,
/// with the moment it does: the agent takes them out then, as no new desired state comes for it),
/// and the rules of the balancer's security groups for the node's port, expanded as an instance's are. A zone's pair of nodes
/// (both placed) each carry the other as their keepalived peer; a node whose peer has no server yet runs alone. An internal
/// balancer's zone address is virtual once it has a pair: each node is told it, and the VPC's servers learn it at each node's server.
/// </summary>
internal sealed class DescribeHostLoadBalancerNodesHandler(NetworkDbContext db, ISender sender) : IRequestHandler<DescribeHostLoadBalancerNodes, HostLoadBalancerNodes>
{
    public async ValueTask<HostLoadBalancerNodes> Handle(DescribeHostLoadBalancerNodes request, CancellationToken cancellationToken)
    {
        // Nodes are a JSON column: the LIKE narrows to balancers naming the server, the placement itself is read below.
        var here = (await db.LoadBalancers.AsNoTracking().Where(l => l.NodesJson.Contains(request.HostId)).OrderBy(l => l.Arn).ToListAsync(cancellationToken))
            .Select(l => (Balancer: l, Nodes: ElbJson.Read<List<LoadBalancerNode>>(l.NodesJson)
                .SelectMany(n => n.Members().Where(m => m.HostId == request.HostId).Select(m => (Zone: n, Member: m))).ToList()))
            .Where(b => b.Nodes.Count > 0).ToList();
        var vpcIds = here.Select(b => b.Balancer.VpcId).Concat(request.VpcIds).Distinct(StringComparer.Ordinal).ToList();
        var isolation = await db.Vpcs.AsNoTracking().Where(v => vpcIds.Contains(v.Id)).ToDictionaryAsync(v => v.Id, v => v.IsolationId, cancellationToken);

        var firewalls = here.Count == 0 ? new Dictionary<string, InterfaceFirewall>(StringComparer.Ordinal)
            : (await sender.Send(new DescribeInterfaceFirewall(NetworkInterfaceIds: [.. here.SelectMany(b => b.Nodes).Select(n => n.Member.NetworkInterfaceId)]), cancellationToken))
                .ToDictionary(f => f.NetworkInterfaceId, StringComparer.Ordinal);
        var desired = new List<DesiredLoadBalancerNode>();
        foreach (var (balancer, nodes) in here)
        {
            if (!isolation.TryGetValue(balancer.VpcId, out var isolationId))
            {
                continue;
            }

            var (listeners, groups) = await ListenersAsync(balancer, cancellationToken);
            foreach (var (node, member) in nodes)
            {
                var eni = await db.NetworkInterfaces.AsNoTracking().SingleOrDefaultAsync(n => n.Id == member.NetworkInterfaceId, cancellationToken);
                var subnet = await db.Subnets.AsNoTracking().SingleOrDefaultAsync(s => s.Id == node.SubnetId, cancellationToken);
                if (eni is null || subnet is null || !Ipv4Cidr.TryParse(subnet.CidrBlock, out var cidr))
                {
                    continue;
                }

                // A node without groups (a network load balancer made without any) is open, as ELBv2's is.
                var firewall = firewalls.GetValueOrDefault(eni.Id) is { SecurityGroupIds.Count: > 0 } f ? f : null;
                desired.Add(new DesiredLoadBalancerNode(balancer.Arn, eni.Id, balancer.Type, balancer.VpcId, isolationId, subnet.CidrBlock,
                    Ipv4.Format(SubnetAddresses.Gateway(cidr)), eni.PrivateIpAddress, eni.MacAddress, node.PublicIp ?? balancer.PublicIp, listeners, groups,
                    firewall?.Ingress.Select(Rule).ToList(), firewall?.Egress.Select(Rule).ToList(), Peer(node, member), node.VirtualIpAddress()));
            }
        }

        var elsewhere = new List<LoadBalancerNodePlacement>();
        var balancersOfVpcs = await db.LoadBalancers.AsNoTracking().Where(l => vpcIds.Contains(l.VpcId)).Select(l => new { l.VpcId, l.NodesJson }).ToListAsync(cancellationToken);
        var zonesOfVpcs = balancersOfVpcs.SelectMany(b => ElbJson.Read<List<LoadBalancerNode>>(b.NodesJson).Select(n => (b.VpcId, Zone: n))).ToList();
        var remote = zonesOfVpcs.SelectMany(z => z.Zone.Members().Select(m => (z.VpcId, z.Zone, Node: m)))
            .Where(n => n.Node.HostId is not null && n.Node.HostId != request.HostId).ToList();
        var remoteEniIds = remote.Select(r => r.Node.NetworkInterfaceId).ToList();
        var macs = await db.NetworkInterfaces.AsNoTracking().Where(n => remoteEniIds.Contains(n.Id)).ToDictionaryAsync(n => n.Id, n => n.MacAddress, cancellationToken);
        foreach (var (vpcId, zone, node) in remote)
        {
            if (macs.TryGetValue(node.NetworkInterfaceId, out var mac))
            {
                elsewhere.Add(new LoadBalancerNodePlacement(node.NetworkInterfaceId, vpcId, mac, node.PrivateIpAddress, node.HostId!));
                // An internal pair's virtual address, once for each node that may hold it: the VPC router sends what it routes there
                // to both (the one without the address drops it), and the MASTER answers ARP for it with its own MAC.
                if (zone.VirtualIpAddress() is { } virtualIp)
                {
                    elsewhere.Add(new LoadBalancerNodePlacement(zone.NetworkInterfaceId, vpcId, mac, virtualIp, node.HostId!));
                }
            }
        }

        var vpcs = here.Select(b => b.Balancer.VpcId).Distinct(StringComparer.Ordinal).Where(isolation.ContainsKey)
            .Select(v => new LoadBalancerNodeVpc(v, isolation[v])).ToList();
        return new HostLoadBalancerNodes(JsonSerializer.Serialize(desired, AgentApi.Json), vpcs, elsewhere);
    }

    private async Task<(List<DesiredListener> Listeners, List<DesiredTargetGroup> Groups)> ListenersAsync(LoadBalancer balancer, CancellationToken cancellationToken)
    {
        var listeners = await db.Listeners.AsNoTracking().Where(l => l.LoadBalancerArn == balancer.Arn).OrderBy(l => l.Port).ToListAsync(cancellationToken);
        var listenerArns = listeners.Select(l => l.Arn).ToList();
        var rules = await db.ListenerRules.AsNoTracking().Where(r => listenerArns.Contains(r.ListenerArn)).OrderBy(r => r.Priority).ToListAsync(cancellationToken);
        var desiredListeners = listeners.Select(l => new DesiredListener(l.Port, l.Protocol, Action(ElbJson.Read<RuleAction>(l.DefaultActionJson)),
            rules.Where(r => r.ListenerArn == l.Arn).Select(r => new DesiredListenerRule(r.Priority,
                ElbJson.Read<List<RuleCondition>>(r.ConditionsJson).Select(Condition).ToList(), Action(ElbJson.Read<RuleAction>(r.ActionJson)))).ToList())).ToList();

        var groupArns = desiredListeners.SelectMany(l => l.Rules.Select(r => r.Action).Prepend(l.DefaultAction))
            .SelectMany(a => a.TargetGroups ?? []).Select(g => g.TargetGroupArn).Distinct(StringComparer.Ordinal).ToList();
        var groups = await db.TargetGroups.AsNoTracking().Where(g => groupArns.Contains(g.Arn)).OrderBy(g => g.Arn).ToListAsync(cancellationToken);
        var targets = await db.RegisteredTargets.AsNoTracking().Where(t => groupArns.Contains(t.TargetGroupArn)).ToListAsync(cancellationToken);
        var now = DateTime.UtcNow;
        var desiredGroups = groups.Select(g => new DesiredTargetGroup(g.Arn, g.Protocol, g.HealthCheckEnabled, g.HealthCheckProtocol, g.HealthCheckPort,
            g.HealthCheckPath, g.HealthCheckIntervalSeconds, g.HealthCheckTimeoutSeconds, g.HealthyThresholdCount, g.UnhealthyThresholdCount, g.Matcher,
            g.DeregistrationDelaySeconds,
            targets.Where(t => t.TargetGroupArn == g.Arn && !TargetRegistry.IsGone(t, g, now)).OrderBy(t => t.TargetId, StringComparer.Ordinal).ThenBy(t => t.Port)
                .Select(t => new DesiredTarget(t.TargetId, t.IpAddress, t.Port, t.DeregisteredAt is not null, TargetRegistry.DrainedAt(t, g))).ToList())).ToList();
        return (desiredListeners, desiredGroups);
    }

    /// <summary>
    /// The other node of a placed pair, as keepalived's peer: VRRP's router id from the zone's first interface (the same on both
    /// nodes), and a higher priority for the first node, which only breaks the tie when both start at once.
    /// </summary>
    private static DesiredNodePeer? Peer(LoadBalancerNode zone, LoadBalancerNodeMember member)
    {
        if (!zone.IsPaired())
        {
            return null;
        }

        var routerId = (int)(BitConverter.ToUInt32(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(zone.NetworkInterfaceId))) % 255) + 1;
        return member.IsPeer ? new DesiredNodePeer(zone.Members().First().PrivateIpAddress, routerId, 100) : new DesiredNodePeer(zone.PeerPrivateIpAddress!, routerId, 110);
    }

    private static DesiredFirewallRule Rule(FirewallRule rule) => new(rule.Protocol, rule.FromPort, rule.ToPort, rule.Cidr);

    private static DesiredAction Action(RuleAction action) => new(
        action.Type,
        action.TargetGroups?.Select(g => new DesiredWeightedTargetGroup(g.TargetGroupArn!, g.Weight ?? 1)).ToList(),
        action.Redirect is { } r ? new DesiredRedirect(r.Protocol ?? "#{protocol}", r.Port ?? "#{port}", r.Host ?? "#{host}", r.Path ?? "/#{path}",
            r.Query ?? "#{query}", r.StatusCode ?? "HTTP_301") : null,
        action.FixedResponse is { } f ? new DesiredFixedResponse(f.StatusCode ?? "200", f.ContentType, f.MessageBody) : null);

    private static DesiredRuleCondition Condition(RuleCondition condition) => new(condition.Field, condition.Values, condition.HttpHeaderName,
        condition.QueryPairs?.Select(p => new DesiredQueryPair(p.Key, p.Value ?? "")).ToList());
}
