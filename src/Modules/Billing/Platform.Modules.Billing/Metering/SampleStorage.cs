using Hangfire;
using Mediator;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Storage.Contracts;

namespace Platform.Modules.Billing.Metering;

/// <summary>
/// Storage as GiB-seconds, sampled hour by hour from the owning module's own state (so nothing drifts from what it
/// holds): what exists when the sample is taken is billed for the whole previous hour. A resource made and deleted
/// within one hour is not seen; an hour in which the job never ran is not billed (see docs/ARCHITECTURE.md).
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
        var records = held.Select(h =>
        {
            var (service, usageType) = UsageTypeOf(h);
            return new UsageRecord
            {
                IdempotencyKey = $"storage:{h.Kind}:{h.ResourceId}:{start:yyyyMMddHH}",
                AccountId = h.AccountId,
                Service = service,
                UsageType = usageType,
                ResourceId = h.ResourceId,
                UsageStart = start,
                UsageEnd = end,
                Quantity = decimal.Round(h.Bytes / GiB * 3600m, 6, MidpointRounding.AwayFromZero),
                Unit = UsageTypes.GibSeconds,
                RecordedAt = now,
            };
        }).ToList();
        return await writer.WriteAsync(records, cancellationToken);
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

/// <summary>The hourly sample of storage (a few minutes past each hour, <c>Billing:StorageCron</c>).</summary>
internal sealed class StorageMeteringJob(ISender sender, TimeProvider clock)
{
    public const string RecurringJobId = "billing-storage";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task<int> RunAsync(CancellationToken cancellationToken) =>
        await sender.Send(new SampleStorage(clock.GetUtcNow().UtcDateTime), cancellationToken);
}
