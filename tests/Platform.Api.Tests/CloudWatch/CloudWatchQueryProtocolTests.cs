using System.Formats.Cbor;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.CloudWatch;

/// <summary>
/// CloudWatch's alarms and statistics on AWS's query protocol (<c>POST /</c> signed for <c>monitoring</c>, botocore's
/// 2010-08-01 names, as awscli 2.9 sends them) in-process: PutMetricAlarm, DescribeAlarms with its paging, SetAlarmState,
/// Disable/EnableAlarmActions, DescribeAlarmHistory, GetMetricStatistics and DeleteAlarms, the XML CloudWatch answers with
/// and its errors, each refusal changing nothing, another account seeing nothing. The same actions on the JSON 1.0
/// (<c>X-Amz-Target</c>) and Smithy RPC v2 CBOR (<c>/service/GraniteServiceVersion20100801/operation/…</c>) protocols,
/// with their typed answers and their own error shapes (the real clients: <see cref="Rds.RdsAndCloudWatchCliTests"/>).
/// </summary>
public sealed class CloudWatchQueryProtocolTests : IAsyncLifetime, IDisposable
{
    private static readonly XNamespace Cw = "http://monitoring.amazonaws.com/doc/2010-08-01/";

    private readonly PlatformApp _app = new(runJobs: false);

    public Task InitializeAsync()
    {
        _ = _app.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_app.DataDirectory, recursive: true);
    }

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Given_query_calls_When_alarms_are_put_described_set_and_deleted_Then_the_XML_is_CloudWatch_s()
    {
        using var root = _app.SignedClient(_app.RootCredentials);
        var tenant = await root.CreateAccountAsync("cw-query");
        using var cw = _app.SignedClient(tenant, "monitoring");

        foreach (var name in new[] { "cpu-a", "cpu-b", "cpu-c" })
        {
            await OkAsync(cw, "PutMetricAlarm", AlarmForm(name));
        }

        var described = await OkAsync(cw, "DescribeAlarms", "AlarmNames.member.1=cpu-a");
        var alarm = Assert.Single(described.Element(Cw + "MetricAlarms")!.Elements(Cw + "member"));
        Assert.Equal($"arn:aws:cloudwatch:us-east-1:{tenant.AccountId}:alarm:cpu-a", alarm.Element(Cw + "AlarmArn")!.Value);
        Assert.Equal("INSUFFICIENT_DATA", alarm.Element(Cw + "StateValue")!.Value);
        Assert.Equal("80.5", alarm.Element(Cw + "Threshold")!.Value);
        Assert.Equal("i-0123456789abcdef0", alarm.Element(Cw + "Dimensions")!.Element(Cw + "member")!.Element(Cw + "Value")!.Value);
        Assert.Equal("true", alarm.Element(Cw + "ActionsEnabled")!.Value);

        // Paged one at a time by NextToken: each alarm once, in name order.
        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await OkAsync(cw, "DescribeAlarms", "MaxRecords=1" + (token is null ? "" : "&NextToken=" + Uri.EscapeDataString(token)));
            seen.AddRange(page.Element(Cw + "MetricAlarms")!.Elements(Cw + "member").Select(m => m.Element(Cw + "AlarmName")!.Value));
            token = page.Element(Cw + "NextToken")?.Value;
        }
        while (token is not null);

        Assert.Equal(["cpu-a", "cpu-b", "cpu-c"], seen);

        // CloudWatch's errors, and nothing changed by them.
        await ErrorAsync(cw, "PutMetricAlarm", AlarmForm("bad").Replace("GreaterThanThreshold", "Sideways", StringComparison.Ordinal), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(cw, "PutMetricAlarm", AlarmForm("bad").Replace("Statistic=Average", "Statistic=Average&ExtendedStatistic=p99", StringComparison.Ordinal),
            HttpStatusCode.BadRequest, "InvalidParameterCombination");
        await ErrorAsync(cw, "PutMetricAlarm", AlarmForm("bad") + "&Unit=Percent", HttpStatusCode.BadRequest, "UnknownParameter");
        await ErrorAsync(cw, "PutMetricAlarm", "AlarmName=bad", HttpStatusCode.BadRequest, "MissingParameter");
        await ErrorAsync(cw, "SetAlarmState", "AlarmName=nope&StateValue=ALARM&StateReason=test", HttpStatusCode.NotFound, "ResourceNotFound");
        await ErrorAsync(cw, "SetAlarmState", "AlarmName=cpu-a&StateValue=RED&StateReason=test", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(cw, "DescribeAlarms", "MaxRecords=101", HttpStatusCode.BadRequest, "ValidationError");
        await ErrorAsync(cw, "DescribeAlarms", "NextToken=forged", HttpStatusCode.BadRequest, "InvalidNextToken");
        await ErrorAsync(cw, "DescribeAlarms", "AlarmTypes.member.1=CompositeAlarm", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(cw, "DeleteAlarms", "AlarmNames.member.1=cpu-b&AlarmNames.member.2=nope", HttpStatusCode.NotFound, "ResourceNotFound");
        await ErrorAsync(cw, "PutCompositeAlarm", "AlarmName=x&AlarmRule=ALARM(cpu-a)", HttpStatusCode.BadRequest, "InvalidAction");
        Assert.Equal(3, (await OkAsync(cw, "DescribeAlarms", "")).Element(Cw + "MetricAlarms")!.Elements(Cw + "member").Count());
        Assert.Null((await OkAsync(cw, "DescribeAlarms", "AlarmNames.member.1=bad")).Element(Cw + "MetricAlarms")!.Element(Cw + "member"));

        // State set by hand, actions switched, and the history tells it.
        await OkAsync(cw, "DisableAlarmActions", "AlarmNames.member.1=cpu-a");
        await OkAsync(cw, "SetAlarmState", "AlarmName=cpu-a&StateValue=ALARM&StateReason=testing+the+page");
        var set = Assert.Single((await OkAsync(cw, "DescribeAlarms", "StateValue=ALARM")).Element(Cw + "MetricAlarms")!.Elements(Cw + "member"));
        Assert.Equal("cpu-a", set.Element(Cw + "AlarmName")!.Value);
        Assert.Equal("testing the page", set.Element(Cw + "StateReason")!.Value);
        Assert.Equal("false", set.Element(Cw + "ActionsEnabled")!.Value);
        await OkAsync(cw, "EnableAlarmActions", "AlarmNames.member.1=cpu-a");
        var history = await OkAsync(cw, "DescribeAlarmHistory", "AlarmName=cpu-a&HistoryItemType=StateUpdate");
        Assert.Contains(history.Element(Cw + "AlarmHistoryItems")!.Elements(Cw + "member"),
            h => h.Element(Cw + "HistorySummary")!.Value.Contains("ALARM", StringComparison.Ordinal));

        // Statistics of an instance with no samples: a label and no datapoints; bad periods refused.
        var statistics = await OkAsync(cw, "GetMetricStatistics", "Namespace=AWS/EC2&MetricName=CPUUtilization&Dimensions.member.1.Name=InstanceId"
            + "&Dimensions.member.1.Value=i-0123456789abcdef0&StartTime=2026-12-01T00:00:00Z&EndTime=2026-12-01T01:00:00Z&Period=300"
            + "&Statistics.member.1=Average&Statistics.member.2=Maximum");
        Assert.Equal("CPUUtilization", statistics.Element(Cw + "Label")!.Value);
        Assert.Empty(statistics.Element(Cw + "Datapoints")!.Elements());
        await ErrorAsync(cw, "GetMetricStatistics", "Namespace=AWS/EC2&MetricName=CPUUtilization&Dimensions.member.1.Name=InstanceId"
            + "&Dimensions.member.1.Value=i-0123456789abcdef0&StartTime=2026-12-01T00:00:00Z&EndTime=2026-12-01T01:00:00Z&Period=7"
            + "&Statistics.member.1=Average", HttpStatusCode.BadRequest, "InvalidParameterValue");

        // Another account sees none of them.
        var other = await root.CreateAccountAsync("cw-query-other");
        using var otherCw = _app.SignedClient(other, "monitoring");
        Assert.Empty((await OkAsync(otherCw, "DescribeAlarms", "")).Element(Cw + "MetricAlarms")!.Elements());
        await ErrorAsync(otherCw, "DeleteAlarms", "AlarmNames.member.1=cpu-a", HttpStatusCode.NotFound, "ResourceNotFound");

        var deleted = await cw.PostAsync("/", Form("Action=DeleteAlarms&Version=2010-08-01&AlarmNames.member.1=cpu-a&AlarmNames.member.2=cpu-b"));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(Cw + "DeleteAlarmsResponse", XDocument.Parse(await deleted.Content.ReadAsStringAsync()).Root!.Name);
        Assert.Equal(["cpu-c"], (await OkAsync(cw, "DescribeAlarms", "")).Element(Cw + "MetricAlarms")!.Elements(Cw + "member")
            .Select(m => m.Element(Cw + "AlarmName")!.Value));
    }

    [Fact]
    public async Task Given_custom_metrics_When_put_listed_and_read_over_the_query_protocol_Then_the_statistics_are_CloudWatchs_bad_input_changes_nothing_and_another_account_sees_none()
    {
        using var root = _app.SignedClient(_app.RootCredentials);
        var tenant = await root.CreateAccountAsync("cw-custom");
        using var cw = _app.SignedClient(tenant, "monitoring");
        var now = DateTime.UtcNow;
        var minute = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc).AddMinutes(-10);
        string At(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        const string ApiProd = "Dimensions.member.1.Name=Service&Dimensions.member.1.Value=api&Dimensions.member.2.Name=Stage&Dimensions.member.2.Value=prod";

        // One metric (Service=api, Stage=prod, given in either order) by a value and by values with counts; another (Service=api) by a statistic set.
        await OkAsync(cw, "PutMetricData", "Namespace=Shop/Orders"
            + "&MetricData.member.1.MetricName=Latency&" + ApiProd.Replace("Dimensions.", "MetricData.member.1.Dimensions.", StringComparison.Ordinal)
            + $"&MetricData.member.1.Timestamp={At(minute)}&MetricData.member.1.Value=10&MetricData.member.1.Unit=Milliseconds"
            + "&MetricData.member.2.MetricName=Latency&MetricData.member.2.Dimensions.member.1.Name=Stage&MetricData.member.2.Dimensions.member.1.Value=prod"
            + "&MetricData.member.2.Dimensions.member.2.Name=Service&MetricData.member.2.Dimensions.member.2.Value=api"
            + $"&MetricData.member.2.Timestamp={At(minute.AddSeconds(10))}&MetricData.member.2.Values.member.1=20&MetricData.member.2.Values.member.2=40"
            + "&MetricData.member.2.Counts.member.1=1&MetricData.member.2.Counts.member.2=2&MetricData.member.2.Unit=Milliseconds"
            + "&MetricData.member.3.MetricName=Latency&MetricData.member.3.Dimensions.member.1.Name=Service&MetricData.member.3.Dimensions.member.1.Value=api"
            + $"&MetricData.member.3.Timestamp={At(minute)}&MetricData.member.3.StatisticValues.SampleCount=4&MetricData.member.3.StatisticValues.Sum=400"
            + "&MetricData.member.3.StatisticValues.Minimum=50&MetricData.member.3.StatisticValues.Maximum=150&MetricData.member.3.Unit=Milliseconds");
        var window = $"&StartTime={At(minute.AddMinutes(-5))}&EndTime={At(minute.AddMinutes(5))}&Period=60";
        var all = "&Statistics.member.1=Average&Statistics.member.2=SampleCount&Statistics.member.3=Sum&Statistics.member.4=Minimum&Statistics.member.5=Maximum";
        async Task<XElement?> Point(HttpClient client, string dimensions, string extra = "") =>
            (await OkAsync(client, "GetMetricStatistics", $"Namespace=Shop/Orders&MetricName=Latency&{dimensions}{window}{all}{extra}"))
                .Element(Cw + "Datapoints")!.Elements(Cw + "member").SingleOrDefault();
        double Of(XElement point, string statistic) => double.Parse(point.Element(Cw + statistic)!.Value, System.Globalization.CultureInfo.InvariantCulture);
        var point = await Point(cw, ApiProd);
        Assert.NotNull(point);
        Assert.Equal((4d, 110d, 10d, 40d, 27.5), (Of(point, "SampleCount"), Of(point, "Sum"), Of(point, "Minimum"), Of(point, "Maximum"), Of(point, "Average")));
        Assert.Equal("Milliseconds", point.Element(Cw + "Unit")!.Value);
        Assert.Equal(At(minute), point.Element(Cw + "Timestamp")!.Value);
        Assert.Null(await Point(cw, ApiProd, "&Unit=Seconds"));
        Assert.Equal(100d, Of((await Point(cw, "Dimensions.member.1.Name=Service&Dimensions.member.1.Value=api"))!, "Average"));
        Assert.Null(await Point(cw, "Dimensions.member.1.Name=Stage&Dimensions.member.1.Value=prod"));

        // Three minutes of another metric, to page GetMetricData by.
        await OkAsync(cw, "PutMetricData", "Namespace=Shop/Orders" + string.Concat(Enumerable.Range(1, 3).Select(i =>
            $"&MetricData.member.{i}.MetricName=Paged&MetricData.member.{i}.Timestamp={At(minute.AddMinutes(i - 1))}&MetricData.member.{i}.Value={i}")));

        // ListMetrics: the account's three metrics in name order, filtered by name and dimension.
        async Task<List<string>> Listed(HttpClient client, string form) => [.. (await OkAsync(client, "ListMetrics", form)).Element(Cw + "Metrics")!
            .Elements(Cw + "member").Select(m => m.Element(Cw + "MetricName")!.Value + ":" + string.Join(",", m.Element(Cw + "Dimensions")!.Elements(Cw + "member")
                .Select(d => d.Element(Cw + "Name")!.Value + "=" + d.Element(Cw + "Value")!.Value)))];
        Assert.Equal(["Latency:Service=api", "Latency:Service=api,Stage=prod", "Paged:"], await Listed(cw, "Namespace=Shop/Orders"));
        Assert.Equal(["Latency:Service=api,Stage=prod"], await Listed(cw, "Dimensions.member.1.Name=Stage"));
        Assert.Equal(["Latency:Service=api", "Latency:Service=api,Stage=prod"],
            await Listed(cw, "MetricName=Latency&Dimensions.member.1.Name=Service&Dimensions.member.1.Value=api"));
        Assert.Empty(await Listed(cw, "Dimensions.member.1.Name=Service&Dimensions.member.1.Value=web"));
        Assert.Empty(await Listed(cw, "Namespace=Shop/Other"));

        // GetMetricData: MetricStat queries by Id and Label, one not returned; newest first by default.
        var data = await OkAsync(cw, "GetMetricData", $"StartTime={At(minute.AddMinutes(-5))}&EndTime={At(minute.AddMinutes(5))}"
            + "&MetricDataQueries.member.1.Id=sum_all&MetricDataQueries.member.1.MetricStat.Metric.Namespace=Shop/Orders"
            + "&MetricDataQueries.member.1.MetricStat.Metric.MetricName=Latency&" + ApiProd.Replace("Dimensions.", "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.", StringComparison.Ordinal)
            + "&MetricDataQueries.member.1.MetricStat.Period=60&MetricDataQueries.member.1.MetricStat.Stat=Sum"
            + "&MetricDataQueries.member.2.Id=paged&MetricDataQueries.member.2.Label=by+minute&MetricDataQueries.member.2.MetricStat.Metric.Namespace=Shop/Orders"
            + "&MetricDataQueries.member.2.MetricStat.Metric.MetricName=Paged&MetricDataQueries.member.2.MetricStat.Period=60&MetricDataQueries.member.2.MetricStat.Stat=Maximum"
            + "&MetricDataQueries.member.3.Id=hidden&MetricDataQueries.member.3.ReturnData=false&MetricDataQueries.member.3.MetricStat.Metric.Namespace=Shop/Orders"
            + "&MetricDataQueries.member.3.MetricStat.Metric.MetricName=Paged&MetricDataQueries.member.3.MetricStat.Period=60&MetricDataQueries.member.3.MetricStat.Stat=Sum");
        var results = data.Element(Cw + "MetricDataResults")!.Elements(Cw + "member").ToList();
        Assert.Equal(["sum_all", "paged"], results.Select(r => r.Element(Cw + "Id")!.Value));
        Assert.Equal(["110"], results[0].Element(Cw + "Values")!.Elements(Cw + "member").Select(v => v.Value));
        Assert.Equal("Latency", results[0].Element(Cw + "Label")!.Value);
        Assert.Equal("by minute", results[1].Element(Cw + "Label")!.Value);
        Assert.Equal(["3", "2", "1"], results[1].Element(Cw + "Values")!.Elements(Cw + "member").Select(v => v.Value));
        Assert.Equal("Complete", results[1].Element(Cw + "StatusCode")!.Value);
        Assert.Null(data.Element(Cw + "NextToken"));

        // Two values a page, oldest first: two pages, each value once.
        var pagedQuery = $"StartTime={At(minute.AddMinutes(-5))}&EndTime={At(minute.AddMinutes(5))}&ScanBy=TimestampAscending&MaxDatapoints=2"
            + "&MetricDataQueries.member.1.Id=p&MetricDataQueries.member.1.MetricStat.Metric.Namespace=Shop/Orders"
            + "&MetricDataQueries.member.1.MetricStat.Metric.MetricName=Paged&MetricDataQueries.member.1.MetricStat.Period=60&MetricDataQueries.member.1.MetricStat.Stat=Sum";
        var first = await OkAsync(cw, "GetMetricData", pagedQuery);
        var firstResult = first.Element(Cw + "MetricDataResults")!.Element(Cw + "member")!;
        Assert.Equal(["1", "2"], firstResult.Element(Cw + "Values")!.Elements(Cw + "member").Select(v => v.Value));
        Assert.Equal([At(minute), At(minute.AddMinutes(1))], firstResult.Element(Cw + "Timestamps")!.Elements(Cw + "member").Select(v => v.Value));
        Assert.Equal("PartialData", firstResult.Element(Cw + "StatusCode")!.Value);
        var second = await OkAsync(cw, "GetMetricData", pagedQuery + "&NextToken=" + Uri.EscapeDataString(first.Element(Cw + "NextToken")!.Value));
        Assert.Equal(["3"], second.Element(Cw + "MetricDataResults")!.Element(Cw + "member")!.Element(Cw + "Values")!.Elements(Cw + "member").Select(v => v.Value));
        Assert.Null(second.Element(Cw + "NextToken"));

        // CloudWatch's errors; none of them stores anything.
        string Datum(string rest) => "Namespace=Shop/Orders&MetricData.member.1.MetricName=Latency&" + rest;
        await ErrorAsync(cw, "PutMetricData", "Namespace=AWS/EC2&MetricData.member.1.MetricName=CPUUtilization&MetricData.member.1.Value=1", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(cw, "PutMetricData", "Namespace=Shop/Orders", HttpStatusCode.BadRequest, "MissingParameter");
        await ErrorAsync(cw, "PutMetricData", Datum("MetricData.member.1.Unit=Milliseconds"), HttpStatusCode.BadRequest, "MissingParameter");
        await ErrorAsync(cw, "PutMetricData", Datum("MetricData.member.1.Value=1&MetricData.member.1.StatisticValues.SampleCount=1&MetricData.member.1.StatisticValues.Sum=1"
            + "&MetricData.member.1.StatisticValues.Minimum=1&MetricData.member.1.StatisticValues.Maximum=1"), HttpStatusCode.BadRequest, "InvalidParameterCombination");
        await ErrorAsync(cw, "PutMetricData", Datum("MetricData.member.1.StatisticValues.SampleCount=1&MetricData.member.1.StatisticValues.Minimum=1"
            + "&MetricData.member.1.StatisticValues.Maximum=1"), HttpStatusCode.BadRequest, "MissingParameter");
        await ErrorAsync(cw, "PutMetricData", Datum("MetricData.member.1.Values.member.1=1&MetricData.member.1.Values.member.2=2&MetricData.member.1.Counts.member.1=1"),
            HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(cw, "PutMetricData", Datum("MetricData.member.1.Value=NaN"), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(cw, "PutMetricData", Datum("MetricData.member.1.Value=1e200"), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(cw, "PutMetricData", Datum("MetricData.member.1.Value=1&MetricData.member.1.Unit=Parsecs"), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(cw, "PutMetricData", Datum($"MetricData.member.1.Value=1&MetricData.member.1.Timestamp={At(now.AddDays(-15))}"), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(cw, "PutMetricData", Datum($"MetricData.member.1.Value=1&MetricData.member.1.Timestamp={At(now.AddHours(3))}"), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(cw, "PutMetricData", Datum("MetricData.member.1.Value=1" + string.Concat(Enumerable.Range(1, 31).Select(i =>
            $"&MetricData.member.1.Dimensions.member.{i}.Name=d{i}&MetricData.member.1.Dimensions.member.{i}.Value=v"))), HttpStatusCode.BadRequest, "InvalidParameterValue");
        // A good entry beside a bad one: the request stores neither.
        await ErrorAsync(cw, "PutMetricData", "Namespace=Shop/Orders&MetricData.member.1.MetricName=Good&MetricData.member.1.Value=1"
            + "&MetricData.member.2.MetricName=Bad&MetricData.member.2.Value=1&MetricData.member.2.Unit=Parsecs", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(cw, "PutMetricData", Datum("MetricData.member.1.Value=1&MetricData.member.1.Bogus=1"), HttpStatusCode.BadRequest, "UnknownParameter");
        var query = $"StartTime={At(minute)}&EndTime={At(minute.AddMinutes(5))}&MetricDataQueries.member.1.Id=q&MetricDataQueries.member.1.MetricStat.Metric.Namespace=Shop/Orders"
            + "&MetricDataQueries.member.1.MetricStat.Metric.MetricName=Paged&MetricDataQueries.member.1.MetricStat.Period=60&MetricDataQueries.member.1.MetricStat.Stat=Sum";
        await ErrorAsync(cw, "GetMetricData", $"StartTime={At(minute)}&EndTime={At(minute.AddMinutes(5))}&MetricDataQueries.member.1.Id=e&MetricDataQueries.member.1.Expression=SUM(METRICS())",
            HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(cw, "GetMetricData", query.Replace("Id=q", "Id=Q1", StringComparison.Ordinal), HttpStatusCode.BadRequest, "ValidationError");
        await ErrorAsync(cw, "GetMetricData", query + "&ScanBy=Sideways", HttpStatusCode.BadRequest, "ValidationError");
        await ErrorAsync(cw, "GetMetricData", query + "&NextToken=forged", HttpStatusCode.BadRequest, "InvalidNextToken");
        await ErrorAsync(cw, "GetMetricData", query.Replace("Stat=Sum", "Stat=p99", StringComparison.Ordinal), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(cw, "GetMetricData", query.Replace("Period=60", "Period=30", StringComparison.Ordinal), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(cw, "ListMetrics", "NextToken=forged", HttpStatusCode.BadRequest, "InvalidNextToken");
        await ErrorAsync(cw, "ListMetrics", "RecentlyActive=PT3H", HttpStatusCode.BadRequest, "UnknownParameter");
        await ErrorAsync(cw, "GetMetricStatistics", $"Namespace=AWS/Custom&MetricName=Latency{window}{all}", HttpStatusCode.BadRequest, "InvalidParameterValue");
        Assert.Equal(["Latency:Service=api", "Latency:Service=api,Stage=prod", "Paged:"], await Listed(cw, ""));
        Assert.Equal(4d, Of((await Point(cw, ApiProd))!, "SampleCount"));

        // Another account: none of it, even by the same names.
        var other = await root.CreateAccountAsync("cw-custom-other");
        using var otherCw = _app.SignedClient(other, "monitoring");
        Assert.Empty(await Listed(otherCw, ""));
        Assert.Null(await Point(otherCw, ApiProd));
        var theirs = await OkAsync(otherCw, "GetMetricData", query);
        Assert.Empty(theirs.Element(Cw + "MetricDataResults")!.Element(Cw + "member")!.Element(Cw + "Values")!.Elements());
    }

    [Fact]
    public async Task Given_the_JSON_and_CBOR_protocols_When_CloudWatch_is_called_on_them_Then_the_query_actions_answer_typed_documents_and_errors_in_each_shape()
    {
        using var root = _app.SignedClient(_app.RootCredentials);
        var tenant = await root.CreateAccountAsync("cw-json");
        using var cw = _app.SignedClient(tenant, "monitoring");

        // JSON 1.0: an alarm put and described, its leaves typed as the model types them.
        var put = await JsonCallAsync(cw, "PutMetricAlarm", """
            {"AlarmName":"cpu-j","Namespace":"AWS/EC2","MetricName":"CPUUtilization","Dimensions":[{"Name":"InstanceId","Value":"i-0123456789abcdef0"}],
             "Statistic":"Average","Period":60,"EvaluationPeriods":2,"Threshold":80.5,"ComparisonOperator":"GreaterThanThreshold","AlarmActions":[]}
            """);
        Assert.Equal(HttpStatusCode.OK, put.Status);
        Assert.Equal(JsonValueKind.Object, put.Body.ValueKind);
        var described = await JsonCallAsync(cw, "DescribeAlarms", """{"AlarmNames":["cpu-j"],"MaxRecords":10}""");
        Assert.Equal(HttpStatusCode.OK, described.Status);
        var alarm = Assert.Single(described.Body.GetProperty("MetricAlarms").EnumerateArray());
        Assert.Equal(80.5, alarm.GetProperty("Threshold").GetDouble());
        Assert.Equal(60, alarm.GetProperty("Period").GetInt32());
        Assert.Equal(JsonValueKind.True, alarm.GetProperty("ActionsEnabled").ValueKind);
        Assert.Equal(JsonValueKind.Number, alarm.GetProperty("StateUpdatedTimestamp").ValueKind);
        Assert.InRange(alarm.GetProperty("StateUpdatedTimestamp").GetDouble(), DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds());
        Assert.Equal("i-0123456789abcdef0", alarm.GetProperty("Dimensions")[0].GetProperty("Value").GetString());
        Assert.Equal(0, alarm.GetProperty("AlarmActions").GetArrayLength());
        Assert.Equal(0, described.Body.GetProperty("CompositeAlarms").GetArrayLength());
        Assert.False(described.Body.TryGetProperty("NextToken", out _));

        // JSON errors: the query protocol's codes in __type and x-amzn-query-error, and nothing stored by them.
        await JsonErrorAsync(cw, "SetAlarmState", """{"AlarmName":"nope","StateValue":"ALARM","StateReason":"x"}""", HttpStatusCode.NotFound, "ResourceNotFound");
        await JsonErrorAsync(cw, "PutMetricAlarm", """{"AlarmName":"bad","Namespace":"AWS/EC2","MetricName":"CPUUtilization","Dimensions":[{"Name":"InstanceId","Value":"i-0123456789abcdef0"}],"Statistic":"Average","Period":60,"EvaluationPeriods":2,"Threshold":1,"ComparisonOperator":"Sideways"}""",
            HttpStatusCode.BadRequest, "InvalidParameterValue");
        await JsonErrorAsync(cw, "PutMetricAlarm", """{"AlarmName":"bad","Unit":"Percent"}""", HttpStatusCode.BadRequest, "UnknownParameter");
        await JsonErrorAsync(cw, "PutMetricAlarm", """{"AlarmName":"bad","Period":"sixty"}""", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await JsonErrorAsync(cw, "PutCompositeAlarm", "{}", HttpStatusCode.BadRequest, "UnknownOperationException");
        await JsonErrorAsync(cw, "DescribeAlarms", """{"AlarmNames":""", HttpStatusCode.BadRequest, "SerializationException");
        await JsonErrorAsync(cw, "DescribeAlarms", "[]", HttpStatusCode.BadRequest, "SerializationException");
        await JsonErrorAsync(cw, "DescribeAlarms", """{"AlarmNames.member.1":"cpu-j"}""", HttpStatusCode.BadRequest, "SerializationException");
        await JsonErrorAsync(cw, "DescribeAlarms", """{"AlarmNames":["a"],"AlarmNames":["b"]}""", HttpStatusCode.BadRequest, "SerializationException");
        await JsonErrorAsync(cw, "DescribeAlarms", """{"Action":"DeleteAlarms"}""", HttpStatusCode.BadRequest, "UnknownParameter");
        await JsonErrorAsync(cw, "DescribeAlarms", new string('[', 200) + new string(']', 200), HttpStatusCode.BadRequest, "SerializationException");
        using (var wrongPrefix = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent("{}", Encoding.UTF8) })
        {
            wrongPrefix.Content.Headers.ContentType = new("application/x-amz-json-1.0");
            wrongPrefix.Headers.Add("X-Amz-Target", "AmazonEC2.DescribeAlarms");
            var refused = await cw.SendAsync(wrongPrefix);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("UnknownOperationException", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("__type").GetString());
        }

        Assert.Equal(["cpu-j"], (await JsonCallAsync(cw, "DescribeAlarms", "{}")).Body.GetProperty("MetricAlarms").EnumerateArray()
            .Select(a => a.GetProperty("AlarmName").GetString()));

        // RPC v2 CBOR: custom data with a tag-1 timestamp, read back by GetMetricStatistics, GetMetricData and ListMetrics.
        var now = DateTime.UtcNow;
        var minute = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc).AddMinutes(-5);
        var dimensions = new object[] { new Dictionary<string, object?> { ["Name"] = "Service", ["Value"] = "api" } };
        var stored = await CborCallAsync(cw, "PutMetricData", new Dictionary<string, object?>
        {
            ["Namespace"] = "Shop/Cbor",
            ["MetricData"] = new object[]
            {
                new Dictionary<string, object?> { ["MetricName"] = "Latency", ["Dimensions"] = dimensions, ["Timestamp"] = minute, ["Value"] = 12.5, ["Unit"] = "Milliseconds" },
                new Dictionary<string, object?> { ["MetricName"] = "Latency", ["Dimensions"] = dimensions, ["Timestamp"] = minute.AddSeconds(5), ["Values"] = new object[] { 20, 30.0 },
                    ["Counts"] = new object[] { 1, 2 }, ["Unit"] = "Milliseconds" },
            },
        });
        Assert.Equal(HttpStatusCode.OK, stored.Status);
        var statistics = (Dictionary<string, object?>)(await CborCallAsync(cw, "GetMetricStatistics", new Dictionary<string, object?>
        {
            ["Namespace"] = "Shop/Cbor", ["MetricName"] = "Latency", ["Dimensions"] = dimensions, ["StartTime"] = minute.AddMinutes(-5), ["EndTime"] = minute.AddMinutes(5),
            ["Period"] = 60, ["Statistics"] = new object[] { "Sum", "SampleCount", "Maximum" },
        })).Body!;
        Assert.Equal("Latency", statistics["Label"]);
        var datapoint = (Dictionary<string, object?>)Assert.Single((List<object?>)statistics["Datapoints"]!)!;
        Assert.Equal((92.5, 4d, 30d), ((double)datapoint["Sum"]!, (double)datapoint["SampleCount"]!, (double)datapoint["Maximum"]!));
        Assert.Equal(minute, datapoint["Timestamp"]);
        Assert.Equal("Milliseconds", datapoint["Unit"]);
        var data = (Dictionary<string, object?>)(await CborCallAsync(cw, "GetMetricData", new Dictionary<string, object?>
        {
            ["StartTime"] = minute.AddMinutes(-5), ["EndTime"] = minute.AddMinutes(5),
            ["MetricDataQueries"] = new object[]
            {
                new Dictionary<string, object?>
                {
                    ["Id"] = "m1", ["ReturnData"] = true,
                    ["MetricStat"] = new Dictionary<string, object?>
                    {
                        ["Metric"] = new Dictionary<string, object?> { ["Namespace"] = "Shop/Cbor", ["MetricName"] = "Latency", ["Dimensions"] = dimensions },
                        ["Period"] = 60, ["Stat"] = "Average",
                    },
                },
            },
        })).Body!;
        var result = (Dictionary<string, object?>)Assert.Single((List<object?>)data["MetricDataResults"]!)!;
        Assert.Equal([23.125], ((List<object?>)result["Values"]!).Cast<double>());
        Assert.Equal([minute], ((List<object?>)result["Timestamps"]!).Cast<DateTime>());
        Assert.Equal("Complete", result["StatusCode"]);
        Assert.Empty((List<object?>)data["Messages"]!);
        var metrics = (List<object?>)((Dictionary<string, object?>)(await CborCallAsync(cw, "ListMetrics", new Dictionary<string, object?> { ["Namespace"] = "Shop/Cbor" })).Body!)["Metrics"]!;
        Assert.Equal("Latency", ((Dictionary<string, object?>)Assert.Single(metrics)!)["MetricName"]);

        // CBOR errors: __type and message in a CBOR map, the query code in x-amzn-query-error; nothing stored by them.
        await CborErrorAsync(cw, "PutMetricData", new Dictionary<string, object?>
        {
            ["Namespace"] = "Shop/Cbor",
            ["MetricData"] = new object[] { new Dictionary<string, object?> { ["MetricName"] = "Other", ["Value"] = 1, ["Unit"] = "Parsecs" } },
        }, HttpStatusCode.BadRequest, "InvalidParameterValue");
        await CborErrorAsync(cw, "DeleteAlarms", new Dictionary<string, object?> { ["AlarmNames"] = new object[] { "nope" } }, HttpStatusCode.NotFound, "ResourceNotFound");
        await CborErrorAsync(cw, "GetMetricWidgetImage", new Dictionary<string, object?>(), HttpStatusCode.BadRequest, "UnknownOperationException");
        await CborErrorAsync(cw, "DescribeAlarms", new byte[] { 0xa1, 0x6a }, HttpStatusCode.BadRequest, "SerializationException");
        await CborErrorAsync(cw, "DescribeAlarms", new byte[] { 0x80 }, HttpStatusCode.BadRequest, "SerializationException");
        await CborErrorAsync(cw, "DescribeAlarms", new Dictionary<string, object?> { ["AlarmNames"] = new byte[] { 1, 2 } }, HttpStatusCode.BadRequest, "SerializationException");
        Assert.Equal(["Latency"], ((List<object?>)((Dictionary<string, object?>)(await CborCallAsync(cw, "ListMetrics", new Dictionary<string, object?>())).Body!)["Metrics"]!)
            .Select(m => ((Dictionary<string, object?>)m!)["MetricName"]));
        Assert.Equal(["cpu-j"], (await JsonCallAsync(cw, "DescribeAlarms", "{}")).Body.GetProperty("MetricAlarms").EnumerateArray()
            .Select(a => a.GetProperty("AlarmName").GetString()));

        // A key the platform does not know is refused in the protocol's shape, as on the query protocol.
        using var stranger = _app.SignedClient(new TestCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", tenant.AccountId), "monitoring");
        await CborErrorAsync(stranger, "DescribeAlarms", new Dictionary<string, object?>(), HttpStatusCode.Forbidden, "InvalidClientTokenId");
        await JsonErrorAsync(stranger, "DescribeAlarms", "{}", HttpStatusCode.Forbidden, "InvalidClientTokenId");

        // Another account sees none of it, on either protocol.
        var other = await root.CreateAccountAsync("cw-json-other");
        using var otherCw = _app.SignedClient(other, "monitoring");
        Assert.Empty((List<object?>)((Dictionary<string, object?>)(await CborCallAsync(otherCw, "ListMetrics", new Dictionary<string, object?>())).Body!)["Metrics"]!);
        Assert.Equal(0, (await JsonCallAsync(otherCw, "DescribeAlarms", "{}")).Body.GetProperty("MetricAlarms").GetArrayLength());
        await JsonErrorAsync(otherCw, "DeleteAlarms", """{"AlarmNames":["cpu-j"]}""", HttpStatusCode.NotFound, "ResourceNotFound");
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> JsonSendAsync(HttpClient cw, string operation, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        request.Headers.Add("X-Amz-Target", "GraniteServiceVersion20100801." + operation);
        var response = await cw.SendAsync(request);
        Assert.Equal("application/x-amz-json-1.0", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.Contains("x-amzn-RequestId"), $"{operation}: no x-amzn-RequestId");
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone(), response);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> JsonCallAsync(HttpClient cw, string operation, string body)
    {
        var (status, document, _) = await JsonSendAsync(cw, operation, body);
        Assert.True(status == HttpStatusCode.OK, $"{operation}: {status} {document}");
        return (status, document);
    }

    private static async Task JsonErrorAsync(HttpClient cw, string operation, string body, HttpStatusCode status, string code)
    {
        var (answered, document, response) = await JsonSendAsync(cw, operation, body);
        Assert.True(answered == status, $"{operation} {body}: {answered} {document}");
        Assert.Equal(code, document.GetProperty("__type").GetString());
        Assert.NotEmpty(document.GetProperty("message").GetString()!);
        Assert.Equal($"{code};Sender", Assert.Single(response.Headers.GetValues("x-amzn-query-error")));
    }

    private static async Task<(HttpStatusCode Status, object? Body, HttpResponseMessage Response)> CborSendAsync(HttpClient cw, string operation, object body)
    {
        var bytes = body as byte[] ?? CborOf(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/service/GraniteServiceVersion20100801/operation/{operation}") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/cbor");
        request.Headers.Add("smithy-protocol", "rpc-v2-cbor");
        var response = await cw.SendAsync(request);
        Assert.Equal("application/cbor", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("rpc-v2-cbor", Assert.Single(response.Headers.GetValues("smithy-protocol")));
        var reader = new CborReader(await response.Content.ReadAsByteArrayAsync(), CborConformanceMode.Lax);
        var answer = FromCbor(reader);
        Assert.Equal(0, reader.BytesRemaining);
        return (response.StatusCode, answer, response);
    }

    private static async Task<(HttpStatusCode Status, object? Body)> CborCallAsync(HttpClient cw, string operation, object body)
    {
        var (status, answer, _) = await CborSendAsync(cw, operation, body);
        Assert.True(status == HttpStatusCode.OK, $"{operation}: {status} {JsonSerializer.Serialize(answer)}");
        return (status, answer);
    }

    private static async Task CborErrorAsync(HttpClient cw, string operation, object body, HttpStatusCode status, string code)
    {
        var (answered, answer, response) = await CborSendAsync(cw, operation, body);
        var error = (Dictionary<string, object?>)answer!;
        Assert.True(answered == status, $"{operation}: {answered} {JsonSerializer.Serialize(answer)}");
        Assert.Equal(code, error["__type"]);
        Assert.NotEmpty((string)error["message"]!);
        Assert.Equal($"{code};Sender", Assert.Single(response.Headers.GetValues("x-amzn-query-error")));
    }

    /// <summary>A document as botocore writes it: maps, arrays, text, integers, doubles, booleans, timestamps as tag 1 epoch seconds.</summary>
    private static byte[] CborOf(object value)
    {
        var writer = new CborWriter(CborConformanceMode.Lax);
        void Write(object? item)
        {
            switch (item)
            {
                case Dictionary<string, object?> map:
                    writer.WriteStartMap(map.Count);
                    foreach (var (key, member) in map)
                    {
                        writer.WriteTextString(key);
                        Write(member);
                    }

                    writer.WriteEndMap();
                    break;
                case byte[] bytes:
                    writer.WriteByteString(bytes);
                    break;
                case object[] list:
                    writer.WriteStartArray(list.Length);
                    foreach (var member in list)
                    {
                        Write(member);
                    }

                    writer.WriteEndArray();
                    break;
                case string text:
                    writer.WriteTextString(text);
                    break;
                case int number:
                    writer.WriteInt32(number);
                    break;
                case double number:
                    writer.WriteDouble(number);
                    break;
                case bool flag:
                    writer.WriteBoolean(flag);
                    break;
                case DateTime time:
                    writer.WriteTag(CborTag.UnixTimeSeconds);
                    writer.WriteInt64(new DateTimeOffset(time).ToUnixTimeSeconds());
                    break;
                default:
                    throw new ArgumentException($"No CBOR for {item}.");
            }
        }

        Write(value);
        return writer.Encode();
    }

    private static object? FromCbor(CborReader reader)
    {
        switch (reader.PeekState())
        {
            case CborReaderState.StartMap:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                reader.ReadStartMap();
                while (reader.PeekState() != CborReaderState.EndMap)
                {
                    map.Add(reader.ReadTextString(), FromCbor(reader));
                }

                reader.ReadEndMap();
                return map;
            case CborReaderState.StartArray:
                var list = new List<object?>();
                reader.ReadStartArray();
                while (reader.PeekState() != CborReaderState.EndArray)
                {
                    list.Add(FromCbor(reader));
                }

                reader.ReadEndArray();
                return list;
            case CborReaderState.Tag:
                Assert.Equal(CborTag.UnixTimeSeconds, reader.ReadTag());
                return DateTime.UnixEpoch.AddSeconds(reader.ReadDouble());
            case CborReaderState.TextString:
                return reader.ReadTextString();
            case CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger:
                return reader.ReadInt64();
            case CborReaderState.DoublePrecisionFloat or CborReaderState.SinglePrecisionFloat or CborReaderState.HalfPrecisionFloat:
                return reader.ReadDouble();
            case CborReaderState.Boolean:
                return reader.ReadBoolean();
            default:
                throw new InvalidOperationException($"Unexpected CBOR {reader.PeekState()}.");
        }
    }

    private static string AlarmForm(string name) =>
        $"AlarmName={name}&Namespace=AWS/EC2&MetricName=CPUUtilization&Dimensions.member.1.Name=InstanceId&Dimensions.member.1.Value=i-0123456789abcdef0"
        + "&Statistic=Average&Period=60&EvaluationPeriods=2&Threshold=80.5&ComparisonOperator=GreaterThanThreshold&TreatMissingData=missing";

    private static StringContent Form(string body) => new(body, Encoding.UTF8, "application/x-www-form-urlencoded");

    private static async Task<XElement> OkAsync(HttpClient cw, string action, string form)
    {
        var response = await cw.PostAsync("/", Form($"Action={action}&Version=2010-08-01" + (form.Length > 0 ? "&" + form : "")));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{action}: {response.StatusCode} {text}");
        var root = XDocument.Parse(text).Root!;
        Assert.Equal(Cw + (action + "Response"), root.Name);
        return root.Element(Cw + (action + "Result")) ?? new XElement(Cw + (action + "Result"));
    }

    private static async Task ErrorAsync(HttpClient cw, string action, string form, HttpStatusCode status, string code)
    {
        var response = await cw.PostAsync("/", Form($"Action={action}&Version=2010-08-01" + (form.Length > 0 ? "&" + form : "")));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{action} {form}: {response.StatusCode} {text}");
        var root = XDocument.Parse(text).Root!;
        Assert.Equal(Cw + "ErrorResponse", root.Name);
        Assert.Equal(code, root.Element(Cw + "Error")!.Element(Cw + "Code")!.Value);
    }
}
