using System.Globalization;
using Mediator;
using Platform.Modules.Compute.Metrics;
using Platform.Modules.Compute.Metrics.Custom;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Alarms;

internal sealed record StatisticsDatapoint(DateTime Timestamp, double? Average, double? Sum, double? Minimum, double? Maximum, double? SampleCount, string Unit);

internal sealed record MetricStatisticsResponse(string Label, IReadOnlyList<StatisticsDatapoint> Datapoints);

/// <summary>
/// CloudWatch's GetMetricStatistics on EC2's metrics per instance (InstanceId) or per Auto Scaling group
/// (AutoScalingGroupName: the samples of all its instances, the group-level metric alarms watch), or on one of the
/// account's custom metrics (its namespace, name and exact dimensions), one datapoint per period aligned to the period,
/// periods without samples left out.
/// </summary>
/// <param name="Dimensions"><c>Name=Value</c>; EC2's metrics take exactly one.</param>
/// <param name="Unit">Only datapoints published with this unit.</param>
internal sealed record GetMetricStatistics(string? Namespace, string? MetricName, IReadOnlyList<string> Dimensions, IReadOnlyList<string> Statistics, int? Period,
    string? StartTime, string? EndTime, string? Unit = null) : IRequest<MetricStatisticsResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("cloudwatch:GetMetricStatistics", "*");

    public void Validate()
    {
        if (Namespace is null || MetricName is null || Period is null || StartTime is null || EndTime is null || Statistics.Count == 0)
        {
            throw ApiErrors.MissingParameter("The parameters Namespace, MetricName, Period, StartTime, EndTime and Statistics are required.");
        }

        if (Namespace == AlarmDimensions.Namespace)
        {
            if (!InstanceMetricCatalog.ByName.ContainsKey(MetricName))
            {
                throw ApiErrors.InvalidParameterValue($"The metric '{Namespace} {MetricName}' is not one of {AlarmDimensions.Namespace}'s here.");
            }

            if (Metric.Dimensions is not [var only] || only.Name is not (AlarmDimensions.InstanceId or AlarmDimensions.AutoScalingGroupName) || only.Value is not { Length: > 0 })
            {
                throw AlarmLookup.InvalidCombination("One dimension is required: InstanceId=... or AutoScalingGroupName=....");
            }
        }
        else if (Namespace == RdsMetricCatalog.Namespace)
        {
            MetricIdentity.EnsureRds(MetricName, Metric.Dimensions);
        }
        else if (Namespace == AutoScalingMetricCatalog.Namespace)
        {
            MetricIdentity.EnsureAutoScaling(MetricName, Metric.Dimensions);
        }
        else if (Namespace.StartsWith(CustomMetricIdentity.ReservedPrefix, StringComparison.Ordinal))
        {
            throw ApiErrors.InvalidParameterValue($"The namespace '{Namespace}' has no metrics on this platform: {AlarmDimensions.Namespace}'s, {RdsMetricCatalog.Namespace}'s, {AutoScalingMetricCatalog.Namespace}'s and custom namespaces have.");
        }
        else
        {
            CustomMetricIdentity.EnsureCustomNamespace(Namespace);
            CustomMetricIdentity.EnsureName(MetricName, "MetricName", 255);
            CustomMetricIdentity.EnsureDimensions(Metric.Dimensions);
        }

        MetricUnits.Ensure(Unit);
        if (Statistics.Count > MetricStatistics.All.Count)
        {
            throw ApiErrors.InvalidParameterValue($"The collection Statistics must not have a size greater than {MetricStatistics.All.Count}.");
        }

        if (Statistics.FirstOrDefault(s => !MetricStatistics.All.Contains(s)) is { } bad)
        {
            throw ApiErrors.InvalidParameterValue($"The statistic '{bad}' is not one of {string.Join(", ", MetricStatistics.All)}.");
        }

        if (Period < AlarmDimensions.Sampling || Period % AlarmDimensions.Sampling != 0)
        {
            throw ApiErrors.InvalidParameterValue($"The parameter Period must be a multiple of {AlarmDimensions.Sampling} seconds.");
        }

        if (Start >= End)
        {
            throw AlarmLookup.InvalidCombination("The StartTime must be before the EndTime.");
        }
    }

    public MetricIdentity Metric => new(Namespace ?? "", MetricName ?? "",
        [.. Dimensions.Select(d => d.Split('=', 2) is [var name, var value] ? new MetricDimension(name, value) : new MetricDimension(d, null))]);

    public DateTime Start => Time(StartTime, "StartTime");

    public DateTime End => Time(EndTime, "EndTime");

    public static DateTime Time(string? value, string name) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed.UtcDateTime
            : throw ApiErrors.InvalidParameterValue($"The {name} '{value}' is not an ISO 8601 time (2026-12-01T20:00:00Z).");
}

internal sealed class GetMetricStatisticsHandler(ComputeDbContext db, ICallerContext caller, ISender sender) : IRequestHandler<GetMetricStatistics, MetricStatisticsResponse>
{
    public async ValueTask<MetricStatisticsResponse> Handle(GetMetricStatistics request, CancellationToken cancellationToken)
    {
        var period = request.Period!.Value;
        var periodTicks = TimeSpan.FromSeconds(period).Ticks;
        var from = new DateTime(request.Start.Ticks - (request.Start.Ticks % periodTicks), DateTimeKind.Utc);
        var count = (int)Math.Min(int.MaxValue, (request.End - from).Ticks / periodTicks + ((request.End - from).Ticks % periodTicks == 0 ? 0 : 1));
        if (count > GetInstanceMetrics.MaxDatapoints)
        {
            throw ApiErrors.InvalidParameterValue($"The request asks {count} datapoints; at most {GetInstanceMetrics.MaxDatapoints} are returned: widen the period or narrow the window.");
        }

        var periods = await new AlarmMetrics(db, sender).AggregatesAsync(caller.Identity.AccountId, request.Metric, request.Unit, from, period, count, cancellationToken);
        var wanted = request.Statistics.ToHashSet(StringComparer.Ordinal);
        double? Column(string statistic, PeriodAggregate aggregate) => wanted.Contains(statistic) ? MetricStatistics.Of(statistic, aggregate) : null;
        var datapoints = periods.Select((aggregate, k) => (aggregate, k)).Where(p => p.aggregate is not null)
            .Select(p => new StatisticsDatapoint(from + TimeSpan.FromTicks(p.k * periodTicks), Column(MetricStatistics.Average, p.aggregate!),
                Column(MetricStatistics.Sum, p.aggregate!), Column(MetricStatistics.Minimum, p.aggregate!), Column(MetricStatistics.Maximum, p.aggregate!),
                Column(MetricStatistics.SampleCount, p.aggregate!), p.aggregate!.Unit))
            .ToList();
        return new MetricStatisticsResponse(request.MetricName!, datapoints);
    }
}
