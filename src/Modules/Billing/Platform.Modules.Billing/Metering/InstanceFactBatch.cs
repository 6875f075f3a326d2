using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Shared.Persistence.Outbox;

namespace Platform.Modules.Billing.Metering;

/// <summary>
/// The instance facts of one outbox batch, gathered by <see cref="MeterInstanceRuns"/> and stored in one transaction when
/// the batch ends: each fact's step is the one it would take alone (the same run opened or closed, the same records under
/// the same idempotency keys, in the batch's order), but the batch pays a few queries and one commit instead of a few
/// queries and one or two commits per fact. Nothing of the batch is committed unless all of
/// it is, and the outbox marks the batch's messages processed only after that commit (<see cref="IOutboxBatch"/>): a crash
/// before it delivers them again, a crash after it repeats them into keys already taken.
/// </summary>
internal sealed class InstanceFactBatch(BillingDbContext db, UsageWriter writer, TimeProvider clock) : IOutboxBatch
{
    private readonly List<InstanceStateChanged> facts = [];
    private bool gathering;

    public void Begin()
    {
        facts.Clear();
        gathering = true;
    }

    /// <returns>Whether the fact was gathered (false: no batch is open, the handler stores it now).</returns>
    public bool Gather(InstanceStateChanged fact)
    {
        if (gathering)
        {
            facts.Add(fact);
        }

        return gathering;
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        gathering = false;
        if (facts.Count == 0)
        {
            return;
        }

        try
        {
            await db.Database.CreateExecutionStrategy().ExecuteAsync(StoreAsync, cancellationToken);
        }
        finally
        {
            db.ChangeTracker.Clear();
            facts.Clear();
        }
    }

    /// <summary>
    /// <see cref="MeterInstanceRuns"/>' steps for the batch's facts in their order, on the runs of the batch's instances read
    /// at once (all of them: a fact's run is the latest one started before it, whenever that was), then the runs saved and
    /// the usage of the runs the batch closed written, each in one save, and one commit.
    /// </summary>
    private async Task StoreAsync(CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var ids = facts.Select(f => f.InstanceId).Distinct(StringComparer.Ordinal).ToList();
        var runs = (await db.InstanceRuns.Where(r => ids.Contains(r.InstanceId)).ToListAsync(cancellationToken))
            .GroupBy(r => r.InstanceId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var closed = new List<InstanceRun>();
        foreach (var fact in facts)
        {
            var at = DateTime.SpecifyKind(fact.ChangedAt, DateTimeKind.Utc);
            if (!runs.TryGetValue(fact.InstanceId, out var known))
            {
                runs[fact.InstanceId] = known = [];
            }

            if (fact.State == InstanceStateChanged.Running)
            {
                var second = RunSegments.Second(at);
                if (!known.Any(r => r.StartedAt == at || r.StartedAt == second))
                {
                    var run = MeterInstanceRuns.NewRun(fact, at);
                    db.InstanceRuns.Add(run);
                    known.Add(run);
                }
            }
            else if (fact.PreviousState == InstanceStateChanged.Running
                && known.Where(r => r.StartedAt <= at).MaxBy(r => r.StartedAt) is { } run)
            {
                run.EndedAt ??= at;
                closed.Add(run);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var records = new List<UsageRecord>();
        foreach (var run in closed.Distinct())
        {
            var end = run.EndedAt!.Value;
            records.AddRange(MeterInstanceRuns.Records(run, end, now, await MeterInstanceRuns.SpotChangesAsync(db, run, end, cancellationToken)));
        }

        _ = await writer.WriteAsync(records, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public void Abandon()
    {
        gathering = false;
        facts.Clear();
    }
}
