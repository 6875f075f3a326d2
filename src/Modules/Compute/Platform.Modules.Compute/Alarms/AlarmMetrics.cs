using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Metrics;
using Platform.Modules.Compute.Metrics.Custom;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Database.Contracts;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Alarms;

/// <summary>A period's datapoints reduced to CloudWatch's statistic set; <see cref="Unit"/> is the datapoints' (the newest's).</summary>
internal sealed record PeriodAggregate(double SampleCount, double Sum, double Minimum, double Maximum, string Unit)
{
    public static PeriodAggregate? Of(IReadOnlyList<double> values, string unit) =>
        values.Count == 0 ? null : new(values.Count, values.Sum(), values.Min(), values.Max(), unit);
}

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
    public static double? Of(string statistic, PeriodAggregate? period) => period is null ? null : statistic switch
    {
        Average => period.Sum / period.SampleCount,
        Sum => period.Sum,
        Minimum => period.Minimum,
        Maximum => period.Maximum,
        SampleCount => period.SampleCount,
        _ => throw new ArgumentOutOfRangeException(nameof(statistic), statistic, "Not a statistic."),
    };

    /// <summary>Null when the period has no datapoint.</summary>
    public static double? Of(string statistic, IReadOnlyList<double> values) => Of(statistic, PeriodAggregate.Of(values, "None"));
}

/// <summary>CloudWatch's standard units (StandardUnit), as PutMetricData and the statistics calls take them.</summary>
internal static class MetricUnits
{
    public const string None = nameof(None);

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits",
        "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
        "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", None,
    };

    public static void Ensure(string? unit, string parameter = "Unit")
    {
        if (unit is not null && !All.Contains(unit))
        {
            throw ApiErrors.InvalidParameterValue($"The value {unit} for parameter {parameter} is not one of CloudWatch's units.");
        }
    }
}

/// <summary>One metric as CloudWatch names it: namespace, name, and its dimensions (EC2's: one, InstanceId or AutoScalingGroupName).</summary>
internal sealed record MetricIdentity(string Namespace, string MetricName, IReadOnlyList<MetricDimension> Dimensions)
{
    public bool IsEc2 => Namespace == AlarmDimensions.Namespace;

    /// <summary>Whether the namespace is one of the platform's own (AWS/EC2, AWS/RDS) rather than a tenant's.</summary>
    public bool IsAws => Namespace.StartsWith(CustomMetricIdentity.ReservedPrefix, StringComparison.Ordinal);

    /// <summary>The checks for an AWS/AutoScaling metric: one of <see cref="AutoScalingMetricCatalog"/>'s, one dimension AutoScalingGroupName.</summary>
    public static void EnsureAutoScaling(string metricName, IReadOnlyList<MetricDimension>? dimensions)
    {
        if (!AutoScalingMetricCatalog.Names.Contains(metricName))
        {
            throw ApiErrors.InvalidParameterValue($"The metric '{metricName}' is not one of {AutoScalingMetricCatalog.Namespace}'s: {string.Join(", ", AutoScalingMetricCatalog.All)}.");
        }

        if (dimensions is not [{ Name: AutoScalingMetricCatalog.AutoScalingGroupName, Value: { Length: > 0 and <= 255 } }])
        {
            throw AlarmLookup.InvalidCombination($"One dimension is required: {AutoScalingMetricCatalog.AutoScalingGroupName}=....");
        }
    }

    /// <summary>The checks for an AWS/RDS metric: one of <see cref="RdsMetricCatalog"/>'s, one dimension DBInstanceIdentifier.</summary>
    public static void EnsureRds(string metricName, IReadOnlyList<MetricDimension>? dimensions)
    {
        if (!RdsMetricCatalog.ByName.ContainsKey(metricName))
        {
            throw ApiErrors.InvalidParameterValue($"The metric '{metricName}' is not one of {RdsMetricCatalog.Namespace}'s here: {string.Join(", ", RdsMetricCatalog.All.Select(m => m.Name))}.");
        }

        if (dimensions is not [{ Name: RdsMetricCatalog.DbInstanceIdentifier, Value: { Length: > 0 and <= 63 } }])
        {
            throw AlarmLookup.InvalidCombination($"One dimension is required: {RdsMetricCatalog.DbInstanceIdentifier}=....");
        }
    }
}

/// <summary>
/// The metrics an alarm may watch: EC2's (namespace AWS/EC2) per instance, or per Auto Scaling group; RDS's per DB instance
/// (<see cref="RdsMetricCatalog"/>); Auto Scaling's per group (<see cref="AutoScalingMetricCatalog"/>); and the account's custom ones.
/// </summary>
internal static class AlarmDimensions
{
    public const string Namespace = "AWS/EC2";
    public const string InstanceId = nameof(InstanceId);
    public const string AutoScalingGroupName = nameof(AutoScalingGroupName);

    /// <summary>The platform samples once a minute: a period is a multiple of it.</summary>
    public const int Sampling = 60;
}

/// <summary>
/// A metric's datapoints as CloudWatch's statistics over periods. EC2's: each 1-minute datapoint of an instance (its
/// heartbeats' usage, <see cref="InstanceMetricCatalog"/>) is one sample; a group's metric (dimension AutoScalingGroupName)
/// takes the samples of every instance the group launched, as EC2's group-level metrics do. A minute belongs to the period it
/// began in, so the minute in progress counts as soon as a heartbeat gave it a value. A custom metric's: the statistic sets
/// PutMetricData stored for the account's metric of exactly those dimensions, by their timestamps.
/// </summary>
internal sealed class AlarmMetrics(ComputeDbContext db, ISender sender)
{
    /// <returns><paramref name="count"/> values, oldest first, for the periods [from + k·period, from + (k+1)·period); null where a period has no sample.</returns>
    public async Task<IReadOnlyList<double?>> PeriodsAsync(string accountId, MetricIdentity metric, string statistic, DateTime from, int period, int count,
        CancellationToken cancellationToken) =>
        [.. (await AggregatesAsync(accountId, metric, unit: null, from, period, count, cancellationToken)).Select(a => MetricStatistics.Of(statistic, a))];

    /// <param name="unit">Only datapoints of this unit (custom metrics); null: all.</param>
    /// <returns><paramref name="count"/> periods, oldest first; null where a period has no datapoint.</returns>
    public async Task<IReadOnlyList<PeriodAggregate?>> AggregatesAsync(string accountId, MetricIdentity metric, string? unit, DateTime from, int period, int count,
        CancellationToken cancellationToken)
    {
        var to = from + TimeSpan.FromSeconds((long)period * count);
        var periodTicks = TimeSpan.FromSeconds(period).Ticks;
        if (!metric.IsAws)
        {
            var key = CustomMetricIdentity.Key(metric.Namespace, metric.MetricName, metric.Dimensions);
            var data = await db.CustomMetricData.AsNoTracking()
                .Where(d => d.AccountId == accountId && db.CustomMetrics.Any(m => m.Id == d.MetricId && m.AccountId == accountId && m.Key == key)
                    && d.Timestamp >= from && d.Timestamp < to && (unit == null || d.Unit == unit))
                .ToListAsync(cancellationToken);
            var periods = data.ToLookup(d => (int)((d.Timestamp - from).Ticks / periodTicks));
            return [.. Enumerable.Range(0, count).Select(k => periods[k].ToList() is { Count: > 0 } set
                ? new PeriodAggregate(set.Sum(d => d.SampleCount), set.Sum(d => d.Sum), set.Min(d => d.Minimum), set.Max(d => d.Maximum),
                    set.MaxBy(d => d.Timestamp)!.Unit)
                : null)];
        }

        if (metric.Namespace == RdsMetricCatalog.Namespace)
        {
            return await RdsAsync(accountId, metric, unit, from, to, period, count, cancellationToken);
        }

        if (metric.Namespace == AutoScalingMetricCatalog.Namespace)
        {
            if (unit is not null && unit != AutoScalingMetricCatalog.Unit)
            {
                return new PeriodAggregate?[count];
            }

            // The account's datapoints by the group's name: the metric outlives the group, as CloudWatch's does.
            var groupName = metric.Dimensions[0].Value;
            var points = await db.ScalingGroupMetrics.AsNoTracking()
                .Where(m => m.AccountId == accountId && m.GroupName == groupName && m.MetricName == metric.MetricName && m.PeriodStart >= from && m.PeriodStart < to)
                .ToListAsync(cancellationToken);
            var byPeriod = points.ToLookup(m => (int)((m.PeriodStart - from).Ticks / periodTicks), m => m.Value);
            return [.. Enumerable.Range(0, count).Select(k => PeriodAggregate.Of(byPeriod[k].ToList(), AutoScalingMetricCatalog.Unit))];
        }

        var definition = InstanceMetricCatalog.ByName[metric.MetricName];
        if (unit is not null && unit != definition.Unit)
        {
            return new PeriodAggregate?[count];
        }

        var instanceIds = await InstancesAsync(accountId, metric.Dimensions[0].Name!, metric.Dimensions[0].Value!, cancellationToken);
        var minutes = instanceIds.Count == 0 ? [] : await db.InstanceMetrics.AsNoTracking()
            .Where(m => m.AccountId == accountId && instanceIds.Contains(m.InstanceId) && m.PeriodStart >= from && m.PeriodStart < to)
            .ToListAsync(cancellationToken);
        var samples = minutes.Select(m => (Index: (int)((m.PeriodStart - from).Ticks / periodTicks), Value: definition.Value([m])))
            .Where(s => s.Value is not null)
            .ToLookup(s => s.Index, s => s.Value!.Value);
        return [.. Enumerable.Range(0, count).Select(k => PeriodAggregate.Of(samples[k].ToList(), definition.Unit))];
    }
    /// <summary>
    /// A DB instance's metric (AWS/RDS, dimension DBInstanceIdentifier): the Database module resolves the identifier in the
    /// account (and gives the guest's figures); CPU and I/O come from the usage minutes of the managed instance that runs it.
    /// </summary>
    private async Task<IReadOnlyList<PeriodAggregate?>> RdsAsync(string accountId, MetricIdentity metric, string? unit, DateTime from, DateTime to, int period,
        int count, CancellationToken cancellationToken)
    {
        var definition = RdsMetricCatalog.ByName[metric.MetricName];
        var periodTicks = TimeSpan.FromSeconds(period).Ticks;
        if (unit is not null && unit != definition.Unit)
        {
            return new PeriodAggregate?[count];
        }

        var found = await sender.Send(new GetDatabaseMetricMinutes(accountId, metric.Dimensions[0].Value!, metric.MetricName, from, to), cancellationToken);
        if (found.ResourceId is not { } resourceId)
        {
            return new PeriodAggregate?[count];
        }

        if (definition.FromGuest)
        {
            var periods = found.Minutes.ToLookup(m => (int)((m.PeriodStart - from).Ticks / periodTicks));
            return [.. Enumerable.Range(0, count).Select(k => periods[k].ToList() is { Count: > 0 } set
                ? new PeriodAggregate(set.Sum(m => m.SampleCount), set.Sum(m => m.Sum), set.Min(m => m.Minimum), set.Max(m => m.Maximum), definition.Unit)
                : null)];
        }

        // The resource id came from the caller's own DB instance: the managed instance carrying it is that one's.
        var instanceIds = await db.Instances.AsNoTracking().Where(i => i.ManagedResourceId == resourceId && i.ManagedBy != null).Select(i => i.Id)
            .ToListAsync(cancellationToken);
        var minutes = instanceIds.Count == 0 ? [] : await db.InstanceMetrics.AsNoTracking()
            .Where(m => instanceIds.Contains(m.InstanceId) && m.PeriodStart >= from && m.PeriodStart < to)
            .ToListAsync(cancellationToken);
        var samples = minutes.Select(m => (Index: (int)((m.PeriodStart - from).Ticks / periodTicks), Value: definition.Minute!(m)))
            .Where(s => s.Value is not null)
            .ToLookup(s => s.Index, s => s.Value!.Value);
        return [.. Enumerable.Range(0, count).Select(k => PeriodAggregate.Of(samples[k].ToList(), definition.Unit))];
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
