using System.Net;
using System.Text;
using System.Xml.Linq;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.CloudWatch;

/// <summary>
/// CloudWatch's alarms and statistics on AWS's query protocol (<c>POST /</c> signed for <c>monitoring</c>, botocore's
/// 2010-08-01 names, as awscli 2.9 sends them) in-process: PutMetricAlarm, DescribeAlarms with its paging, SetAlarmState,
/// Disable/EnableAlarmActions, DescribeAlarmHistory, GetMetricStatistics and DeleteAlarms, the XML CloudWatch answers with
/// and its errors, each refusal changing nothing, another account seeing nothing.
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
        await ErrorAsync(cw, "PutMetricData", "Namespace=Custom&MetricData.member.1.MetricName=x&MetricData.member.1.Value=1", HttpStatusCode.BadRequest, "InvalidAction");
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
