using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Compute.Contracts;

namespace Platform.Modules.Billing.Metering;

/// <summary>
/// Compares Compute's instances (its contracts, from its own state) with the runs metered here, both ways. A running instance
/// without an open run lost its <c>running</c> fact, and gets the run that fact would have opened, from when it entered
/// <c>running</c>; an instance whose run from that start (or a later one) is here, or that has an open run, is left alone.
/// A run still open for an instance Compute says left <c>running</c> (stopped, terminated, or running again since a later
/// start) lost its <c>stopped</c> or <c>terminated</c> fact, and is closed at the moment Compute recorded for the end of its
/// last run, the moment that fact carries: the close is the fact's own (<see cref="MeterInstanceRuns.CloseAsync"/>), so a late
/// fact, a second run of this, or a second replica end it at the same moment and record its seconds once. (Lost facts of
/// several runs in a row are closed at the last end Compute knows; a run of an instance Compute no longer knows, its
/// termination's retention past, is left open and reported.)
/// </summary>
internal sealed class ReconcileUsageHandler(BillingDbContext db, UsageWriter writer, ISender sender, TimeProvider clock, IOptions<BillingOptions> options,
    ILogger<ReconcileUsageHandler> logger)
    : IRequestHandler<ReconcileUsage, int>
{
    public async ValueTask<int> Handle(ReconcileUsage request, CancellationToken cancellationToken)
    {
        // Lost ends first: an instance running again since a later start has its earlier run closed, then its new one opened.
        var meter = new MeterInstanceRuns(db, writer, clock);
        var closed = await CloseLostEndsAsync(meter, request.AsOf - options.Value.ReconcileGrace, cancellationToken);
        db.ChangeTracker.Clear();
        var running = await sender.Send(new DescribeRunningInstances(request.AsOf - options.Value.ReconcileGrace), cancellationToken);
        var opened = 0;
        foreach (var instance in running)
        {
            var since = DateTime.SpecifyKind(instance.RunningSince, DateTimeKind.Utc);
            if (await db.InstanceRuns.AsNoTracking().AnyAsync(r => r.InstanceId == instance.InstanceId && (r.EndedAt == null || r.StartedAt >= since), cancellationToken))
            {
                continue;
            }

            var fact = new InstanceStateChanged(instance.AccountId, instance.InstanceId, instance.InstanceType, instance.AvailabilityZone, "pending",
                InstanceStateChanged.Running, since, null, instance.InstanceLifecycle);
            if (await meter.OpenAsync(fact, since, cancellationToken))
            {
                opened++;
            }
        }

        return closed + opened;
    }

    /// <returns>The runs closed.</returns>
    private async Task<int> CloseLostEndsAsync(MeterInstanceRuns meter, DateTime endedBy, CancellationToken cancellationToken)
    {
        var open = await db.InstanceRuns.AsNoTracking().Where(r => r.EndedAt == null && r.StartedAt <= endedBy)
            .Select(r => new { r.InstanceId, r.StartedAt }).ToListAsync(cancellationToken);
        if (open.Count == 0)
        {
            return 0;
        }

        var states = (await sender.Send(new DescribeInstanceStates([.. open.Select(r => r.InstanceId)]), cancellationToken))
            .ToDictionary(s => s.InstanceId, StringComparer.Ordinal);
        var closed = 0;
        foreach (var run in open)
        {
            if (!states.TryGetValue(run.InstanceId, out var state))
            {
                logger.LogWarning("Billing's run of {InstanceId} since {StartedAt:O} is open, and Compute no longer knows the instance", run.InstanceId, run.StartedAt);
                continue;
            }

            var startedAt = DateTime.SpecifyKind(run.StartedAt, DateTimeKind.Utc);
            var stillRunning = state.State == InstanceStateChanged.Running && state.RunningSince is { } since && RunSegments.Second(since) <= startedAt;
            if (stillRunning || state.RunningEndedAt is not { } endedAt || endedAt < startedAt || endedAt > endedBy)
            {
                continue;
            }

            db.ChangeTracker.Clear();
            if (await meter.CloseAsync(run.InstanceId, endedAt, cancellationToken))
            {
                closed++;
            }
        }

        return closed;
    }
}

/// <summary>The recurring reconciliation: hourly, against Compute's and Storage's state then.</summary>
internal sealed class ReconcileJob(ISender sender, TimeProvider clock)
{
    public const string RecurringJobId = "billing-reconcile";

    [AutomaticRetry(Attempts = 0)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await sender.Send(new ReconcileUsage(now), cancellationToken) + await sender.Send(new ReconcileStorage(now), cancellationToken);
    }
}
