using Hangfire;
using Mediator;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Storage.Contracts;

namespace Platform.Modules.Billing.Metering;

/// <summary>
/// Storage as GiB-seconds, sampled hour by hour from the owning module's own state (so nothing drifts from what it
/// holds): what exists when the sample is taken is billed for the whole previous hour. A resource made and deleted
/// within one hour is not seen; an hour in which the job never ran is recorded by the reconciliation (<see cref="ReconcileStorageHandler"/>,
/// up to a day back) at the size held now (see docs/ARCHITECTURE.md).
/// </summary>
internal sealed class SampleStorageHandler(ISender sender, UsageWriter writer, TimeProvider clock) : IRequestHandler<SampleStorage, int>
{
    private const decimal GiB = 1024m * 1024m * 1024m;

    public async ValueTask<int> Handle(SampleStorage request, CancellationToken cancellationToken)
    {
        var asOf = request.AsOf;
        var end = new DateTime(asOf.Year, asOf.Month, asOf.Day, asOf.Hour, 0, 0, DateTimeKind.Utc);
        var start = end.AddHours(-1);
        var now = clock.GetUtcNow().UtcDateTime;
        var held = await sender.Send(new DescribeStoredUsage(), cancellationToken);
        return await writer.WriteAsync([.. held.Select(h => Record(h, start, now))], cancellationToken);
    }

    /// <summary>One resource's whole hour from <paramref name="start"/> at its size: the sample's record, and the reconciliation's.</summary>
    public static UsageRecord Record(StoredUsage held, DateTime start, DateTime now)
    {
        var (service, usageType) = UsageTypeOf(held);
        return new UsageRecord
        {
            IdempotencyKey = $"storage:{held.Kind}:{held.ResourceId}:{start:yyyyMMddHH}",
            AccountId = held.AccountId,
            Service = service,
            UsageType = usageType,
            ResourceId = held.ResourceId,
            UsageStart = start,
            UsageEnd = start.AddHours(1),
            Quantity = decimal.Round(held.Bytes / GiB * 3600m, 6, MidpointRounding.AwayFromZero),
            Unit = UsageTypes.GibSeconds,
            RecordedAt = now,
        };
    }

    public static (string Service, string UsageType) UsageTypeOf(StoredUsage held) => held.Kind switch
    {
        StoredKinds.Volume when held.ManagedBy is not null => (UsageTypes.Rds, "RDS:GP2-Storage"),
        StoredKinds.Volume => (UsageTypes.Ec2, held.VolumeType switch
        {
            "gp3" or "gp2" or "st1" or "sc1" => $"EBS:VolumeUsage.{held.VolumeType}",
            "io1" or "io2" => "EBS:VolumeUsage.piops",
            _ => "EBS:VolumeUsage",
        }),
        StoredKinds.Snapshot => (UsageTypes.Ec2, "EBS:SnapshotUsage"),
        _ => (UsageTypes.S3, "TimedStorage-ByteHrs"),
    };
}

/// <summary>
/// The storage hours the sample missed (<see cref="ReconcileStorage"/>): each resource Storage holds now, for each hour of the
/// window from the hour it came to be held, at its size now (a size changed in the hours missed is not known), under the
/// sample's key. Written in chunks, so a long window of many resources does not ask the store for every key at once.
/// </summary>
internal sealed class ReconcileStorageHandler(ISender sender, UsageWriter writer, TimeProvider clock, IOptions<BillingOptions> options)
    : IRequestHandler<ReconcileStorage, int>
{
    private const int Chunk = 500;

    public async ValueTask<int> Handle(ReconcileStorage request, CancellationToken cancellationToken)
    {
        var asOf = request.AsOf;
        var end = new DateTime(asOf.Year, asOf.Month, asOf.Day, asOf.Hour, 0, 0, DateTimeKind.Utc);
        var windowStart = end - TimeSpan.FromHours(Math.Max(1, Math.Floor(options.Value.ReconcileStorageWindow.TotalHours)));
        var now = clock.GetUtcNow().UtcDateTime;
        var held = await sender.Send(new DescribeStoredUsage(), cancellationToken);
        var written = 0;
        foreach (var chunk in Hours(held, windowStart, end).Chunk(Chunk))
        {
            written += await writer.WriteAsync([.. chunk.Select(h => SampleStorageHandler.Record(h.Held, h.Start, now))], cancellationToken);
        }

        return written;
    }

    /// <summary>Each resource's hours in [<paramref name="from"/>, <paramref name="end"/>) from the hour it came to be held.</summary>
    public static IEnumerable<(StoredUsage Held, DateTime Start)> Hours(IEnumerable<StoredUsage> held, DateTime from, DateTime end)
    {
        foreach (var h in held)
        {
            var created = DateTime.SpecifyKind(h.CreatedAt, DateTimeKind.Utc);
            var first = new DateTime(created.Year, created.Month, created.Day, created.Hour, 0, 0, DateTimeKind.Utc);
            for (var start = first > from ? first : from; start < end; start = start.AddHours(1))
            {
                yield return (h, start);
            }
        }
    }
}

/// <summary>The hourly sample of storage (a few minutes past each hour, <c>Billing:StorageCron</c>).</summary>
internal sealed class StorageMeteringJob(ISender sender, TimeProvider clock)
{
    public const string RecurringJobId = "billing-storage";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task<int> RunAsync(CancellationToken cancellationToken) =>
        await sender.Send(new SampleStorage(clock.GetUtcNow().UtcDateTime), cancellationToken);
}
