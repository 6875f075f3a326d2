using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Billing.Metering;

/// <summary>
/// Turns Compute's instance state facts into running time: entering <c>running</c> opens a run, leaving it closes the
/// run and records its seconds (<see cref="RunSegments"/>). Every step is keyed by the fact (a run by its instance and
/// start, a record by its run and month, or for a spot instance by its run and the start of each stretch at one spot price),
/// so a redelivered or repeated notification changes nothing. A spot instance's time is <c>SpotUsage:</c>, priced by the
/// spot price of its type and zone in force (<see cref="Prices.PriceBook"/>). Instances a module
/// runs for a resource of its own (a database's guest) are that resource's usage, not the tenant's EC2 usage.
/// Delivered by the outbox, the facts of a batch are gathered and stored in one transaction (<see cref="InstanceFactBatch"/>).
/// </summary>
internal sealed class MeterInstanceRuns(BillingDbContext db, UsageWriter writer, TimeProvider clock, InstanceFactBatch? batch = null)
    : INotificationHandler<InstanceStateChanged>
{
    public async ValueTask Handle(InstanceStateChanged notification, CancellationToken cancellationToken)
    {
        if (notification.ManagedBy is not null)
        {
            return;
        }

        if (batch is not null && batch.Gather(notification))
        {
            return;
        }

        await RecordAsync(notification, cancellationToken);
    }

    /// <summary>Stores one fact's step (a run opened, or a run closed and its usage written), each save its own unless a transaction is open.</summary>
    internal async Task RecordAsync(InstanceStateChanged notification, CancellationToken cancellationToken)
    {

        // The fact's own moment, not its second: a run is known by its start, and a stop and a start again can fall in the
        // same second as the start before them (each start still pays its 60 s; the seconds are counted whole in RunSegments).
        var at = DateTime.SpecifyKind(notification.ChangedAt, DateTimeKind.Utc);
        try
        {
            if (notification.State == InstanceStateChanged.Running)
            {
                await OpenAsync(notification, at, cancellationToken);
            }
            else if (notification.PreviousState == InstanceStateChanged.Running)
            {
                _ = await CloseAsync(notification.InstanceId, at, cancellationToken);
            }
        }
        catch
        {
            // The context serves the rest of the outbox's batch: what this fact left unsaved must not go in with theirs.
            db.ChangeTracker.Clear();
            throw;
        }
    }

    /// <summary>Records the seconds of every closed run not yet recorded, and of open runs up to <paramref name="until"/> for the months before it.</summary>
    /// <param name="spotChanges">For a spot run: when its type's spot price changed in its zone during the run (<see cref="Spot.SpotPriceHistory.ChangesAsync"/>);
    /// each month's part is cut there, so each record has one spot price.</param>
    public static IReadOnlyList<UsageRecord> Records(InstanceRun run, DateTime until, DateTime now, IReadOnlyList<DateTime>? spotChanges = null)
    {
        var parts = RunSegments.Split(run.StartedAt, run.EndedAt, until).Where(p => run.EndedAt is not null || p.Month.AddMonths(1) <= until);
        if (UsageTypes.IsSpot(run.UsageType))
        {
            parts = parts.SelectMany(p => RunSegments.Cut(p, spotChanges ?? []));
        }

        return [.. parts.Select(p => new UsageRecord
        {
            IdempotencyKey = UsageTypes.IsSpot(run.UsageType)
                ? $"ec2-spot:{run.InstanceId}:{RunKey(run.StartedAt)}:{p.Start.Ticks / TimeSpan.TicksPerSecond}"
                : $"ec2-run:{run.InstanceId}:{RunKey(run.StartedAt)}:{p.Month:yyyyMM}",
            AccountId = run.AccountId,
            Service = run.Service,
            UsageType = run.UsageType,
            ResourceId = run.InstanceId,
            UsageStart = p.Start,
            UsageEnd = p.End,
            Quantity = p.Seconds,
            Unit = UsageTypes.Seconds,
            RecordedAt = now,
            AvailabilityZone = run.AvailabilityZone,
        })];
    }

    /// <summary>
    /// A run's start in its records' idempotency keys: the second, and the fraction of it when there is one (runs recorded
    /// before starts kept their fraction have whole seconds, so their keys are what they were).
    /// </summary>
    internal static string RunKey(DateTime startedAt)
    {
        var seconds = startedAt.Ticks / TimeSpan.TicksPerSecond;
        var fraction = startedAt.Ticks % TimeSpan.TicksPerSecond;
        return fraction == 0 ? $"{seconds}" : $"{seconds}.{fraction:D7}";
    }

    /// <returns>Whether a run was opened (false: this fact's run is there already).</returns>
    /// <remarks>
    /// Keyed by the start only: facts may be handled out of order (a start's <c>running</c> before the <c>stopped</c>
    /// that ended the run before it, which <see cref="CloseAsync"/> still closes), so another open run of the instance
    /// is not this one. A run the reconciliation opened has this fact's start: Compute's running-since is the fact's time.
    /// </remarks>
    internal async Task<bool> OpenAsync(InstanceStateChanged fact, DateTime at, CancellationToken cancellationToken)
    {
        // (A run recorded before starts kept their fraction has its start's whole second.)
        var second = RunSegments.Second(at);
        if (await db.InstanceRuns.AnyAsync(r => r.InstanceId == fact.InstanceId && (r.StartedAt == at || r.StartedAt == second), cancellationToken))
        {
            return false;
        }

        db.InstanceRuns.Add(NewRun(fact, at));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            db.ChangeTracker.Clear(); // opened by another delivery meanwhile
            return false;
        }
    }

    internal static InstanceRun NewRun(InstanceStateChanged fact, DateTime at) => new()
    {
        InstanceId = fact.InstanceId,
        StartedAt = at,
        AccountId = fact.AccountId,
        Service = UsageTypes.Ec2,
        UsageType = fact.InstanceLifecycle == InstanceStateChanged.Spot ? UsageTypes.Spot(fact.InstanceType) : UsageTypes.Box(fact.InstanceType),
        AvailabilityZone = fact.AvailabilityZone,
    };

    /// <returns>Whether this call ended the run (false: there is none before <paramref name="at"/>, or it was ended already).</returns>
    /// <remarks>Also the reconciliation's, for a run whose ending fact was lost, at the moment Compute's state gives for it (the fact's).</remarks>
    internal async Task<bool> CloseAsync(string instanceId, DateTime at, CancellationToken cancellationToken)
    {
        // The run this fact ends: the latest one that started before it (a redelivered fact finds it closed already).
        var run = await db.InstanceRuns.Where(r => r.InstanceId == instanceId && r.StartedAt <= at)
            .OrderByDescending(r => r.StartedAt).FirstOrDefaultAsync(cancellationToken);
        if (run is null)
        {
            return false;
        }

        var ended = false;
        if (run.EndedAt is null)
        {
            run.EndedAt = at;
            await db.SaveChangesAsync(cancellationToken);
            ended = true;
        }

        // Written from the stored run, so a crash before this line is made good by the fact's redelivery.
        await writer.WriteAsync(Records(run, run.EndedAt.Value, clock.GetUtcNow().UtcDateTime,
            await SpotChangesAsync(db, run, run.EndedAt.Value, cancellationToken)), cancellationToken);
        return ended;
    }

    /// <summary>Where a spot run's usage is cut (its price's changes up to <paramref name="until"/>); none for an on-demand run.</summary>
    public static async Task<IReadOnlyList<DateTime>> SpotChangesAsync(BillingDbContext db, InstanceRun run, DateTime until, CancellationToken cancellationToken) =>
        UsageTypes.IsSpot(run.UsageType)
            ? await Spot.SpotPriceHistory.ChangesAsync(db, run.UsageType[UsageTypes.SpotPrefix.Length..], run.AvailabilityZone, run.StartedAt, until, cancellationToken)
            : [];
}
