using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Database.Guests;
using Platform.Modules.Database.Persistence;

namespace Platform.Modules.Database.Instances.Power;

/// <summary>
/// A Multi-AZ instance's failover (docs/ARCHITECTURE.md, "Multi-AZ"): one conditional update on the term it read raises the
/// term, makes the standby's side the primary, swaps the two zones and turns the instance <c>rebooting</c>; then both guests'
/// servers are signalled. The standby's agent promotes it, the old primary's rebuilds it as the new standby, and the new
/// primary's report of the new term makes the instance <c>available</c> (<see cref="Reports.GuestReportRecorder"/>). Asked
/// twice, or by two replicas, for the same term, it fails over once. The job (<see cref="RecurringJobId"/>, every
/// <c>Rds:GuestCron</c>) fails over each pair whose primary's server Compute judges lost while its standby's is not and the
/// standby of this term has streamed synchronously; nothing else is changed for a lost server.
/// </summary>
internal sealed partial class MultiAzFailover(DatabaseDbContext db, ISender sender, DatabaseGuests guests, ILogger<MultiAzFailover> logger)
{
    public const string RecurringJobId = "rds-failover";

    /// <summary>Fails the instance over from the term it was read at; answers whether this call did it (false: another did first).</summary>
    public async Task<bool> FailOverAsync(DbInstance instance, string reason, CancellationToken cancellationToken, params string[] fromStatuses)
    {
        var term = instance.ReplicationTerm;
        var side = instance.PrimarySide;
        var other = MultiAzPair.Other(side);
        var statuses = fromStatuses.Length == 0 ? [instance.Status] : fromStatuses;
        var changed = await db.Instances
            .Where(i => i.ResourceId == instance.ResourceId && i.MultiAz && i.ReplicationTerm == term && i.PrimarySide == side && statuses.Contains(i.Status))
            .ExecuteUpdateAsync(set => set
                .SetProperty(i => i.ReplicationTerm, term + 1)
                .SetProperty(i => i.PrimarySide, other)
                .SetProperty(i => i.StandbySynchronous, false)
                .SetProperty(i => i.Status, DbInstanceStatus.Rebooting)
                .SetProperty(i => i.StatusMessage, reason)
                .SetProperty(i => i.AvailabilityZone, i => i.SecondaryAvailabilityZone)
                .SetProperty(i => i.SecondaryAvailabilityZone, i => i.AvailabilityZone)
                .SetProperty(i => i.Version, i => i.Version + 1), cancellationToken);
        if (changed == 0)
        {
            return false;
        }

        LogFailedOver(instance.Identifier, instance.ResourceId, term + 1, MultiAzPair.ResourceIdOf(instance, other), reason);
        await guests.SignalAsync(instance.ResourceId, cancellationToken);
        return true;
    }

    /// <returns>How many pairs this run failed over.</returns>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var pairs = await db.Instances.AsNoTracking()
            .Where(i => i.MultiAz && i.StandbySynchronous && UpStatuses.Contains(i.Status))
            .ToListAsync(cancellationToken);
        if (pairs.Count == 0)
        {
            return 0;
        }

        var ids = pairs.SelectMany(i => new[] { i.ResourceId, MultiAzPair.StandbyResourceId(i.ResourceId) }).ToList();
        var placed = (await sender.Send(new DescribeManagedInstances(DatabaseGuests.ManagedBy, ids), cancellationToken))
            .Where(g => g.State is not ("shutting-down" or "terminated"))
            .ToDictionary(g => g.ResourceId, StringComparer.Ordinal);
        var failedOver = 0;
        foreach (var instance in pairs)
        {
            if (placed.GetValueOrDefault(MultiAzPair.PrimaryOf(instance)) is { HostReachable: false } primary
                && placed.GetValueOrDefault(MultiAzPair.StandbyOf(instance)!) is { HostReachable: true, State: "running" })
            {
                failedOver += await FailOverAsync(instance, $"The primary's server {primary.HostId} was lost; failing over to the standby.", cancellationToken,
                    [.. UpStatuses]) ? 1 : 0;
            }
        }

        return failedOver;
    }

    /// <summary>The states a pair serves in, which a lost primary's server fails over from.</summary>
    private static readonly string[] UpStatuses =
        [DbInstanceStatus.Available, DbInstanceStatus.BackingUp, DbInstanceStatus.Modifying, DbInstanceStatus.StorageFull];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Multi-AZ DB instance {Identifier} ({ResourceId}) failed over: term {Term}, primary {Primary}: {Reason}")]
    private partial void LogFailedOver(string identifier, string resourceId, long term, string primary, string reason);
}
