using System.Diagnostics;
using System.Text.Json;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Rds;

/// <summary>
/// <c>aws rds</c> against the API as its own process over HTTPS with the platform CA, as a user runs it: Debian's awscli 2
/// makes a subnet group and a DB instance, describes it with a filter, meets RDS's errors and deletes it; pyenv's awscli 1
/// makes a parameter group, modifies and describes its parameters; awscli 2 then puts, describes, sets and deletes a
/// CloudWatch alarm (awscli 1.45 sends CloudWatch's smithy-rpc-v2-cbor, not served yet). One API process for both
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
    }

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
