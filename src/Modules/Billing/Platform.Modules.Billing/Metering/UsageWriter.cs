using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Billing.Metering;

/// <summary>
/// Stores usage records so that each idempotency key counts once: the batch goes in one save, and when another
/// delivery, retry or replica got some of them in first (the unique index refuses the batch), one by one, skipping those.
/// </summary>
internal sealed class UsageWriter(BillingDbContext db)
{
    /// <returns>How many records were new.</returns>
    public async Task<int> WriteAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return 0;
        }

        var keys = records.Select(r => r.IdempotencyKey).ToList();
        var known = (await db.UsageRecords.AsNoTracking().Where(r => keys.Contains(r.IdempotencyKey)).Select(r => r.IdempotencyKey)
            .ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var fresh = records.Where(r => !known.Contains(r.IdempotencyKey)).DistinctBy(r => r.IdempotencyKey).ToList();
        if (fresh.Count == 0)
        {
            return 0;
        }

        db.UsageRecords.AddRange(fresh);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return fresh.Count;
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            Detach(fresh);
        }

        var written = 0;
        foreach (var record in fresh)
        {
            db.UsageRecords.Add(record);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                written++;
            }
            catch (DbUpdateException e) when (UniqueViolation.Is(e))
            {
                // Another writer recorded this fact between our read and our save: it counts once.
            }
            finally
            {
                Detach([record]);
            }
        }

        return written;
    }

    private void Detach(IEnumerable<UsageRecord> records)
    {
        foreach (var record in records)
        {
            db.Entry(record).State = EntityState.Detached;
        }
    }
}
