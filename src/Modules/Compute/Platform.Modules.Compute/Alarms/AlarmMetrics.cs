using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Metrics;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Alarms;

/// <summary>CloudWatch's statistics over a period's datapoints.</summary>
internal static class MetricStatistics
{
    public const string Average = nameof(Average);
    public const string Sum = nameof(Sum);
    public const string Minimum = nameof(Minimum);
    public const string Maximum = nameof(Maximum);
    public const string SampleCount = nameof(SampleCount);

    public static readonly IReadOnlyList<string> All = [Average, Sum, Minimum, Maximum, SampleCount];

    /// <summary>Null when the period has no datapoint.</summary>
    public static double? Of(string statistic, IReadOnlyList<double> values) => values.Count == 0 ? null : statistic switch
    {
        Average => values.Average(),
        Sum => values.Sum(),
        Minimum => values.Min(),
        Maximum => values.Max(),
        SampleCount => values.Count,
        _ => throw new ArgumentOutOfRangeException(nameof(statistic), statistic, "Not a statistic."),
    };
}

/// <summary>The metrics an alarm may watch: EC2's (namespace AWS/EC2) per instance, or per Auto Scaling group.</summary>
internal static class AlarmDimensions
{
    public const string Namespace = "AWS/EC2";
    public const string InstanceId = nameof(InstanceId);
    public const string AutoScalingGroupName = nameof(AutoScalingGroupName);

    /// <summary>The platform samples once a minute: a period is a multiple of it.</summary>
    public const int Sampling = 60;
}

/// <summary>
/// A metric's datapoints as CloudWatch's statistics over periods: each 1-minute datapoint of an instance (its heartbeats'
/// usage, <see cref="InstanceMetricCatalog"/>) is one sample; a group's metric (dimension AutoScalingGroupName) takes
/// the samples of every instance the group launched, as EC2's group-level metrics do. A minute belongs to the period it
/// began in, so the minute in progress counts as soon as a heartbeat gave it a value.
/// </summary>
internal sealed class AlarmMetrics(ComputeDbContext db)
{
    /// <returns><paramref name="count"/> values, oldest first, for the periods [from + k·period, from + (k+1)·period); null where a period has no sample.</returns>
    public async Task<IReadOnlyList<double?>> PeriodsAsync(string accountId, string dimensionName, string dimensionValue, string metricName, string statistic,
        DateTime from, int period, int count, CancellationToken cancellationToken)
    {
        var to = from + TimeSpan.FromSeconds((long)period * count);
        var instanceIds = await InstancesAsync(accountId, dimensionName, dimensionValue, cancellationToken);
        var minutes = instanceIds.Count == 0 ? [] : await db.InstanceMetrics.AsNoTracking()
            .Where(m => m.AccountId == accountId && instanceIds.Contains(m.InstanceId) && m.PeriodStart >= from && m.PeriodStart < to)
            .ToListAsync(cancellationToken);
        var metric = InstanceMetricCatalog.ByName[metricName];
        var periodTicks = TimeSpan.FromSeconds(period).Ticks;
        var samples = minutes.Select(m => (Index: (int)((m.PeriodStart - from).Ticks / periodTicks), Value: metric.Value([m])))
            .Where(s => s.Value is not null)
            .ToLookup(s => s.Index, s => s.Value!.Value);
        return Enumerable.Range(0, count).Select(k => MetricStatistics.Of(statistic, samples[k].ToList())).ToList();
    }

    private async Task<List<string>> InstancesAsync(string accountId, string dimensionName, string dimensionValue, CancellationToken cancellationToken)
    {
        if (dimensionName == AlarmDimensions.InstanceId)
        {
            return [dimensionValue];
        }

        var group = await db.ScalingGroups.AsNoTracking().Where(g => g.AccountId == accountId && g.Name == dimensionValue)
            .Select(g => g.Id).FirstOrDefaultAsync(cancellationToken);
        return group is null ? [] : await db.ScalingGroupInstances.AsNoTracking()
            .Where(i => i.GroupId == group && i.InstanceId != null).Select(i => i.InstanceId!).ToListAsync(cancellationToken);
    }
}
