using System.Diagnostics;
using System.Text.Json;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Rds;

/// <summary>
/// <c>aws rds</c> against the API as its own process over HTTPS with the platform CA, as a user runs it: Debian's awscli 2
/// makes a subnet group and a DB instance, describes it with a filter, meets RDS's errors and deletes it; pyenv's awscli 1
/// makes a parameter group, modifies and describes its parameters; awscli 2 then puts, describes, sets and deletes a
/// CloudWatch alarm on the query protocol, awscli 1.45 puts, lists and reads custom metrics and an alarm on the JSON 1.0
/// protocol its botocore 1.43 picks (X-Amz-Target), and boto3 1.43 runs the same CloudWatch calls on JSON 1.0 and, with its
/// model's protocols narrowed to Smithy RPC v2 CBOR (the next one botocore would choose), on CBOR. One API process for both
/// services, as the test time budget asks. No server is enrolled: the instance stays <c>creating</c>, which is all a CLI
/// tour needs (<see cref="RdsQueryProtocolTests"/> covers the guest's reports).
/// </summary>
public sealed class RdsAndCloudWatchCliTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("platform-rdsquery-").FullName;
    private ApiProcess _api = null!;

    public async Task InitializeAsync() => _api = await ApiProcess.StartAsync(Path.Combine(_work, "data"), new Dictionary<string, string>
    {
        ["Platform__AvailabilityZones__0"] = "us-east-1a",
        ["Platform__AvailabilityZones__1"] = "us-east-1b",
        // No jobs: the tour asserts set-alarm-state's state, which the alarm job's next evaluation (every 15 s, and a tour
        // of fourteen CLI calls outlasts that on a loaded machine) would replace with INSUFFICIENT_DATA, as on AWS.
        ["Jobs__ServerEnabled"] = "false",
    }, tls: true);

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Given_the_aws_CLIs_When_they_tour_RDS_and_CloudWatch_alarms_Then_they_print_what_AWS_would()
    {
        var root = _api.RootCredentials();
        using var native = new HttpClient(new SdkSigningHandler(root) { InnerHandler = _api.CreateHandler() }) { BaseAddress = _api.BaseAddress };
        var network = await TenantNetwork.CreateAsync(native, "10.62");
        const string v2 = AwsCli.Debian;

        var group = (await JsonAsync(v2, root, "rds", "create-db-subnet-group", "--db-subnet-group-name", "net", "--db-subnet-group-description", "tour",
            "--subnet-ids", network.SubnetA, network.SubnetB)).GetProperty("DBSubnetGroup");
        Assert.Equal(network.VpcId, group.GetProperty("VpcId").GetString());
        Assert.Equal(2, group.GetProperty("Subnets").GetArrayLength());

        var created = (await JsonAsync(v2, root, "rds", "create-db-instance", "--db-instance-identifier", "Orders", "--engine", "postgres",
            "--db-instance-class", "db.t3.micro", "--allocated-storage", "20", "--master-username", "app", "--master-user-password", "correct-horse-battery",
            "--db-subnet-group-name", "net", "--vpc-security-group-ids", network.DefaultGroupId, "--tags", "Key=team,Value=shop")).GetProperty("DBInstance");
        Assert.Equal("orders", created.GetProperty("DBInstanceIdentifier").GetString());
        Assert.Equal("creating", created.GetProperty("DBInstanceStatus").GetString());
        Assert.Equal(network.DefaultGroupId, created.GetProperty("VpcSecurityGroups")[0].GetProperty("VpcSecurityGroupId").GetString());
        Assert.Equal(20, created.GetProperty("AllocatedStorage").GetInt32());

        var described = await JsonAsync(v2, root, "rds", "describe-db-instances", "--filters", "Name=engine,Values=postgres",
            "--query", "DBInstances[].[DBInstanceIdentifier,Engine,TagList[0].Value,DBSubnetGroup.VpcId,DBInstanceArn]");
        Assert.Equal($"""[["orders","postgres","shop","{network.VpcId}","arn:aws:rds:us-east-1:{root.AccountId}:db:orders"]]""",
            described.GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));

        await FailsAsync(v2, root, "DBInstanceAlreadyExists", "CreateDBInstance", "rds", "create-db-instance", "--db-instance-identifier", "orders",
            "--engine", "postgres", "--db-instance-class", "db.t3.micro", "--allocated-storage", "20", "--master-username", "app",
            "--master-user-password", "correct-horse-battery", "--db-subnet-group-name", "net");
        await FailsAsync(v2, root, "DBInstanceNotFound", "DescribeDBInstances", "rds", "describe-db-instances", "--db-instance-identifier", "nothing");
        var backups = await JsonAsync(v2, root, "rds", "describe-db-instance-automated-backups", "--db-instance-identifier", "orders",
            "--query", "DBInstanceAutomatedBackups[].[DBInstanceIdentifier,Status,BackupRetentionPeriod,Encrypted]");
        Assert.Equal("""[["orders","active",1,true]]""", backups.GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));

        var deleted = (await JsonAsync(v2, root, "rds", "delete-db-instance", "--db-instance-identifier", "orders", "--skip-final-snapshot")).GetProperty("DBInstance");
        Assert.Equal("deleting", deleted.GetProperty("DBInstanceStatus").GetString());

        // awscli 1: parameter groups.
        const string v1 = AwsCli.Pyenv;
        var parameterGroup = (await JsonAsync(v1, root, "rds", "create-db-parameter-group", "--db-parameter-group-name", "tuned",
            "--db-parameter-group-family", "postgres15", "--description", "tour")).GetProperty("DBParameterGroup");
        Assert.Equal($"arn:aws:rds:us-east-1:{root.AccountId}:pg:tuned", parameterGroup.GetProperty("DBParameterGroupArn").GetString());
        await JsonAsync(v1, root, "rds", "modify-db-parameter-group", "--db-parameter-group-name", "tuned",
            "--parameters", "ParameterName=work_mem,ParameterValue=8192,ApplyMethod=immediate");
        var user = await JsonAsync(v1, root, "rds", "describe-db-parameters", "--db-parameter-group-name", "tuned", "--source", "user",
            "--query", "Parameters[].[ParameterName,ParameterValue]");
        Assert.Equal("""[["work_mem","8192"]]""", user.GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));

        // awscli 2: a CloudWatch alarm.
        await JsonAsync(v2, root, "cloudwatch", "put-metric-alarm", "--alarm-name", "cpu-high", "--namespace", "AWS/EC2", "--metric-name", "CPUUtilization",
            "--dimensions", "Name=InstanceId,Value=i-0123456789abcdef0", "--statistic", "Average", "--period", "60", "--evaluation-periods", "2",
            "--threshold", "80", "--comparison-operator", "GreaterThanThreshold");
        await JsonAsync(v2, root, "cloudwatch", "set-alarm-state", "--alarm-name", "cpu-high", "--state-value", "ALARM", "--state-reason", "by hand");
        var alarms = await JsonAsync(v2, root, "cloudwatch", "describe-alarms", "--alarm-names", "cpu-high",
            "--query", "MetricAlarms[].[AlarmName,StateValue,StateReason,Threshold,Dimensions[0].Value]");
        Assert.Equal("""[["cpu-high","ALARM","byhand",80.0,"i-0123456789abcdef0"]]""",
            alarms.GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));
        await FailsAsync(v2, root, "ResourceNotFound", "SetAlarmState", "cloudwatch", "set-alarm-state", "--alarm-name", "nothing", "--state-value", "OK",
            "--state-reason", "by hand");
        Assert.Equal(JsonValueKind.Undefined, (await JsonAsync(v2, root, "cloudwatch", "delete-alarms", "--alarm-names", "cpu-high")).ValueKind);

        // awscli 1.45: CloudWatch on JSON 1.0, the first of the model's protocols (smithy-rpc-v2-cbor, json, query) botocore takes.
        var now = DateTime.UtcNow;
        string At(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        await JsonAsync(v1, root, "cloudwatch", "put-metric-data", "--namespace", "Shop/Orders", "--metric-name", "Latency", "--dimensions", "Service=api",
            "--value", "12.5", "--unit", "Milliseconds", "--timestamp", At(now.AddMinutes(-2)));
        var metrics = await JsonAsync(v1, root, "cloudwatch", "list-metrics", "--namespace", "Shop/Orders", "--query", "Metrics[].[MetricName,Dimensions[0].Name,Dimensions[0].Value]");
        Assert.Equal("""[["Latency","Service","api"]]""", metrics.GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));
        var statistics = await JsonAsync(v1, root, "cloudwatch", "get-metric-statistics", "--namespace", "Shop/Orders", "--metric-name", "Latency",
            "--dimensions", "Name=Service,Value=api", "--start-time", At(now.AddMinutes(-10)), "--end-time", At(now.AddMinutes(5)), "--period", "60",
            "--statistics", "Sum", "SampleCount", "--query", "Datapoints[].[Sum,SampleCount,Unit]");
        Assert.Equal("""[[12.5,1.0,"Milliseconds"]]""", statistics.GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));
        await JsonAsync(v1, root, "cloudwatch", "put-metric-alarm", "--alarm-name", "slow", "--namespace", "Shop/Orders", "--metric-name", "Latency",
            "--dimensions", "Name=Service,Value=api", "--statistic", "Maximum", "--period", "60", "--evaluation-periods", "1", "--threshold", "100",
            "--comparison-operator", "GreaterThanThreshold");
        var slow = await JsonAsync(v1, root, "cloudwatch", "describe-alarms", "--alarm-names", "slow",
            "--query", "MetricAlarms[].[AlarmName,Namespace,Threshold,Period,ActionsEnabled,StateValue]");
        Assert.Equal("""[["slow","Shop/Orders",100.0,60,true,"INSUFFICIENT_DATA"]]""",
            slow.GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));
        await FailsAsync(v1, root, "ResourceNotFound", "DeleteAlarms", "cloudwatch", "delete-alarms", "--alarm-names", "nothing");
        await FailsAsync(v1, root, "InvalidParameterValue", "PutMetricData", "cloudwatch", "put-metric-data", "--namespace", "AWS/EC2", "--metric-name", "CPUUtilization",
            "--value", "1");

        // boto3 1.43: the same calls on JSON 1.0 (its choice) and on CBOR (its model's protocols narrowed to it).
        var boto = await Boto3.RunAsync(_api, _work, """
            import datetime, tempfile
            import botocore.session
            def cloudwatch(protocol):
                session = botocore.session.get_session()
                if protocol:
                    loader = session.get_component("data_loader")
                    model = loader.load_service_model("cloudwatch", "service-2")
                    model["metadata"]["protocol"] = protocol
                    model["metadata"]["protocols"] = [protocol]
                    folder = tempfile.mkdtemp()
                    os.makedirs(os.path.join(folder, "cloudwatch", "2010-08-01"))
                    with open(os.path.join(folder, "cloudwatch", "2010-08-01", "service-2.json"), "w") as f:
                        json.dump(model, f)
                    session = botocore.session.get_session()
                    session.get_component("data_loader").search_paths.insert(0, folder)
                return boto3.Session(botocore_session=session).client("cloudwatch", endpoint_url=os.environ["PLATFORM_API"], region_name="us-east-1",
                    aws_access_key_id=os.environ["PLATFORM_KEY"], aws_secret_access_key=os.environ["PLATFORM_SECRET"], config=Config(retries={"max_attempts": 1}))
            now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0) - datetime.timedelta(minutes=2)
            out = {}
            for tag, protocol in (("json", None), ("cbor", "smithy-rpc-v2-cbor")):
                cw = cloudwatch(protocol)
                namespace = "Boto/" + tag
                cw.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "Hits", "Timestamp": now, "Value": 3.0, "Unit": "Count"},
                    {"MetricName": "Hits", "Timestamp": now + datetime.timedelta(seconds=10), "Values": [1.0, 2.0], "Counts": [1.0, 3.0], "Unit": "Count"}])
                for name in ("hits-" + tag, "hits-" + tag + "-2"):
                    cw.put_metric_alarm(AlarmName=name, Namespace=namespace, MetricName="Hits", Statistic="Sum", Period=60, EvaluationPeriods=1,
                        Threshold=10, ComparisonOperator="GreaterThanThreshold")
                cw.set_alarm_state(AlarmName="hits-" + tag, StateValue="ALARM", StateReason="by " + tag)
                alarm = cw.describe_alarms(AlarmNames=["hits-" + tag])["MetricAlarms"][0]
                window = dict(StartTime=now - datetime.timedelta(minutes=5), EndTime=now + datetime.timedelta(minutes=5))
                points = cw.get_metric_statistics(Namespace=namespace, MetricName="Hits", Period=60, Statistics=["Sum", "SampleCount"], **window)["Datapoints"]
                data = cw.get_metric_data(MetricDataQueries=[{"Id": "h", "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": "Hits"}, "Period": 60, "Stat": "Maximum"}}],
                    **window)["MetricDataResults"]
                out[tag] = {
                    "protocol": cw.meta.service_model.resolved_protocol,
                    "alarm": [alarm["AlarmName"], alarm["Threshold"], alarm["Period"], alarm["ActionsEnabled"], alarm["StateValue"], alarm["StateReason"],
                              abs((alarm["StateUpdatedTimestamp"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 600],
                    "paged": [a["AlarmName"] for page in cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix="hits-" + tag, PaginationConfig={"PageSize": 1})
                              for a in page["MetricAlarms"]],
                    "history": [isinstance(h["Timestamp"], datetime.datetime) for h in cw.describe_alarm_history(AlarmName="hits-" + tag,
                                HistoryItemType="StateUpdate")["AlarmHistoryItems"] if "to ALARM" in h["HistorySummary"]],
                    "statistics": [[p["Sum"], p["SampleCount"], p["Timestamp"] == now] for p in points],
                    "data": [[r["Id"], r["Values"], [t == now for t in r["Timestamps"]], r["StatusCode"]] for r in data],
                    "metrics": [m["MetricName"] for m in cw.list_metrics(Namespace=namespace)["Metrics"]],
                    "missing": code_of(lambda: cw.delete_alarms(AlarmNames=["nothing"])),
                    "invalid": code_of(lambda: cw.put_metric_data(Namespace="AWS/EC2", MetricData=[{"MetricName": "CPUUtilization", "Value": 1.0}])),
                    "unsupported": code_of(lambda: cw.put_composite_alarm(AlarmName="c", AlarmRule="ALARM(x)")),
                }
                cw.disable_alarm_actions(AlarmNames=["hits-" + tag])
                out[tag]["disabled"] = cw.describe_alarms(AlarmNames=["hits-" + tag])["MetricAlarms"][0]["ActionsEnabled"]
                cw.delete_alarms(AlarmNames=["hits-" + tag, "hits-" + tag + "-2"])
                out[tag]["left"] = len(cw.describe_alarms(AlarmNamePrefix="hits-" + tag)["MetricAlarms"])
            print(json.dumps(out))
            """);
        foreach (var (tag, protocol) in new[] { ("json", "json"), ("cbor", "smithy-rpc-v2-cbor") })
        {
            var seen = boto.GetProperty(tag);
            Assert.Equal(protocol, seen.GetProperty("protocol").GetString());
            Assert.Equal($"""["hits-{tag}",10.0,60,true,"ALARM","by{tag}",true]""", Compact(seen.GetProperty("alarm")));
            Assert.Equal($"""["hits-{tag}","hits-{tag}-2"]""", Compact(seen.GetProperty("paged")));
            Assert.Equal("[true]", Compact(seen.GetProperty("history")));
            Assert.Equal("[[10.0,5.0,true]]", Compact(seen.GetProperty("statistics")));
            Assert.Equal("""[["h",[3.0],[true],"Complete"]]""", Compact(seen.GetProperty("data")));
            Assert.Equal("""["Hits"]""", Compact(seen.GetProperty("metrics")));
            Assert.Equal("404 ResourceNotFound", seen.GetProperty("missing").GetString());
            Assert.Equal("400 InvalidParameterValue", seen.GetProperty("invalid").GetString());
            Assert.Equal("400 UnknownOperationException", seen.GetProperty("unsupported").GetString());
            Assert.False(seen.GetProperty("disabled").GetBoolean());
            Assert.Equal(0, seen.GetProperty("left").GetInt32());
        }
    }

    private static string Compact(JsonElement element) =>
        element.GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);

    private async Task<(int Exit, string Output, string Error)> CliAsync(string cli, TestCredentials credentials, IEnumerable<string> arguments)
    {
        Assert.True(File.Exists(cli), $"{cli} is missing");
        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _work };
        foreach (var argument in (string[])["--endpoint-url", _api.BaseAddress.ToString().TrimEnd('/'), "--ca-bundle", _api.CaCertificatePath!, "--output", "json",
                     .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = credentials.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = credentials.SecretAccessKey;
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_CONFIG_FILE"] = Path.Combine(_work, "no-config");
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_work, "no-credentials");
        start.Environment["AWS_PAGER"] = "";
        start.Environment["AWS_MAX_ATTEMPTS"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private async Task<JsonElement> JsonAsync(string cli, TestCredentials credentials, params string[] arguments)
    {
        var (exit, output, error) = await CliAsync(cli, credentials, arguments);
        Assert.True(exit == 0, $"aws {string.Join(' ', arguments)} exited {exit}: {error}");
        return string.IsNullOrWhiteSpace(output) ? default : JsonDocument.Parse(output).RootElement.Clone();
    }

    private async Task FailsAsync(string cli, TestCredentials credentials, string code, string operation, params string[] arguments)
    {
        var (exit, _, error) = await CliAsync(cli, credentials, arguments);
        Assert.True(exit != 0, $"aws {string.Join(' ', arguments)} succeeded");
        Assert.Contains($"An error occurred ({code}) when calling the {operation} operation", error, StringComparison.Ordinal);
    }
}
