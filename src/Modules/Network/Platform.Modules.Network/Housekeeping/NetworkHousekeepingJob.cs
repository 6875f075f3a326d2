using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Network.Housekeeping;

/// <summary>
/// Gives back the interfaces (and addresses) of instances that do not exist. A launch takes its interface from
/// Network, which commits on its own, before Compute records the instance; an API that dies in between leaves an
/// interface no instance will ever release. Interfaces older than <see cref="NetworkOptions.OrphanInterfaceGracePeriod"/>
/// whose instance Compute does not know (or knows as terminated: the release that termination triggers was lost)
/// are released as termination would release them. Idempotent; safe on several replicas.
/// </summary>
internal sealed partial class NetworkHousekeepingJob(NetworkDbContext db, ISender sender, IOptions<NetworkOptions> options, TimeProvider clock,
    ILogger<NetworkHousekeepingJob> logger)
{
    public const string RecurringJobId = "network-housekeeping";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.OrphanInterfaceGracePeriod;
        var attached = await db.NetworkInterfaces.AsNoTracking()
            .Where(n => n.InstanceId != null && n.CreatedAt < cutoff)
            .Select(n => new { n.AccountId, InstanceId = n.InstanceId! })
            .Distinct()
            .ToListAsync(cancellationToken);
        var released = 0;
        foreach (var batch in attached.Chunk(500))
        {
            var live = (await sender.Send(new DescribeInstancePlacements([.. batch.Select(b => b.InstanceId)]), cancellationToken))
                .Where(p => p.State != "terminated")
                .Select(p => p.InstanceId)
                .ToHashSet(StringComparer.Ordinal);
            foreach (var orphan in batch.Where(b => !live.Contains(b.InstanceId)))
            {
                var result = await sender.Send(new ReleaseInstanceInterfaces(orphan.AccountId, orphan.InstanceId), cancellationToken);
                released += result.NetworkInterfaceIds.Count;
                LogReleased(logger, orphan.InstanceId, string.Join(", ", result.NetworkInterfaceIds));
            }
        }

        return released;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Network housekeeping: released {Interfaces} of {InstanceId}, an instance Compute does not run")]
    private static partial void LogReleased(ILogger logger, string instanceId, string interfaces);
}
