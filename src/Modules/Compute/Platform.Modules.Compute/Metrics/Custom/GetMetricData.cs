using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Mediator;
using Platform.Modules.Compute.Alarms;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Metrics.Custom;

internal sealed record MetricStatInput(string? Namespace, string? MetricName, List<MetricDimension>? Dimensions, int? Period, string? Stat, string? Unit);

internal sealed record MetricDataQuery(string? Id, MetricStatInput? MetricStat, string? Expression, string? Label, bool? ReturnData, int? Period);

internal sealed record MetricDataResult(string Id, string Label, IReadOnlyList<DateTime> Timestamps, IReadOnlyList<double> Values, string StatusCode);

internal sealed record MetricDataResponse(IReadOnlyList<MetricDataResult> MetricDataResults, string? NextToken);

/// <summary>
/// CloudWatch's GetMetricData for MetricStat queries (any metric GetMetricStatistics reads: EC2's and the account's custom
/// ones): each query's statistic per period over [StartTime, EndTime), newest first unless ScanBy is TimestampAscending,
/// at most MaxDatapoints values a page over all queries, the rest behind NextToken (StatusCode PartialData until the last
/// page). Metric math (Expression) is not evaluated here and is refused with InvalidParameterValue.
/// </summary>
internal sealed partial record GetMetricData(IReadOnlyList<MetricDataQuery> MetricDataQueries, string? StartTime, string? EndTime, string? ScanBy, int? MaxDatapoints,
    string? NextToken) : IRequest<MetricDataResponse>, IRequiresRegionalPermission, IValidatable
{
    public const int MaxQueries = 500;
    public const int DefaultMaxDatapoints = 100800;
    public const string Descending = "TimestampDescending";
    public const string Ascending = "TimestampAscending";

    private const string TokenPrefix = "GetMetricData|";

    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("cloudwatch:GetMetricData", "*");

    [GeneratedRegex("^[a-z][a-zA-Z0-9_]*$")]
    private static partial Regex IdPattern();

    public void Validate()
    {
        if (MetricDataQueries.Count == 0)
        {
            throw ApiErrors.MissingParameter("The parameter MetricDataQueries is required.");
        }

        if (MetricDataQueries.Count > MaxQueries)
        {
            throw ApiErrors.InvalidParameterValue($"The collection MetricDataQueries must not have a size greater than {MaxQueries}.");
        }

        if (StartTime is null || EndTime is null)
        {
            throw ApiErrors.MissingParameter($"The parameter {(StartTime is null ? "StartTime" : "EndTime")} is required.");
        }

        if (GetMetricStatistics.Time(StartTime, "StartTime") >= GetMetricStatistics.Time(EndTime, "EndTime"))
        {
            throw ApiErrors.ValidationError("The parameter StartTime must be less than the parameter EndTime.");
        }

        if (ScanBy is not (null or Descending or Ascending))
        {
            throw ApiErrors.ValidationError($"1 validation error detected: Value '{ScanBy}' at 'scanBy' failed to satisfy constraint: Member must satisfy enum value set: [{Descending}, {Ascending}]");
        }

        if (MaxDatapoints is < 1)
        {
            throw ApiErrors.InvalidParameterValue("The parameter MaxDatapoints must be a positive number.");
        }

        _ = Offset;
        for (var i = 0; i < MetricDataQueries.Count; i++)
        {
            var q = MetricDataQueries[i];
            var at = $"MetricDataQueries.member.{i + 1}";
            if (q.Id is null)
            {
                throw ApiErrors.MissingParameter($"The parameter {at}.Id is required.");
            }

            if (q.Id.Length > 255 || !IdPattern().IsMatch(q.Id))
            {
                throw ApiErrors.ValidationError($"The value {q.Id} for parameter {at}.Id is invalid: it starts with a lowercase letter, then letters, digits and underscores.");
            }

            if (q.Expression is not null)
            {
                throw ApiErrors.InvalidParameterValue($"The parameter {at}.Expression is not supported: metric math is not evaluated on this platform; use MetricStat.");
            }

            if (q.MetricStat is not { } stat)
            {
                throw ApiErrors.MissingParameter($"The parameter {at}.MetricStat is required.");
            }

            if (q.Label is { Length: > 1024 })
            {
                throw ApiErrors.InvalidParameterValue($"The parameter {at}.Label must be at most 1024 characters.");
            }

            if (q.Period is not null)
            {
                throw ApiErrors.InvalidParameterValue($"The parameter {at}.Period belongs to expressions; a MetricStat gives its own period.");
            }

            if (stat.Stat is null || stat.Period is null || stat.Namespace is null || stat.MetricName is null)
            {
                throw ApiErrors.MissingParameter($"The parameters {at}.MetricStat.Metric.Namespace, Metric.MetricName, Period and Stat are required.");
            }

            if (!MetricStatistics.All.Contains(stat.Stat))
            {
                throw ApiErrors.InvalidParameterValue($"The value {stat.Stat} for parameter {at}.MetricStat.Stat is not one of {string.Join(", ", MetricStatistics.All)}.");
            }

            // The same rules as GetMetricStatistics', on the same metrics.
            Statistics(stat).Validate();
        }

        if (MetricDataQueries.GroupBy(q => q.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw ApiErrors.ValidationError($"The Id {twice.Key} is used by more than one query; each query's Id must be unique.");
        }

        if (!MetricDataQueries.Any(q => q.ReturnData ?? true))
        {
            throw ApiErrors.ValidationError("At least one query must return data (ReturnData true).");
        }
    }

    public GetMetricStatistics Statistics(MetricStatInput stat) => new(stat.Namespace, stat.MetricName,
        [.. (stat.Dimensions ?? []).Select(d => $"{d.Name}={d.Value}")], [stat.Stat!], stat.Period, StartTime, EndTime, stat.Unit);

    /// <summary>How many values earlier pages gave, from the token.</summary>
    public long Offset
    {
        get
        {
            if (NextToken is null)
            {
                return 0;
            }

            try
            {
                var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(NextToken));
                if (text.StartsWith(TokenPrefix, StringComparison.Ordinal)
                    && long.TryParse(text.AsSpan(TokenPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) && offset > 0)
                {
                    return offset;
                }
            }
            catch (FormatException)
            {
            }

            throw new ApiException(400, "InvalidNextToken", $"The token '{NextToken}' is invalid.");
        }
    }

    public static string Token(long offset) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(TokenPrefix + offset.ToString(CultureInfo.InvariantCulture)));
}

internal sealed class GetMetricDataHandler(ComputeDbContext db, ICallerContext caller, ISender sender) : IRequestHandler<GetMetricData, MetricDataResponse>
{
    public async ValueTask<MetricDataResponse> Handle(GetMetricData request, CancellationToken cancellationToken)
    {
        var start = GetMetricStatistics.Time(request.StartTime, "StartTime");
        var end = GetMetricStatistics.Time(request.EndTime, "EndTime");
        var ascending = request.ScanBy == GetMetricData.Ascending;
        var series = new List<(MetricDataQuery Query, List<(DateTime At, double Value)> Points)>();
        foreach (var query in request.MetricDataQueries.Where(q => q.ReturnData ?? true))
        {
            var stat = query.MetricStat!;
            var period = stat.Period!.Value;
            var periodTicks = TimeSpan.FromSeconds(period).Ticks;
            var from = new DateTime(start.Ticks - (start.Ticks % periodTicks), DateTimeKind.Utc);
            var count = (end - from).Ticks / periodTicks + ((end - from).Ticks % periodTicks == 0 ? 0 : 1);
            if (count > GetMetricData.DefaultMaxDatapoints)
            {
                throw ApiErrors.InvalidParameterValue($"The query {query.Id} asks {count} periods; at most {GetMetricData.DefaultMaxDatapoints}: widen its period or narrow the window.");
            }

            var periods = await new AlarmMetrics(db, sender).AggregatesAsync(caller.Identity.AccountId, request.Statistics(stat).Metric, stat.Unit, from, period, (int)count,
                cancellationToken);
            var points = periods.Select((aggregate, k) => (At: from + TimeSpan.FromTicks(k * periodTicks), Value: MetricStatistics.Of(stat.Stat!, aggregate)))
                .Where(p => p.Value is not null).Select(p => (p.At, p.Value!.Value)).ToList();
            if (!ascending)
            {
                points.Reverse();
            }

            series.Add((query, points));
        }

        var offset = request.Offset;
        var budget = (long)(request.MaxDatapoints ?? GetMetricData.DefaultMaxDatapoints);
        var total = series.Sum(s => (long)s.Points.Count);
        var results = new List<MetricDataResult>();
        long skipped = 0;
        foreach (var (query, points) in series)
        {
            var skip = (int)Math.Clamp(offset - skipped, 0, points.Count);
            var take = (int)Math.Clamp(budget, 0, points.Count - skip);
            skipped += points.Count;
            budget -= take;
            var page = points.GetRange(skip, take);
            results.Add(new MetricDataResult(query.Id!, query.Label ?? query.MetricStat!.MetricName!, [.. page.Select(p => p.At)], [.. page.Select(p => p.Value)],
                "Complete"));
        }

        var next = offset + (long)(request.MaxDatapoints ?? GetMetricData.DefaultMaxDatapoints);
        return next < total
            ? new MetricDataResponse([.. results.Select(r => r with { StatusCode = "PartialData" })], GetMetricData.Token(next))
            : new MetricDataResponse(results, null);
    }
}
