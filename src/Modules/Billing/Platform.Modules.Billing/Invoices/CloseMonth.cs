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

        var invoiced = (await db.Invoices.AsNoTracking().Where(i => i.Period == period).Select(i => i.AccountId).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        var usage = await db.UsageRecords.AsNoTracking().Where(r => r.UsageStart >= start && r.UsageStart < end).ToListAsync(cancellationToken);
        var book = await PriceBook.LoadAsync(db, cancellationToken);
        var reservations = (await db.Reservations.AsNoTracking().Where(r => r.Start < end && r.End > start).ToListAsync(cancellationToken))
            .ToLookup(r => r.AccountId, StringComparer.Ordinal);
        var byAccount = usage.ToLookup(r => r.AccountId, StringComparer.Ordinal);
        var accounts = byAccount.Select(a => a.Key).Concat(reservations.Select(r => r.Key)).Distinct(StringComparer.Ordinal)
            .Where(a => !invoiced.Contains(a)).Order(StringComparer.Ordinal);
        var issued = 0;
        foreach (var account in accounts)
        {
            var invoice = Compose(account, period, byAccount[account], book, now, [.. reservations[account]]);
            db.Invoices.Add(invoice);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                issued++;
            }
            catch (DbUpdateException e) when (UniqueViolation.Is(e))
            {
                // Another run or replica issued this account's invoice first: it stands, this one is dropped.
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }

        return issued;
    }

    /// <summary>
    /// One line per service, usage type, price and reservation: the line's amount is its quantity at its price rounded to
    /// the cent (half away from zero), and the total is the sum of the lines, so they add up to the cent by construction.
    /// Reservations (<see cref="ReservedUsage"/>) cover running time of their type and add their fees.
    /// </summary>
    public static Invoice Compose(string accountId, DateOnly period, IEnumerable<UsageRecord> usage, PriceBook book, DateTime now, IReadOnlyList<Reservation>? reservations = null)
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
