using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Alarms;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Metrics.Custom;

internal sealed record StatisticSet(double? SampleCount, double? Sum, double? Minimum, double? Maximum);

/// <summary>One entry of PutMetricData: exactly one of <see cref="Value"/>, <see cref="Values"/> (with optional <see cref="Counts"/>) and <see cref="StatisticValues"/>.</summary>
internal sealed record MetricDatumInput(
    string? MetricName,
    List<MetricDimension>? Dimensions,
    string? Timestamp,
    double? Value,
    List<double>? Values,
    List<double>? Counts,
    StatisticSet? StatisticValues,
    string? Unit,
    int? StorageResolution);

/// <summary>
/// CloudWatch's PutMetricData: datapoints of the caller's own metrics in a namespace of its own (not <c>AWS/…</c>), with
/// AWS's limits (1,000 entries, 30 dimensions, 150 values, timestamps from two weeks back to two hours ahead, values within
/// ±2^360, no NaN or infinity) and errors. Stored per account; nothing is stored unless every entry is valid.
/// </summary>
internal sealed record PutMetricData(string? Namespace, IReadOnlyList<MetricDatumInput> MetricData)
    : IRequest<Unit>, IRequiresRegionalPermission, IValidatable
{
    public const int MaxEntries = 1000;
    public const int MaxValues = 150;

    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(14);
    public static readonly TimeSpan MaxAhead = TimeSpan.FromHours(2);

    /// <summary>CloudWatch refuses values whose magnitude is beyond 2^360 (or, other than zero, below 2^-360).</summary>
    private static readonly double Largest = Math.Pow(2, 360);
    private static readonly double Smallest = Math.Pow(2, -360);

    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("cloudwatch:PutMetricData", "*");

    public void Validate()
    {
        CustomMetricIdentity.EnsureCustomNamespace(Namespace);
        if (MetricData.Count == 0)
        {
            throw ApiErrors.MissingParameter("The parameter MetricData is required.");
        }

        if (MetricData.Count > MaxEntries)
        {
            throw ApiErrors.InvalidParameterValue($"The collection MetricData must not have a size greater than {MaxEntries}.");
        }

        for (var i = 0; i < MetricData.Count; i++)
        {
            var d = MetricData[i];
            var at = $"MetricData.member.{i + 1}";
            CustomMetricIdentity.EnsureName(d.MetricName, $"{at}.MetricName", 255);
            CustomMetricIdentity.EnsureDimensions(d.Dimensions, $"{at}.Dimensions");
            MetricUnits.Ensure(d.Unit, $"{at}.Unit");
            if (d.StorageResolution is { } resolution && resolution is not (1 or 60))
            {
                throw ApiErrors.InvalidParameterValue($"The value {resolution} for parameter {at}.StorageResolution is invalid: 1 or 60.");
            }

            var given = (d.Value is not null ? 1 : 0) + (d.Values is not null ? 1 : 0) + (d.StatisticValues is not null ? 1 : 0);
            if (given > 1)
            {
                throw AlarmLookup.InvalidCombination($"The parameters {at}.Value, {at}.Values and {at}.StatisticValues are mutually exclusive and you have specified more than one.");
            }

            if (given == 0)
            {
                throw ApiErrors.MissingParameter($"The parameter {at}.Value, {at}.Values or {at}.StatisticValues is required.");
            }

            if (d.Counts is not null && d.Values is null)
            {
                throw AlarmLookup.InvalidCombination($"The parameter {at}.Counts needs {at}.Values.");
            }

            if (d.Value is { } value)
            {
                EnsureValue(value, $"{at}.Value");
            }

            if (d.Values is { } values)
            {
                if (values.Count == 0 || values.Count > MaxValues)
                {
                    throw ApiErrors.InvalidParameterValue($"The collection {at}.Values must hold 1 to {MaxValues} values.");
                }

                values.ForEach(v => EnsureValue(v, $"{at}.Values"));
                if (d.Counts is { } counts)
                {
                    if (counts.Count != values.Count)
                    {
                        throw ApiErrors.InvalidParameterValue($"The parameters {at}.Values and {at}.Counts must be of the same size.");
                    }

                    if (counts.Any(c => !double.IsFinite(c) || c <= 0 || c > Largest))
                    {
                        throw ApiErrors.InvalidParameterValue($"The values of {at}.Counts must be positive numbers.");
                    }
                }
            }

            if (d.StatisticValues is { } set)
            {
                foreach (var (part, name) in new[] { (set.SampleCount, "SampleCount"), (set.Sum, "Sum"), (set.Minimum, "Minimum"), (set.Maximum, "Maximum") })
                {
                    EnsureValue(part ?? throw ApiErrors.MissingParameter($"The parameter {at}.StatisticValues.{name} is required."), $"{at}.StatisticValues.{name}");
                }

                if (set.SampleCount <= 0 || set.Minimum > set.Maximum)
                {
                    throw ApiErrors.InvalidParameterValue($"The parameter {at}.StatisticValues must have a positive SampleCount and a Minimum not above its Maximum.");
                }
            }

            if (d.Timestamp is not null)
            {
                _ = GetMetricStatistics.Time(d.Timestamp, $"{at}.Timestamp");
            }
        }
    }

    private static void EnsureValue(double value, string parameter)
    {
        var magnitude = Math.Abs(value);
        if (!double.IsFinite(value) || magnitude > Largest || (magnitude != 0 && magnitude < Smallest))
        {
            throw ApiErrors.InvalidParameterValue(
                $"The value {value.ToString(CultureInfo.InvariantCulture)} for parameter {parameter} is invalid: values lie within ±2^360 and are not NaN or infinite.");
        }
    }
}

internal sealed class PutMetricDataHandler(ComputeDbContext db, ICallerContext caller, IOptions<ComputeOptions> options, TimeProvider clock)
    : IRequestHandler<PutMetricData, Unit>
{
    public async ValueTask<Unit> Handle(PutMetricData request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var now = clock.GetUtcNow().UtcDateTime;
        var entries = request.MetricData.Select((d, i) =>
        {
            var timestamp = d.Timestamp is null ? now : GetMetricStatistics.Time(d.Timestamp, $"MetricData.member.{i + 1}.Timestamp");
            if (timestamp < now - PutMetricData.MaxAge || timestamp > now + PutMetricData.MaxAhead)
            {
                throw ApiErrors.InvalidParameterValue(
                    $"The parameter MetricData.member.{i + 1}.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.");
            }

            var dimensions = CustomMetricIdentity.Canonical(d.Dimensions ?? []);
            return (Key: CustomMetricIdentity.Key(request.Namespace!, d.MetricName!, dimensions), Input: d, Dimensions: dimensions, Timestamp: timestamp);
        }).ToList();

        // Two replicas may create the same new metric at once: the unique (account, key) index lets one save; the other tries again and finds it.
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            try
            {
                await SaveAsync(accountId, request.Namespace!, entries, cancellationToken);
                return Unit.Value;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                await Task.Delay(Random.Shared.Next(1, 20), cancellationToken);
            }
        }
    }

    private async Task SaveAsync(string accountId, string ns, List<(string Key, MetricDatumInput Input, IReadOnlyList<MetricDimension> Dimensions, DateTime Timestamp)> entries,
        CancellationToken cancellationToken)
    {
        var keys = entries.Select(e => e.Key).Distinct(StringComparer.Ordinal).ToList();
        var known = await db.CustomMetrics.Where(m => m.AccountId == accountId && keys.Contains(m.Key)).ToDictionaryAsync(m => m.Key, m => m.Id, cancellationToken);
        var fresh = keys.Count(k => !known.ContainsKey(k));
        if (fresh > 0 && await db.CustomMetrics.CountAsync(m => m.AccountId == accountId, cancellationToken) + fresh > options.Value.MaxCustomMetricsPerAccount)
        {
            throw new ApiException(400, "LimitExceeded", $"The quota of {options.Value.MaxCustomMetricsPerAccount} custom metrics for this account would be exceeded.");
        }

        foreach (var entry in entries)
        {
            if (!known.TryGetValue(entry.Key, out var metricId))
            {
                metricId = Guid.NewGuid().ToString();
                known[entry.Key] = metricId;
                db.CustomMetrics.Add(new CustomMetric
                {
                    Id = metricId,
                    AccountId = accountId,
                    Key = entry.Key,
                    Namespace = ns,
                    MetricName = entry.Input.MetricName!,
                    Dimensions = CustomMetricIdentity.Json(entry.Dimensions),
                });
            }

            var (count, sum, min, max) = Reduce(entry.Input);
            db.CustomMetricData.Add(new CustomMetricDatum
            {
                Id = Guid.NewGuid().ToString(),
                MetricId = metricId,
                AccountId = accountId,
                Timestamp = entry.Timestamp,
                Unit = entry.Input.Unit ?? MetricUnits.None,
                SampleCount = count,
                Sum = sum,
                Minimum = min,
                Maximum = max,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The entry as a statistic set: a value is one sample; each of Values counts its Counts (1 each by default) times.</summary>
    private static (double Count, double Sum, double Minimum, double Maximum) Reduce(MetricDatumInput d)
    {
        if (d.StatisticValues is { } set)
        {
            return (set.SampleCount!.Value, set.Sum!.Value, set.Minimum!.Value, set.Maximum!.Value);
        }

        if (d.Values is { } values)
        {
            var counts = d.Counts ?? [.. values.Select(_ => 1d)];
            return (counts.Sum(), values.Select((v, k) => v * counts[k]).Sum(), values.Min(), values.Max());
        }

        return (1, d.Value!.Value, d.Value!.Value, d.Value!.Value);
    }
}
