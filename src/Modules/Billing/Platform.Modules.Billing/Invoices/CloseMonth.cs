using System.Security.Cryptography;
using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Billing.Metering;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;
using Platform.Modules.Billing.Reservations;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Billing.Invoices;

internal sealed class CloseMonthHandler(BillingDbContext db, UsageWriter writer, TimeProvider clock) : IRequestHandler<CloseMonth, int>
{
    public async ValueTask<int> Handle(CloseMonth request, CancellationToken cancellationToken)
    {
        var start = new DateTime(request.Month.Year, request.Month.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var end = start.AddMonths(1);
        var period = DateOnly.FromDateTime(start);
        var now = clock.GetUtcNow().UtcDateTime;
        if (end > now)
        {
            throw Shared.Errors.ApiErrors.InvalidParameterValue($"The month of {period:yyyy-MM} has not ended.");
        }

        // Instances running across the month's end: their part of this month (and any before) is recorded now, under
        // the key their run's end will use, so it counts once.
        foreach (var run in await db.InstanceRuns.AsNoTracking().Where(r => r.EndedAt == null && r.StartedAt < end).ToListAsync(cancellationToken))
        {
            await writer.WriteAsync(MeterInstanceRuns.Records(run, end, now, await MeterInstanceRuns.SpotChangesAsync(db, run, end, cancellationToken)), cancellationToken);
        }

        // Account by account: each account's month is read, composed and issued in its own transaction, so the close holds
        // one account's records at a time, and an interrupted close leaves the accounts it issued issued and the rest to the
        // next run (another replica's close issuing the same account meets the invoice's unique index: one stands).
        var invoiced = (await db.Invoices.AsNoTracking().Where(i => i.Period == period).Select(i => i.AccountId).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        var book = await PriceBook.LoadAsync(db, cancellationToken);
        var reservations = (await db.Reservations.AsNoTracking().Where(r => r.Start < end && r.End > start).ToListAsync(cancellationToken))
            .ToLookup(r => r.AccountId, StringComparer.Ordinal);
        var used = await db.UsageRecords.AsNoTracking().Where(r => r.UsageStart >= start && r.UsageStart < end).Select(r => r.AccountId).Distinct()
            .ToListAsync(cancellationToken);
        var adjusted = (await db.InvoiceAdjustments.AsNoTracking().Where(a => a.Period == period && a.InvoiceId == null).Select(a => a.AccountId).Distinct()
            .ToListAsync(cancellationToken));
        var accounts = used.Concat(reservations.Select(r => r.Key)).Concat(adjusted).Distinct(StringComparer.Ordinal)
            .Where(a => !invoiced.Contains(a)).Order(StringComparer.Ordinal);
        var issued = 0;
        foreach (var account in accounts)
        {
            var usage = await db.UsageRecords.AsNoTracking().Where(r => r.AccountId == account && r.UsageStart >= start && r.UsageStart < end)
                .ToListAsync(cancellationToken);
            if (await IssueAsync(account, period, usage, book, now, [.. reservations[account]], cancellationToken))
            {
                issued++;
            }
        }

        return issued;
    }

    /// <summary>
    /// Issues one account's invoice with the month's credits and adjustments, marking them taken in the same transaction; when
    /// one was recorded between reading them and the marking, the invoice is made again with it (and one recorded after the
    /// commit is withdrawn by its own request, <see cref="CreateAdjustmentHandler"/>), so none is left off an issued invoice.
    /// </summary>
    /// <returns>False when another run or replica issued the account's invoice first: it stands, this one is dropped.</returns>
    private async Task<bool> IssueAsync(string account, DateOnly period, IEnumerable<UsageRecord> usage, PriceBook book, DateTime now,
        IReadOnlyList<Reservation> reservations, CancellationToken cancellationToken)
    {
        while (true)
        {
            var adjustments = await db.InvoiceAdjustments.AsNoTracking().Where(a => a.AccountId == account && a.Period == period && a.InvoiceId == null)
                .ToListAsync(cancellationToken);
            var invoice = Compose(account, period, usage, book, now, reservations, adjustments);
            var ids = adjustments.Select(a => a.Id).ToList();
            try
            {
                var taken = await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
                {
                    db.ChangeTracker.Clear();
                    await using var transaction = await db.Database.BeginTransactionAsync(ct);
                    db.Invoices.Add(invoice);
                    await db.SaveChangesAsync(ct);
                    var marked = await db.InvoiceAdjustments.Where(a => a.AccountId == account && a.Period == period && a.InvoiceId == null)
                        .ExecuteUpdateAsync(u => u.SetProperty(a => a.InvoiceId, invoice.Id), ct);
                    if (marked != ids.Count)
                    {
                        await transaction.RollbackAsync(ct);
                        return false;
                    }

                    await transaction.CommitAsync(ct);
                    return true;
                }, cancellationToken);
                if (taken)
                {
                    return true;
                }
            }
            catch (DbUpdateException e) when (UniqueViolation.Is(e))
            {
                return false;
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>
    /// One line per service, usage type, price and reservation: the line's amount is its quantity at its price rounded to
    /// the cent (half away from zero), and the total is the sum of the lines, so they add up to the cent by construction.
    /// Reservations (<see cref="ReservedUsage"/>) cover running time of their type and add their fees; each credit or
    /// adjustment recorded for the month is a line of its own, after the usage and fees.
    /// </summary>
    public static Invoice Compose(string accountId, DateOnly period, IEnumerable<UsageRecord> usage, PriceBook book, DateTime now, IReadOnlyList<Reservation>? reservations = null,
        IReadOnlyList<InvoiceAdjustment>? adjustments = null)
    {
        var id = $"inv-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        var monthStart = new DateTime(period.Year, period.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var charges = ReservedUsage.Apply([.. usage], reservations ?? [], monthStart, book);
        var lines = charges
            .GroupBy(c => (c.Service, c.UsageType, c.Unit, c.Price.PricePerUnit, c.Price.PriceUnit, c.ReservationId))
            .OrderBy(g => g.Key.Service, StringComparer.Ordinal).ThenBy(g => g.Key.UsageType, StringComparer.Ordinal).ThenBy(g => g.Key.PricePerUnit)
            .ThenBy(g => g.Key.ReservationId, StringComparer.Ordinal)
            .Select((g, n) =>
            {
                var quantity = g.Sum(c => c.Quantity);
                var price = g.First().Price;
                return new InvoiceLine
                {
                    InvoiceId = id,
                    LineNumber = n + 1,
                    Service = g.Key.Service,
                    UsageType = g.Key.UsageType,
                    Quantity = quantity,
                    Unit = g.Key.Unit,
                    PricePerUnit = price.PricePerUnit,
                    PriceUnit = price.PriceUnit,
                    Amount = decimal.Round(PriceBook.Cost(price, quantity), 2, MidpointRounding.AwayFromZero),
                    ReservationId = g.Key.ReservationId,
                };
            })
            .ToList();
        lines.AddRange((adjustments ?? []).OrderBy(a => a.CreatedAt).ThenBy(a => a.Id, StringComparer.Ordinal)
            .Select((a, n) => Adjustments.Line(a, id, lines.Count + n + 1)));
        return new Invoice
        {
            Id = id,
            AccountId = accountId,
            Period = period,
            Currency = BillingCurrency.Code,
            Total = lines.Sum(l => l.Amount),
            IssuedAt = now,
            Lines = lines,
        };
    }
}

/// <summary>The recurring close: once the operator's day of the month has come, last month's invoices are issued (each once).</summary>
internal sealed class InvoiceJob(ISender sender, TimeProvider clock, IOptions<BillingOptions> options)
{
    public const string RecurringJobId = "billing-invoices";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if (today.Day < options.Value.InvoiceDay)
        {
            return 0;
        }

        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        return await sender.Send(new CloseMonth(thisMonth.AddMonths(-1)), cancellationToken);
    }
}
