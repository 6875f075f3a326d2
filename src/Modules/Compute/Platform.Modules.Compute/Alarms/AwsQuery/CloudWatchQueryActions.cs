using Platform.Modules.Compute.Metrics.Custom;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Errors;
using static Platform.Modules.Shared.AwsQuery.AwsQueryXml;

namespace Platform.Modules.Compute.Alarms.AwsQuery;

/// <summary>
/// CloudWatch on AWS's query protocol (botocore's cloudwatch 2010-08-01 names and shapes; signed for <c>monitoring</c>), as
/// awscli 2.9 sends it, each action bound to the request the native API (<c>/api/v1/cloudwatch</c>) sends, so both share
/// every rule and permission. DescribeAlarms pages with <c>MaxRecords</c>/<c>NextToken</c>, ListMetrics with <c>NextToken</c>
/// (500 a page). PutMetricData, ListMetrics, GetMetricData and GetMetricStatistics take custom namespaces. The same table
/// answers the JSON 1.0 and Smithy RPC v2 CBOR protocols newer clients send (botocore 1.43 picks JSON 1.0), under CloudWatch's
/// target prefix (Platform.Api's AwsJsonEndpoint). Not here: metric math (GetMetricData's Expression, refused), composite
/// alarms, metric math alarms, tags.
/// </summary>
internal static class CloudWatchQueryActions
{
    public const string Namespace = "http://monitoring.amazonaws.com/doc/2010-08-01/";

    /// <summary>ListMetrics answers 500 metrics a page, as CloudWatch's (the caller has no page size to give).</summary>
    public const int ListMetricsPage = 500;

    private const string PagingKey = "cloudwatch.paging";

    public static AwsQueryService Table() => new AwsQueryService("monitoring", "2010-08-01", Namespace)
        .WithJsonProtocols("GraniteServiceVersion20100801", "StartTime", "EndTime", "StartDate", "EndDate", "Timestamp")
        .Command("PutMetricAlarm", c =>
        {
            var p = c.Parameters;
            return new PutMetricAlarm(p.Required("AlarmName"), p.Optional("AlarmDescription"), p.Optional("Namespace"), p.Optional("MetricName"), Dimensions(p),
                p.Optional("Statistic"), p.Optional("ExtendedStatistic"), p.OptionalInt("Period"), p.OptionalInt("EvaluationPeriods"), p.OptionalInt("DatapointsToAlarm"),
                p.OptionalDouble("Threshold"), p.Optional("ComparisonOperator"), p.Optional("TreatMissingData"), p.OptionalBool("ActionsEnabled"),
                p.OptionalStringList("AlarmActions")?.ToList(), p.OptionalStringList("OKActions")?.ToList(), p.OptionalStringList("InsufficientDataActions")?.ToList());
        })
        .Action("DescribeAlarms", c =>
        {
            var p = c.Parameters;
            if (p.OptionalStringList("AlarmTypes") is { } types && types.Any(t => t != "MetricAlarm"))
            {
                throw ApiErrors.InvalidParameterValue("Only alarm type MetricAlarm exists on this platform.");
            }

            c.Items[PagingKey] = AwsQueryPaging.Read(p, "MaxRecords", "NextToken", 100, defaultSize: 50);
            return new DescribeAlarms(p.OptionalStringList("AlarmNames") ?? [], p.Optional("AlarmNamePrefix"), p.Optional("StateValue"));
        }, (c, found) =>
        {
            var (page, next) = ((AwsQueryPaging)c.Items[PagingKey]).Apply(found.MetricAlarms, a => a.AlarmName);
            return new object?[] { Members("MetricAlarms", page, Alarm), Members("CompositeAlarms", Array.Empty<string>(), _ => null), Value("NextToken", next) };
        })
        .Command("DeleteAlarms", c => new DeleteAlarms(c.Parameters.OptionalStringList("AlarmNames") ?? []))
        .Command("SetAlarmState", c =>
        {
            var p = c.Parameters;
            return new SetAlarmState(p.Required("AlarmName"), p.Optional("StateValue"), p.Optional("StateReason"), p.Optional("StateReasonData"));
        })
        .Command("EnableAlarmActions", c => new SwitchAlarmActions(c.Parameters.OptionalStringList("AlarmNames") ?? [], Enable: true))
        .Command("DisableAlarmActions", c => new SwitchAlarmActions(c.Parameters.OptionalStringList("AlarmNames") ?? [], Enable: false))
        .Action("DescribeAlarmHistory", c =>
        {
            var p = c.Parameters;
            if (p.Optional("NextToken") is not null)
            {
                // The native request returns one page (MaxRecords, newest or oldest first): there is no next one to go to.
                throw ApiErrors.InvalidParameterValue("The NextToken is invalid: alarm history is answered in one page of MaxRecords.");
            }

            return new DescribeAlarmHistory(p.Optional("AlarmName"), p.Optional("HistoryItemType"), p.Optional("StartDate"), p.Optional("EndDate"),
                p.OptionalInt("MaxRecords"), p.Optional("ScanBy"));
        }, found => Members("AlarmHistoryItems", found.AlarmHistoryItems, h => new object?[]
        {
            Value("AlarmName", h.AlarmName),
            Value("AlarmType", h.AlarmType),
            Value("Timestamp", h.Timestamp),
            Value("HistoryItemType", h.HistoryItemType),
            Value("HistorySummary", h.HistorySummary),
            Value("HistoryData", h.HistoryData),
        }))
        .Action("GetMetricStatistics", c =>
        {
            var p = c.Parameters;
            if (p.OptionalStringList("ExtendedStatistics") is { Count: > 0 })
            {
                throw ApiErrors.InvalidParameterValue("Extended statistics (percentiles) are not offered by this platform.");
            }

            var dimensions = (Dimensions(p) ?? []).Select(d => $"{d.Name}={d.Value}").ToList();
            return new GetMetricStatistics(p.Optional("Namespace"), p.Optional("MetricName"), dimensions, p.OptionalStringList("Statistics") ?? [],
                p.OptionalInt("Period"), p.Optional("StartTime"), p.Optional("EndTime"), p.Optional("Unit"));
        }, found =>
        {
            return new object?[]
            {
                Value("Label", found.Label),
                Members("Datapoints", found.Datapoints, d => new object?[]
                {
                    Value("Timestamp", d.Timestamp),
                    Value("SampleCount", d.SampleCount),
                    Value("Average", d.Average),
                    Value("Sum", d.Sum),
                    Value("Minimum", d.Minimum),
                    Value("Maximum", d.Maximum),
                    Value("Unit", d.Unit),
                }),
            };
        })
        .Command("PutMetricData", c =>
        {
            var p = c.Parameters;
            return new PutMetricData(p.Optional("Namespace"), [.. p.List("MetricData").Select(d =>
            {
                var set = d.Structure("StatisticValues");
                return new MetricDatumInput(d.Optional("MetricName"), Dimensions(d), d.Optional("Timestamp"), d.OptionalDouble("Value"),
                    Numbers(d, "Values"), Numbers(d, "Counts"),
                    set is null ? null : new StatisticSet(set.OptionalDouble("SampleCount"), set.OptionalDouble("Sum"), set.OptionalDouble("Minimum"), set.OptionalDouble("Maximum")),
                    d.Optional("Unit"), d.OptionalInt("StorageResolution"));
            })]);
        })
        .Action("ListMetrics", c =>
        {
            var p = c.Parameters;
            c.Items[PagingKey] = AwsQueryPaging.Fixed(p, "NextToken", ListMetricsPage, "ListMetrics");
            return new ListMetrics(p.Optional("Namespace"), p.Optional("MetricName"),
                [.. p.List("Dimensions").Select(d => new DimensionFilter(d.Optional("Name"), d.Optional("Value")))]);
        }, (c, found) =>
        {
            var (page, next) = ((AwsQueryPaging)c.Items[PagingKey]).Apply(found.Metrics, ListMetrics.SortKey);
            return new object?[] { Members("Metrics", page, Metric), Value("NextToken", next) };
        })
        .Action("GetMetricData", c =>
        {
            var p = c.Parameters;
            return new GetMetricData([.. p.List("MetricDataQueries").Select(q =>
            {
                var stat = q.Structure("MetricStat");
                var metric = stat?.Structure("Metric");
                return new MetricDataQuery(q.Optional("Id"), stat is null ? null : new MetricStatInput(metric?.Optional("Namespace"), metric?.Optional("MetricName"),
                        metric is null ? null : Dimensions(metric), stat.OptionalInt("Period"), stat.Optional("Stat"), stat.Optional("Unit")),
                    q.Optional("Expression"), q.Optional("Label"), q.OptionalBool("ReturnData"), q.OptionalInt("Period"));
            })], p.Optional("StartTime"), p.Optional("EndTime"), p.Optional("ScanBy"), p.OptionalInt("MaxDatapoints"), p.Optional("NextToken"));
        }, found => new object?[]
        {
            Members("MetricDataResults", found.MetricDataResults, r => new object?[]
            {
                Value("Id", r.Id),
                Value("Label", r.Label),
                Members("Timestamps", r.Timestamps, t => t),
                Members("Values", r.Values, v => v),
                Value("StatusCode", r.StatusCode),
            }),
            Members("Messages", Array.Empty<string>(), _ => null),
            Value("NextToken", found.NextToken),
        });

    private static object?[] Metric(MetricIdentity m) =>
    [
        Value("Namespace", m.Namespace),
        Value("MetricName", m.MetricName),
        Members("Dimensions", m.Dimensions, d => new object?[] { Value("Name", d.Name), Value("Value", d.Value) }),
    ];

    private static List<double>? Numbers(AwsQueryParameters p, string name) =>
        p.OptionalStringList(name) is { } texts
            ? [.. texts.Select((t, i) => double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v)
                ? v : throw ApiErrors.InvalidParameterValue($"Value ({t}) for parameter {name}.member.{i + 1} is invalid. Expecting a number."))]
            : null;

    private static List<MetricDimension>? Dimensions(AwsQueryParameters p)
    {
        var dimensions = p.List("Dimensions");
        if (dimensions.Count == 0)
        {
            return p.Optional("Dimensions") is null ? null : [];
        }

        return [.. dimensions.Select(d => new MetricDimension(d.Optional("Name"), d.Optional("Value")))];
    }

    private static object?[] Alarm(MetricAlarmResponse a) =>
    [
        Value("AlarmName", a.AlarmName),
        Value("AlarmArn", a.AlarmArn),
        Value("AlarmDescription", a.AlarmDescription),
        Value("AlarmConfigurationUpdatedTimestamp", a.AlarmConfigurationUpdatedTimestamp),
        Value("ActionsEnabled", a.ActionsEnabled),
        Members("OKActions", a.OkActions, x => x),
        Members("AlarmActions", a.AlarmActions, x => x),
        Members("InsufficientDataActions", a.InsufficientDataActions, x => x),
        Value("StateValue", a.StateValue),
        Value("StateReason", a.StateReason),
        Value("StateReasonData", a.StateReasonData),
        Value("StateUpdatedTimestamp", a.StateUpdatedTimestamp),
        Value("MetricName", a.MetricName),
        Value("Namespace", a.Namespace),
        Value("Statistic", a.Statistic),
        Members("Dimensions", a.Dimensions, d => new object?[] { Value("Name", d.Name), Value("Value", d.Value) }),
        Value("Period", a.Period),
        Value("EvaluationPeriods", a.EvaluationPeriods),
        Value("DatapointsToAlarm", a.DatapointsToAlarm),
        Value("Threshold", a.Threshold),
        Value("ComparisonOperator", a.ComparisonOperator),
        Value("TreatMissingData", a.TreatMissingData),
    ];
}
