using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Billing.Metering;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;
using Platform.Modules.Billing.Reservations;
using Platform.Modules.Billing.Usage;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Persistence;
using Platform.Modules.Storage.Contracts;

namespace Platform.Modules.Billing.CostReports;

/// <summary>
/// Writes every report's files into its bucket (Storage's <see cref="PutPlatformObject"/>, as the account's own): each
/// closed month with an invoice, once (recorded in <c>cost_report_deliveries</c>), and the open month up to the hour
/// before <see cref="DeliverCostReports.AsOf"/>, each time. A file's key is its month's and its content follows from the
/// stored usage, prices and invoice alone, so a second run, or two replicas at once, write the same bytes to the same key.
/// A bucket deleted or given away since is the report's <c>ERROR_NO_BUCKET</c> status, and the other reports go on.
/// </summary>
internal sealed class DeliverCostReportsHandler(BillingDbContext db, ISender sender, IOptions<PlatformOptions> platform, TimeProvider clock)
    : IRequestHandler<DeliverCostReports, int>
{
    public const string ContentType = "text/csv";

    public async ValueTask<int> Handle(DeliverCostReports request, CancellationToken cancellationToken)
    {
        var asOf = request.AsOf;
        var cut = new DateTime(asOf.Year, asOf.Month, asOf.Day, asOf.Hour, 0, 0, DateTimeKind.Utc);
        var month = new DateOnly(cut.Year, cut.Month, 1);
        var region = platform.Value.Region;
        var book = await PriceBook.LoadAsync(db, cancellationToken);
        var reports = await db.CostReports.AsNoTracking().OrderBy(r => r.AccountId).ThenBy(r => r.Name).ToListAsync(cancellationToken);
        var written = 0;
        foreach (var report in reports)
        {
            var status = "SUCCESS";
            try
            {
                written += await DeliverClosedMonthsAsync(report, book, region, cancellationToken);
                var rows = await MonthToDateAsync(report, month, cut, book, region, cancellationToken);
                await PutAsync(report, CostReportKeys.File(report.Prefix, report.Name, month), rows, cancellationToken);
                written++;
            }
            catch (ApiException e) when (e.Code == "NoSuchBucket")
            {
                status = "ERROR_NO_BUCKET";
            }

            var now = clock.GetUtcNow().UtcDateTime;
            await db.CostReports.Where(r => r.AccountId == report.AccountId && r.Name == report.Name)
                .ExecuteUpdateAsync(set => set.SetProperty(r => r.LastDelivery, now).SetProperty(r => r.LastStatus, status), cancellationToken);
        }

        return written;
    }

    private async Task<int> DeliverClosedMonthsAsync(CostReport report, PriceBook book, string region, CancellationToken cancellationToken)
    {
        var delivered = (await db.CostReportDeliveries.AsNoTracking().Where(d => d.AccountId == report.AccountId && d.ReportName == report.Name)
            .Select(d => d.Period).ToListAsync(cancellationToken)).ToHashSet();
        var invoices = (await db.Invoices.AsNoTracking().Where(i => i.AccountId == report.AccountId).OrderBy(i => i.Period).ToListAsync(cancellationToken))
            .Where(i => !delivered.Contains(i.Period)).ToList();
        foreach (var listed in invoices)
        {
            var invoice = await db.Invoices.AsNoTracking().Include(i => i.Lines).SingleAsync(i => i.Id == listed.Id, cancellationToken);
            var start = new DateTime(invoice.Period.Year, invoice.Period.Month, 1, 0, 0, 0, DateTimeKind.Utc);
            var end = start.AddMonths(1);
            // The usage the invoice was made of: what was recorded by the time it was issued.
            var usage = await db.UsageRecords.AsNoTracking()
                .Where(r => r.AccountId == report.AccountId && r.UsageStart >= start && r.UsageStart < end && r.RecordedAt <= invoice.IssuedAt)
                .ToListAsync(cancellationToken);
            var reservations = await ReservationsAsync(report.AccountId, start, end, cancellationToken);
            var rows = CostReportRows.ForInvoice(invoice, ReservedUsage.Apply(usage, reservations, start, book), report.TimeUnit, region);
            var key = CostReportKeys.File(report.Prefix, report.Name, invoice.Period);
            var etag = await PutAsync(report, key, rows, cancellationToken);
            db.CostReportDeliveries.Add(new CostReportDelivery
            {
                AccountId = report.AccountId, ReportName = report.Name, Period = invoice.Period, Key = key, ETag = etag, DeliveredAt = clock.GetUtcNow().UtcDateTime,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException e) when (UniqueViolation.Is(e))
            {
                // Another replica wrote the same file (the same bytes) and recorded it first.
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }

        return invoices.Count;
    }

    private async Task<IReadOnlyList<CostReportRow>> MonthToDateAsync(CostReport report, DateOnly month, DateTime cut, PriceBook book, string region,
        CancellationToken cancellationToken)
    {
        var start = new DateTime(month.Year, month.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        // Stored usage that started before the cut, and instances still running, counted up to it: GetCostAndUsage's data.
        var usage = await UsageQueries.InRangeAsync(db, report.AccountId, start, cut, cut, cancellationToken);
        var reservations = await ReservationsAsync(report.AccountId, start, start.AddMonths(1), cancellationToken);
        return CostReportRows.MonthToDate(report.AccountId, start, ReservedUsage.Apply(usage, reservations, start, book), cut, report.TimeUnit, region);
    }

    private async Task<List<Reservation>> ReservationsAsync(string accountId, DateTime start, DateTime end, CancellationToken cancellationToken) =>
        await db.Reservations.AsNoTracking().Where(r => r.AccountId == accountId && r.Start < end && r.End > start).ToListAsync(cancellationToken);

    private async Task<string> PutAsync(CostReport report, string key, IReadOnlyList<CostReportRow> rows, CancellationToken cancellationToken)
    {
        var tags = await TagsAsync(report.AccountId, rows, cancellationToken);
        return (await sender.Send(new PutPlatformObject(report.Bucket, report.AccountId, key, CostReportRows.Csv(rows, tags), ContentType), cancellationToken)).ETag;
    }

    /// <summary>
    /// The resources' tags as their modules have them at delivery, for the resourceTags/user:* columns: instances' from
    /// Compute (DescribeInstanceTags), volumes' and snapshots' and buckets' from Storage (DescribeStorageTags of the account's
    /// volumes and snapshots, DescribeBucketTags of the named buckets). A resource gone since its usage has none.
    /// </summary>
    private async Task<Dictionary<string, IReadOnlyDictionary<string, string>>> TagsAsync(string accountId, IReadOnlyList<CostReportRow> rows,
        CancellationToken cancellationToken)
    {
        var tags = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        var ec2 = rows.Where(r => r.ProductCode == UsageTypes.Ec2).Select(r => r.ResourceId).ToHashSet(StringComparer.Ordinal);
        var instances = ec2.Where(id => id.StartsWith("i-", StringComparison.Ordinal)).ToList();
        if (instances.Count > 0)
        {
            foreach (var set in await sender.Send(new DescribeInstanceTags(accountId, instances), cancellationToken))
            {
                tags[set.InstanceId] = set.Tags;
            }
        }

        if (ec2.Any(id => id.StartsWith("vol-", StringComparison.Ordinal) || id.StartsWith("snap-", StringComparison.Ordinal)))
        {
            foreach (var resource in (await sender.Send(new DescribeStorageTags(accountId, []), cancellationToken))
                .Where(t => ec2.Contains(t.ResourceId)).GroupBy(t => t.ResourceId, StringComparer.Ordinal))
            {
                tags[resource.Key] = resource.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
            }
        }

        var buckets = rows.Where(r => r.ProductCode == UsageTypes.S3 && r.ResourceId.Length > 0).Select(r => r.ResourceId).Distinct(StringComparer.Ordinal).ToList();
        if (buckets.Count > 0)
        {
            foreach (var set in await sender.Send(new DescribeBucketTags(accountId, buckets), cancellationToken))
            {
                tags[set.Bucket] = set.Tags;
            }
        }

        return tags;
    }
}

/// <summary>The recurring delivery (<c>Billing:ReportsCron</c>, hourly): every report's files as of now.</summary>
internal sealed class CostReportJob(ISender sender, TimeProvider clock)
{
    public const string RecurringJobId = "billing-cost-reports";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task<int> RunAsync(CancellationToken cancellationToken) =>
        await sender.Send(new DeliverCostReports(clock.GetUtcNow().UtcDateTime), cancellationToken);
}
