using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.LoadBalancing.Nodes;

/// <summary>
/// Keeps every zone of every load balancer on live servers, a pair where the zone has two, every minute:
/// <list type="bullet">
/// <item>A node on a server Compute declares lost (<see cref="DescribeLostHosts"/>: no heartbeat within its timeout) is placed
/// again, the same interface on another server of the zone than its peer's (<see cref="ChooseServiceHost"/>); the peer keeps the
/// zone's address meanwhile (keepalived), and the new node joins it as BACKUP. With no other server the node stays where it was
/// (nothing is deleted): it comes back with its server, or moves when another appears.</item>
/// <item>An unplaced node (its zone had no server) is placed; a pair's second node without a server gets one other than the
/// first's.</item>
/// <item>A zone made before pairs (one node, no peer interface) gets its pair once a second server of the zone is there: a peer
/// interface, and for an internal balancer a new interface for the first node too, its old one becoming the zone's virtual address
/// (so clients keep the address they had; the first node restarts on its new interface, a few seconds without it).</item>
/// </list>
/// The balancer's nodes are written by one conditional update on the nodes as read, in one transaction with the new interfaces
/// and the edge change that tells the servers, so two replicas or a rerun change a zone once: the later update matches no row and
/// its interfaces are never saved.
/// </summary>
internal sealed partial class LoadBalancerNodePlacementJob(NetworkDbContext db, ISender sender, ILogger<LoadBalancerNodePlacementJob> logger)
{
    public const string RecurringJobId = "elb-node-placement";

    /// <summary>Every minute.</summary>
    public const string Cron = "* * * * *";

    /// <summary>Answers how many zones it changed.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        // An unplaced node's JSON leaves its host out (nulls are not written): the nodes are read, a few hundred bytes a balancer.
        var balancers = await db.LoadBalancers.AsNoTracking()
            .Select(l => new { l.Arn, l.AccountId, l.VpcId, l.Type, l.Scheme, l.NodesJson, l.SecurityGroupsJson }).ToListAsync(cancellationToken);
        var read = balancers.Select(b => (Balancer: b, Nodes: ElbJson.Read<List<LoadBalancerNode>>(b.NodesJson))).ToList();
        var hostIds = read.SelectMany(b => b.Nodes).SelectMany(n => n.HostIds()).Distinct(StringComparer.Ordinal).ToList();
        var lost = (hostIds.Count == 0 ? [] : await sender.Send(new DescribeLostHosts(hostIds), cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var placed = 0;
        foreach (var (balancer, nodes) in read)
        {
            if (nodes.All(n => n.HostId is not null && n.PeerHostId is not null && !n.HostIds().Any(lost.Contains)))
            {
                continue;
            }

            var changed = new List<string>();
            var next = new List<LoadBalancerNode>();
            var now = DateTime.UtcNow;
            foreach (var node in nodes)
            {
                var zone = node;
                async Task<string?> ChooseAsync(string? except) =>
                    (await sender.Send(new ChooseServiceHost(node.AvailabilityZone, ExceptHostId: except), cancellationToken))?.HostId;

                // A lost server's node moves (its interface with it) to another server than its peer's; the lost one drops it if it returns.
                if (zone.HostId is { } gone && lost.Contains(gone) && await ChooseAsync(zone.PeerHostId) is { } instead && instead != gone)
                {
                    zone = zone with { HostId = instead };
                    changed.AddRange([instead, gone]);
                    LogReplaced(logger, balancer.Arn, zone.Members().First().NetworkInterfaceId, gone, instead);
                }

                if (zone.PeerHostId is { } peerGone && lost.Contains(peerGone) && await ChooseAsync(zone.HostId) is { } peerInstead && peerInstead != peerGone)
                {
                    zone = zone with { PeerHostId = peerInstead };
                    changed.AddRange([peerInstead, peerGone]);
                    LogReplaced(logger, balancer.Arn, zone.PeerNetworkInterfaceId!, peerGone, peerInstead);
                }

                if (zone.HostId is null && await ChooseAsync(null) is { } host)
                {
                    zone = zone with { HostId = host };
                    changed.Add(host);
                }

                // A zone made before pairs gets its pair's interfaces once a second server can carry the peer.
                if (zone is { HostId: { } alone, PeerNetworkInterfaceId: null } && await ChooseAsync(alone) is { } second)
                {
                    var subnet = await db.Subnets.AsNoTracking().SingleOrDefaultAsync(s => s.Id == zone.SubnetId, cancellationToken);
                    if (subnet is not null)
                    {
                        var interfaces = await NodeInterfaces.ForAsync(db, subnet, attempt: 0, cancellationToken);
                        var groups = ElbJson.Read<List<string>>(balancer.SecurityGroupsJson);
                        var first = balancer.Scheme == LoadBalancerSchemes.Internal ? interfaces.New(balancer.AccountId, balancer.Arn, balancer.Type, groups, now) : null;
                        var peer = interfaces.New(balancer.AccountId, balancer.Arn, balancer.Type, groups, now);
                        zone = zone with
                        {
                            PeerNetworkInterfaceId = peer.Id, PeerPrivateIpAddress = peer.PrivateIpAddress, PeerHostId = second,
                            FirstNetworkInterfaceId = first?.Id, FirstPrivateIpAddress = first?.PrivateIpAddress,
                        };
                        changed.AddRange([second, alone]);
                    }
                }

                if (zone is { HostId: { } firstHost, PeerNetworkInterfaceId: not null, PeerHostId: null } && await ChooseAsync(firstHost) is { } other)
                {
                    zone = zone with { PeerHostId = other };
                    // The first node's server too: its node now runs keepalived with the peer.
                    changed.AddRange([other, firstHost]);
                }

                next.Add(zone);
            }

            if (changed.Count == 0)
            {
                continue;
            }

            var json = ElbJson.Write(next);
            var before = balancer.NodesJson;
            try
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                if (await db.LoadBalancers.Where(l => l.Arn == balancer.Arn && l.NodesJson == before)
                        .ExecuteUpdateAsync(s => s.SetProperty(l => l.NodesJson, json), cancellationToken) != 1)
                {
                    // Another runner placed them (or the balancer changed or went) since the read: nothing to do here, nothing saved.
                    db.ChangeTracker.Clear();
                    continue;
                }

                EdgeChanges.Add(db, balancer.AccountId, [balancer.VpcId], changed.Distinct(StringComparer.Ordinal));
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // A new interface's address was taken meanwhile: the whole change is rolled back, the next run tries again.
                db.ChangeTracker.Clear();
                continue;
            }

            placed += next.Zip(nodes).Count(p => p.First != p.Second);
            LogPlaced(logger, balancer.Arn, string.Join(", ", changed.Distinct(StringComparer.Ordinal)));
        }

        return placed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Load balancer {Arn}: nodes placed on {Hosts}")]
    private static partial void LogPlaced(ILogger logger, string arn, string hosts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Load balancer {Arn}: node {NodeId} placed again, its server {Lost} being lost, on {Host}")]
    private static partial void LogReplaced(ILogger logger, string arn, string nodeId, string lost, string host);
}
