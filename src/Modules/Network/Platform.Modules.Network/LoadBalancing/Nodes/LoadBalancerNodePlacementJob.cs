using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.LoadBalancing.Nodes;

/// <summary>
/// Places the load balancer nodes that found no server of their zone when their balancer was created (or whose zone had
/// none since): every minute, each unplaced node asks Compute for a server of its zone (<see cref="ChooseServiceHost"/>, as at
/// creation), and each pair's second node without a server asks for one other than the first's (a zone that had one server
/// when its internet-facing balancer was made gets its second node when a second server appears). The balancer's nodes are written by one conditional update on the nodes as read, in one transaction with the
/// edge change that tells the servers, so two replicas or a rerun place a node once: the later update matches no row.
/// </summary>
internal sealed partial class LoadBalancerNodePlacementJob(NetworkDbContext db, ISender sender, ILogger<LoadBalancerNodePlacementJob> logger)
{
    public const string RecurringJobId = "elb-node-placement";

    /// <summary>Every minute.</summary>
    public const string Cron = "* * * * *";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        // An unplaced node's JSON leaves its host out (nulls are not written): the nodes are read, a few hundred bytes a balancer.
        var balancers = await db.LoadBalancers.AsNoTracking().Select(l => new { l.Arn, l.AccountId, l.VpcId, l.NodesJson }).ToListAsync(cancellationToken);
        var placed = 0;
        foreach (var balancer in balancers)
        {
            var nodes = ElbJson.Read<List<LoadBalancerNode>>(balancer.NodesJson);
            if (nodes.All(n => n.HostId is not null && (n.PeerNetworkInterfaceId is null || n.PeerHostId is not null)))
            {
                continue;
            }

            var changed = new List<string>();
            var next = new List<LoadBalancerNode>();
            foreach (var node in nodes)
            {
                var zone = node;
                if (zone.HostId is null && await sender.Send(new ChooseServiceHost(node.AvailabilityZone), cancellationToken) is { } host)
                {
                    zone = zone with { HostId = host.HostId };
                    changed.Add(host.HostId);
                }

                if (zone is { HostId: { } first, PeerNetworkInterfaceId: not null, PeerHostId: null }
                    && await sender.Send(new ChooseServiceHost(node.AvailabilityZone, ExceptHostId: first), cancellationToken) is { } other)
                {
                    zone = zone with { PeerHostId = other.HostId };
                    // The first node's server too: its node now runs keepalived with the peer.
                    changed.Add(other.HostId);
                    changed.Add(first);
                }

                next.Add(zone);
            }

            if (changed.Count == 0)
            {
                continue;
            }

            var json = ElbJson.Write(next);
            var before = balancer.NodesJson;
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (await db.LoadBalancers.Where(l => l.Arn == balancer.Arn && l.NodesJson == before)
                    .ExecuteUpdateAsync(s => s.SetProperty(l => l.NodesJson, json), cancellationToken) != 1)
            {
                // Another runner placed them (or the balancer changed or went) since the read: nothing to do here.
                continue;
            }

            EdgeChanges.Add(db, balancer.AccountId, [balancer.VpcId], changed.Distinct(StringComparer.Ordinal));
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            placed += next.Sum(n => n.HostIds().Count()) - nodes.Sum(n => n.HostIds().Count());
            LogPlaced(logger, balancer.Arn, string.Join(", ", changed.Distinct(StringComparer.Ordinal)));
        }

        return placed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Load balancer {Arn}: nodes placed on {Hosts}")]
    private static partial void LogPlaced(ILogger logger, string arn, string hosts);
}
