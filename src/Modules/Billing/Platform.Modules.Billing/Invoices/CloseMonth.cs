using System.Security.Cryptography;
using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Billing.Metering;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;

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
            await writer.WriteAsync(MeterInstanceRuns.Records(run, end, now), cancellationToken);
        }

        var invoiced = (await db.Invoices.AsNoTracking().Where(i => i.Period == period).Select(i => i.AccountId).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        var usage = await db.UsageRecords.AsNoTracking().Where(r => r.UsageStart >= start && r.UsageStart < end).ToListAsync(cancellationToken);
        var book = await PriceBook.LoadAsync(db, cancellationToken);
        var issued = 0;
        foreach (var account in usage.GroupBy(r => r.AccountId, StringComparer.Ordinal).Where(a => !invoiced.Contains(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var invoice = Compose(account.Key, period, account, book, now);
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
    /// One line per service, usage type and price: the line's amount is its quantity at its price rounded to the cent
    /// (half away from zero), and the total is the sum of the lines, so they add up to the cent by construction.
    /// </summary>
    public static Invoice Compose(string accountId, DateOnly period, IEnumerable<UsageRecord> usage, PriceBook book, DateTime now)
    {
        var id = $"inv-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        var lines = usage
            .Select(r => (Record: r, Price: book.PriceAt(r.Service, r.UsageType, r.UsageStart)))
            .GroupBy(x => (x.Record.Service, x.Record.UsageType, x.Record.Unit, x.Price.PricePerUnit, x.Price.PriceUnit))
            .OrderBy(g => g.Key.Service, StringComparer.Ordinal).ThenBy(g => g.Key.UsageType, StringComparer.Ordinal).ThenBy(g => g.Key.PricePerUnit)
            .Select((g, n) =>
            {
                var quantity = g.Sum(x => x.Record.Quantity);
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
