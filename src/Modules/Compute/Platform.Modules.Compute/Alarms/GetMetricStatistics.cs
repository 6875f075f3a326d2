using System.Globalization;
using Mediator;
using Platform.Modules.Compute.Metrics;
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
/// (AutoScalingGroupName: the samples of all its instances, the group-level metric alarms watch), one datapoint per
/// period aligned to the period, periods without samples left out.
/// </summary>
/// <param name="Dimensions"><c>Name=Value</c>, one of them.</param>
internal sealed record GetMetricStatistics(string? Namespace, string? MetricName, IReadOnlyList<string> Dimensions, IReadOnlyList<string> Statistics, int? Period,
    string? StartTime, string? EndTime) : IRequest<MetricStatisticsResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("cloudwatch:GetMetricStatistics", "*");

    public void Validate()
    {
        if (Namespace is null || MetricName is null || Period is null || StartTime is null || EndTime is null || Statistics.Count == 0)
        {
            throw ApiErrors.MissingParameter("The parameters Namespace, MetricName, Period, StartTime, EndTime and Statistics are required.");
        }

        if (Namespace != AlarmDimensions.Namespace || !InstanceMetricCatalog.ByName.ContainsKey(MetricName))
        {
            throw ApiErrors.InvalidParameterValue($"The metric '{Namespace} {MetricName}' is not one of {AlarmDimensions.Namespace}'s here.");
        }

        if (Dimensions is not [var only] || Dimension is not (AlarmDimensions.InstanceId or AlarmDimensions.AutoScalingGroupName, { Length: > 0 }))
        {
            throw AlarmLookup.InvalidCombination("One dimension is required: InstanceId=... or AutoScalingGroupName=....");
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

        _ = only;
    }

    public (string Name, string Value) Dimension => Dimensions.Count == 1 && Dimensions[0].Split('=', 2) is [var name, var value] ? (name, value) : ("", "");

    public DateTime Start => Time(StartTime, "StartTime");

    public DateTime End => Time(EndTime, "EndTime");

    private static DateTime Time(string? value, string name) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed.UtcDateTime
            : throw ApiErrors.InvalidParameterValue($"The {name} '{value}' is not an ISO 8601 time (2026-12-01T20:00:00Z).");
}

internal sealed class GetMetricStatisticsHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<GetMetricStatistics, MetricStatisticsResponse>
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

        var (name, value) = request.Dimension;
        var metrics = new AlarmMetrics(db);
        var columns = new Dictionary<string, IReadOnlyList<double?>>(StringComparer.Ordinal);
        foreach (var statistic in request.Statistics.Distinct(StringComparer.Ordinal))
        {
            columns[statistic] = await metrics.PeriodsAsync(caller.Identity.AccountId, name, value, request.MetricName!, statistic, from, period, count, cancellationToken);
        }

        var unit = InstanceMetricCatalog.ByName[request.MetricName!].Unit;
        double? Column(string statistic, int k) => columns.TryGetValue(statistic, out var values) ? values[k] : null;
        var datapoints = Enumerable.Range(0, count).Where(k => columns.Values.Any(c => c[k] is not null))
            .Select(k => new StatisticsDatapoint(from + TimeSpan.FromTicks(k * periodTicks), Column(MetricStatistics.Average, k), Column(MetricStatistics.Sum, k),
                Column(MetricStatistics.Minimum, k), Column(MetricStatistics.Maximum, k), Column(MetricStatistics.SampleCount, k), unit))
            .ToList();
        return new MetricStatisticsResponse(request.MetricName!, datapoints);
    }
}
