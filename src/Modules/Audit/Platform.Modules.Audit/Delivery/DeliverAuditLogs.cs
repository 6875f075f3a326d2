using System.Globalization;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Audit.Contracts;
using Platform.Modules.Audit.Persistence;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Storage.Contracts;

namespace Platform.Modules.Audit.Delivery;

/// <summary>
/// Each trail's events of one UTC day, as one gzipped CloudTrail log file (<c>{"Records":[...]}</c>, oldest first) under
/// <c>AWSLogs/&lt;account&gt;/CloudTrail/&lt;region&gt;/YYYY/MM/DD/</c>. Safe to run again and on two replicas at once: the
/// object's key and bytes depend only on the day's events, so a second writer replaces it with the same object, and the
/// delivery mark (one row per account and day) makes every later run skip the day.
/// </summary>
internal sealed partial class DeliverAuditLogsHandler(AuditDbContext db, ISender sender, IOptions<PlatformOptions> platform, TimeProvider clock,
    ILogger<DeliverAuditLogsHandler> logger) : IRequestHandler<DeliverAuditLogs, int>
{
    public async ValueTask<int> Handle(DeliverAuditLogs request, CancellationToken cancellationToken)
    {
        var region = platform.Value.Region;
        var from = request.Day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var to = from.AddDays(1);
        var trails = await db.Trails.AsNoTracking().OrderBy(t => t.AccountId).ToListAsync(cancellationToken);
        var written = 0;
        foreach (var trail in trails)
        {
            if (await db.Deliveries.AnyAsync(d => d.AccountId == trail.AccountId && d.Day == request.Day, cancellationToken))
            {
                continue;
            }

            var account = trail.AccountId;
            var management = await sender.Send(new IsManagementAccount(account), cancellationToken);
            var events = await db.Events.AsNoTracking()
                .Where(e => (e.AccountId == account || (management && e.AccountId == null)) && e.EventTime >= from && e.EventTime < to)
                .OrderBy(e => e.EventTime).ThenBy(e => e.Id)
                .ToListAsync(cancellationToken);
            string? key = null;
            if (events.Count > 0)
            {
                key = ObjectKey(account, region, request.Day);
                try
                {
                    await sender.Send(new PutPlatformObject(trail.BucketName, account, key, LogFile(events, region), "application/x-gzip"), cancellationToken);
                    written++;
                }
                catch (ApiException e) when (e.Code == "NoSuchBucket")
                {
                    // The bucket went away (or changed hands) after the trail named it: nothing to write to, and no mark,
                    // so a run after the trail names a bucket again delivers the day.
                    LogNoBucket(logger, account, trail.BucketName);
                    continue;
                }
            }

            db.Deliveries.Add(new LogDelivery
            {
                AccountId = account,
                Day = request.Day,
                BucketName = trail.BucketName,
                ObjectKey = key,
                EventCount = events.Count,
                DeliveredAt = clock.GetUtcNow().UtcDateTime,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another replica marked the same day first, after writing the same object.
                db.ChangeTracker.Clear();
            }
        }

        return written;
    }

    public static string ObjectKey(string account, string region, DateOnly day) =>
        string.Create(CultureInfo.InvariantCulture,
            $"AWSLogs/{account}/CloudTrail/{region}/{day:yyyy}/{day:MM}/{day:dd}/{account}_CloudTrail_{region}_{day:yyyyMMdd}T0000Z_daily.json.gz");

    private static byte[] LogFile(IEnumerable<AuditEvent> events, string region)
    {
        var records = new JsonArray();
        foreach (var e in events)
        {
            records.Add(CloudTrailRecord.From(e, region));
        }

        var json = System.Text.Encoding.UTF8.GetBytes(new JsonObject { ["Records"] = records }.ToJsonString());
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(json);
        }

        return output.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit delivery: the trail of {AccountId} names bucket {Bucket}, which it does not own or which does not exist")]
    private static partial void LogNoBucket(ILogger logger, string accountId, string bucket);
}

/// <summary>
/// The daily job: yesterday's (UTC) log files, and those of the days before within <see cref="CatchUpDays"/> not yet
/// delivered (the API was down at the time, the trail's bucket was missing). One run at a time per storage; a second
/// replica's run finds the marks.
/// </summary>
internal sealed class AuditDeliveryJob(ISender sender, TimeProvider clock)
{
    public const string RecurringJobId = "audit-delivery";

    public const int CatchUpDays = 7;

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var written = 0;
        for (var day = today.AddDays(-CatchUpDays); day < today; day = day.AddDays(1))
        {
            written += await sender.Send(new DeliverAuditLogs(day), cancellationToken);
        }

        return written;
    }
}
