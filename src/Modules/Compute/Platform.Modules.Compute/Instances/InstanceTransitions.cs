using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Instances;

/// <summary>
/// Applies a user's state change to one instance and, when the host must act, raises the host's
/// desired-state version in the same commit and wakes its agent.
/// </summary>
internal sealed class InstanceTransitions(ComputeDbContext db, DesiredStateSignals signals)
{
    /// <param name="change">Changes the instance; answers false when nothing changed (a repeated request).</param>
    public async Task<InstanceStateChange> ApplyAsync(string accountId, string instanceId, Func<Instance, bool> change, CancellationToken cancellationToken)
    {
        var (result, hostId) = await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var instance = await InstanceLookup.OwnedAsync(db, accountId, instanceId, cancellationToken);
            var previous = instance.State;
            if (!change(instance))
            {
                return (new InstanceStateChange(instance.Id, previous, instance.State), (string?)null);
            }

            var host = await db.Hosts.SingleAsync(h => h.Id == instance.HostId, cancellationToken);
            host.DesiredVersion++;
            instance.ChangedAtVersion = host.DesiredVersion;
            await db.SaveChangesAsync(cancellationToken);
            return (new InstanceStateChange(instance.Id, previous, instance.State), host.Id);
        });

        if (hostId is not null)
        {
            signals.Changed(hostId);
        }

        return result;
    }
}
