using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Network.Contracts;

namespace Platform.Modules.Compute.Hosts;

/// <summary>Raises the desired-state version of every server with instances in the given VPCs, and wakes their agents.</summary>
internal static class HostVersions
{
    public static async Task BumpHostsOfVpcsAsync(ComputeDbContext db, DesiredStateSignals signals, IReadOnlyList<string> vpcIds, CancellationToken cancellationToken)
    {
        if (vpcIds.Count == 0)
        {
            return;
        }

        var hostIds = await db.Instances.AsNoTracking()
            .Where(i => i.VpcId != null && vpcIds.Contains(i.VpcId) && i.State != InstanceStates.Terminated)
            .Select(i => i.HostId).Distinct().ToListAsync(cancellationToken);
        foreach (var hostId in hostIds)
        {
            await ConcurrencyRetry.RunAsync(db, async () =>
            {
                var host = await db.Hosts.SingleAsync(h => h.Id == hostId, cancellationToken);
                host.DesiredVersion++;
                await db.SaveChangesAsync(cancellationToken);
                return host.DesiredVersion;
            });
            signals.Changed(hostId);
        }
    }
}

/// <summary>
/// Security groups changed (rules, or an interface joining or leaving a group, which changes how other
/// groups' rules expand): every server with instances in that VPC gets a new desired state with the new firewall.
/// </summary>
internal sealed class PushFirewallOnRulesChange(ComputeDbContext db, DesiredStateSignals signals) : INotificationHandler<SecurityGroupRulesChanged>
{
    public async ValueTask Handle(SecurityGroupRulesChanged notification, CancellationToken cancellationToken) =>
        await HostVersions.BumpHostsOfVpcsAsync(db, signals, [notification.VpcId], cancellationToken);
}
