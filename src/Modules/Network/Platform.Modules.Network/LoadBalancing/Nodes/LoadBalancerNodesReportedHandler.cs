using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.HostAgent.Protocol;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.LoadBalancing.Nodes;

/// <summary>
/// Records what a server's nodes saw of their targets (ELBv2's healthy, or unhealthy with its reason; <c>initial</c> leaves
/// the target as it was) and moves a balancer from provisioning to active once one of its nodes on that server serves. Only
/// nodes the server carries count: a report cannot speak for another server's balancer. Safe to apply twice or on two
/// replicas at once: it writes the last observation, and a lost race is overwritten by the next heartbeat.
/// </summary>
internal sealed class LoadBalancerNodesReportedHandler(NetworkDbContext db) : INotificationHandler<LoadBalancerNodesReported>
{
    public async ValueTask Handle(LoadBalancerNodesReported notification, CancellationToken cancellationToken)
    {
        var reports = JsonSerializer.Deserialize<List<LoadBalancerNodeReport>>(notification.ReportsJson, AgentApi.Json) ?? [];
        if (reports.Count == 0)
        {
            return;
        }

        var arns = reports.Select(r => r.LoadBalancerArn).Distinct(StringComparer.Ordinal).ToList();
        var balancers = (await db.LoadBalancers.Where(l => arns.Contains(l.Arn)).ToListAsync(cancellationToken))
            .Where(l => ElbJson.Read<List<LoadBalancerNode>>(l.NodesJson).SelectMany(n => n.Members()).Any(m => m.HostId == notification.HostId)).ToList();
        var now = DateTime.UtcNow;
        foreach (var balancer in balancers)
        {
            var nodeIds = ElbJson.Read<List<LoadBalancerNode>>(balancer.NodesJson).SelectMany(n => n.Members()).Where(m => m.HostId == notification.HostId)
                .Select(m => m.NetworkInterfaceId).ToHashSet(StringComparer.Ordinal);
            var mine = reports.Where(r => r.LoadBalancerArn == balancer.Arn && nodeIds.Contains(r.NodeId)).ToList();
            if (balancer.State == "provisioning" && mine.Any(r => r.Serving))
            {
                balancer.State = "active";
            }

            var observed = mine.SelectMany(r => r.Targets).Where(t => t.State is "healthy" or "unhealthy").ToList();
            var groupArns = observed.Select(t => t.TargetGroupArn).Distinct(StringComparer.Ordinal).ToList();
            // Only the balancer's account's targets: a node reports the groups its balancer forwards to, all of its account.
            var targets = await db.RegisteredTargets.Where(t => groupArns.Contains(t.TargetGroupArn) && t.AccountId == balancer.AccountId && t.DeregisteredAt == null)
                .ToListAsync(cancellationToken);
            foreach (var target in targets)
            {
                if (observed.LastOrDefault(t => t.TargetGroupArn == target.TargetGroupArn && t.TargetId == target.TargetId && t.Port == target.Port) is not { } seen)
                {
                    continue;
                }

                var reason = seen.State == "healthy" ? null : seen.Reason ?? "Target.FailedHealthChecks";
                if (target.ReportedHealth != seen.State || target.ReportedReason != reason)
                {
                    target.ReportedHealth = seen.State;
                    target.ReportedReason = reason;
                    target.ReportedAt = now;
                }
            }
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // A target deregistered or a balancer deleted meanwhile: the next report speaks for what is left.
        }
    }
}
