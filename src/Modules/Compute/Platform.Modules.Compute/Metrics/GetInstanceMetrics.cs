using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Metrics;

internal sealed record MetricDatapoint(DateTime Timestamp, double Value);

/// <param name="Statistic">How a period's value is made from its minutes: <c>Average</c>, <c>Sum</c>, <c>Maximum</c> or <c>Minimum</c>.</param>
internal sealed record InstanceMetric(string MetricName, string Unit, string Statistic, IReadOnlyList<MetricDatapoint> Datapoints);

internal sealed record InstanceMetricsResponse(string InstanceId, DateTime StartTime, DateTime EndTime, int Period, IReadOnlyList<InstanceMetric> Metrics);

/// <summary>
/// An instance's usage as CloudWatch's EC2 metrics (CPUUtilization, NetworkIn, ..., DiskWriteOps), one datapoint per
/// period that has data, from the 1-minute datapoints its server's heartbeats made. The window is
/// [<paramref name="StartTime"/>, <paramref name="EndTime"/>) (the last hour by default), aligned to the period.
/// </summary>
/// <param name="Period">Seconds: a multiple of 60, up to a day; 300 (CloudWatch's basic monitoring) by default.</param>
/// <param name="MetricNames">The metrics wanted; none: all of them.</param>
internal sealed record GetInstanceMetrics(string InstanceId, string? StartTime, string? EndTime, string? Period, IReadOnlyList<string> MetricNames)
    : IRequest<InstanceMetricsResponse>, IRequiresRegionalPermission, IValidatable
{
    public const int MaxDatapoints = 1440;
    public const int DefaultPeriod = 300;

    /// <summary>CloudWatch's read action; the resource is the instance, so a policy may name instances (<c>*</c> covers all, as for CloudWatch itself).</summary>
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("cloudwatch:GetMetricData", Arns.Build("ec2", region, caller.AccountId, $"instance/{InstanceId}"));

    public void Validate()
    {
        InstanceLookup.EnsureWellFormed(InstanceId);
        _ = ParsedStart;
        _ = ParsedEnd;
        _ = ParsedPeriod;
        if (MetricNames.FirstOrDefault(n => !InstanceMetricCatalog.ByName.ContainsKey(n)) is { } unknown)
        {
            throw ApiErrors.InvalidParameterValue(
                $"The metric_name '{unknown}' is not one of {string.Join(", ", InstanceMetricCatalog.All.Select(m => m.Name))}.");
        }
    }

    public DateTime? ParsedStart => Time(StartTime, "start_time");

    public DateTime? ParsedEnd => Time(EndTime, "end_time");

    public int ParsedPeriod
    {
        get
        {
            if (Period is null)
            {
                return DefaultPeriod;
            }

            if (!int.TryParse(Period, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 60 || seconds > 86400 || seconds % 60 != 0)
            {
                throw ApiErrors.InvalidParameterValue($"The period '{Period}' must be a number of seconds, a multiple of 60 from 60 to 86400.");
            }

            return seconds;
        }
    }

    private static DateTime? Time(string? value, string name) => value is null ? null
        : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed.UtcDateTime
            : throw ApiErrors.InvalidParameterValue($"The {name} '{value}' is not an ISO 8601 time (2026-12-01T20:00:00Z).");
}

internal sealed class GetInstanceMetricsHandler(ComputeDbContext db, ICallerContext caller, TimeProvider clock)
    : IRequestHandler<GetInstanceMetrics, InstanceMetricsResponse>
{
    public async ValueTask<InstanceMetricsResponse> Handle(GetInstanceMetrics request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        if (!await db.Instances.AnyAsync(i => i.Id == request.InstanceId && i.AccountId == accountId && i.ManagedBy == null, cancellationToken))
        {
            throw InstanceLookup.NotFound(request.InstanceId);
        }

        var period = request.ParsedPeriod;
        var end = request.ParsedEnd ?? clock.GetUtcNow().UtcDateTime;
        var start = request.ParsedStart ?? end - TimeSpan.FromHours(1);
        if (start >= end)
        {
            throw ApiErrors.InvalidParameterValue("The start_time must be before the end_time.");
        }

        var periodTicks = period * TimeSpan.TicksPerSecond;
        var from = new DateTime(start.Ticks - (start.Ticks % periodTicks), DateTimeKind.Utc);
        var to = new DateTime(end.Ticks % periodTicks == 0 ? end.Ticks : end.Ticks - (end.Ticks % periodTicks) + periodTicks, DateTimeKind.Utc);
        if ((to - from).Ticks / periodTicks > GetInstanceMetrics.MaxDatapoints)
        {
            throw ApiErrors.InvalidParameterValue(
                $"The window holds {(to - from).Ticks / periodTicks} periods of {period} s; at most {GetInstanceMetrics.MaxDatapoints} datapoints are returned: widen the period or narrow the window.");
        }

        // Also the instance's own account in the query: datapoints carry it, so nothing of another account can be read.
        var minutes = await db.InstanceMetrics.AsNoTracking()
            .Where(m => m.InstanceId == request.InstanceId && m.AccountId == accountId && m.PeriodStart >= from && m.PeriodStart < to)
            .ToListAsync(cancellationToken);
        var periods = minutes.GroupBy(m => new DateTime(m.PeriodStart.Ticks - ((m.PeriodStart.Ticks - from.Ticks) % periodTicks), DateTimeKind.Utc))
            .OrderBy(g => g.Key)
            .ToList();
        var wanted = request.MetricNames.Count == 0 ? InstanceMetricCatalog.All : request.MetricNames.Distinct(StringComparer.Ordinal).Select(n => InstanceMetricCatalog.ByName[n]).ToList();
        var metrics = wanted.Select(metric => new InstanceMetric(metric.Name, metric.Unit, metric.Statistic,
            periods.Select(p => metric.Value(p.ToList()) is { } value ? new MetricDatapoint(p.Key, value) : null).OfType<MetricDatapoint>().ToList())).ToList();
        return new InstanceMetricsResponse(request.InstanceId, from, to, period, metrics);
    }
}
