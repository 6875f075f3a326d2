using Hangfire;
using Mediator;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Database.Contracts;
using Platform.Modules.Network.Contracts;

namespace Platform.Modules.Billing.Metering;

/// <summary>One resource billed by the hour, as the owning module describes it.</summary>
internal sealed record HourlyResource(string AccountId, string Service, string UsageType, string Kind, string ResourceId, DateTime CreatedAt, DateTime? DeletedAt);

/// <summary>
/// Elastic IPs, NAT gateways, load balancers and DB instances, sampled hour by hour from the owning modules' own state
/// (Network's <see cref="DescribeMeteredNetworkResources"/>, Database's <see cref="DescribeMeteredDatabases"/>): each is
/// billed the whole seconds of the previous hour it existed in, from its creation to its deletion where the module
/// still knows it (a NAT gateway); one deleted before the sample is not seen for its last hour (see docs/ARCHITECTURE.md).
/// </summary>
internal sealed class SampleResourceHoursHandler(ISender sender, UsageWriter writer, TimeProvider clock) : IRequestHandler<SampleResourceHours, int>
{
    public async ValueTask<int> Handle(SampleResourceHours request, CancellationToken cancellationToken)
    {
        var asOf = request.AsOf;
        var end = new DateTime(asOf.Year, asOf.Month, asOf.Day, asOf.Hour, 0, 0, DateTimeKind.Utc);
        var start = end.AddHours(-1);
        var network = await sender.Send(new DescribeMeteredNetworkResources(start), cancellationToken);
        var databases = await sender.Send(new DescribeMeteredDatabases(), cancellationToken);
        IEnumerable<HourlyResource> held =
        [
            .. network.Select(Of),
            .. databases.Select(d => new HourlyResource(d.AccountId, UsageTypes.Rds, $"InstanceUsage:{d.InstanceClass}", "db-instance", d.ResourceId, d.CreatedAt, null)),
        ];
        return await writer.WriteAsync(Records(held, start, clock.GetUtcNow().UtcDateTime), cancellationToken);
    }

    public static HourlyResource Of(MeteredNetworkResource resource) => resource.Kind switch
    {
        MeteredNetworkKinds.ElasticIp => new(resource.AccountId, UsageTypes.Ec2,
            resource.Detail == MeteredNetworkKinds.InUse ? "ElasticIP:InUseAddress" : "ElasticIP:IdleAddress",
            resource.Kind, resource.ResourceId, resource.CreatedAt, resource.DeletedAt),
        MeteredNetworkKinds.NatGateway => new(resource.AccountId, UsageTypes.Ec2, "NatGateway-Hours", resource.Kind, resource.ResourceId, resource.CreatedAt, resource.DeletedAt),
        _ => new(resource.AccountId, UsageTypes.Elb, "LoadBalancerUsage", resource.Kind, resource.ResourceId, resource.CreatedAt, resource.DeletedAt),
    };

    /// <summary>
    /// Each resource's whole seconds within the hour from <paramref name="start"/>: from its creation or the hour's start,
    /// to its deletion or the hour's end; none when it did not exist in the hour. Keyed by kind, resource and hour.
    /// </summary>
    public static IReadOnlyList<UsageRecord> Records(IEnumerable<HourlyResource> held, DateTime start, DateTime now)
    {
        var end = start.AddHours(1);
        var records = new List<UsageRecord>();
        foreach (var resource in held)
        {
            var created = RunSegments.Second(resource.CreatedAt);
            var from = created > start ? created : start;
            var to = resource.DeletedAt is { } deleted && RunSegments.Second(deleted) < end ? RunSegments.Second(deleted) : end;
            if (to <= from)
            {
                continue;
            }

            records.Add(new UsageRecord
            {
                IdempotencyKey = $"hours:{resource.Kind}:{resource.ResourceId}:{start:yyyyMMddHH}",
                AccountId = resource.AccountId,
                Service = resource.Service,
                UsageType = resource.UsageType,
                ResourceId = resource.ResourceId,
                UsageStart = start,
                UsageEnd = end,
                Quantity = (long)(to - from).TotalSeconds,
                Unit = UsageTypes.Seconds,
                RecordedAt = now,
            });
        }

        return records;
    }
}

/// <summary>The hourly sample of resources billed by the hour (<c>Billing:HoursCron</c>).</summary>
internal sealed class ResourceHoursJob(ISender sender, TimeProvider clock)
{
    public const string RecurringJobId = "billing-hours";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task<int> RunAsync(CancellationToken cancellationToken) =>
        await sender.Send(new SampleResourceHours(clock.GetUtcNow().UtcDateTime), cancellationToken);
}
