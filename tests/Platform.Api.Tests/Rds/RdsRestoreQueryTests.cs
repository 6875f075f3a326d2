using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Mediator;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Protocol;
using Platform.Modules.Database.Contracts;

namespace Platform.Api.Tests.Rds;

/// <summary>
/// RestoreDBInstanceFromDBSnapshot on RDS's query protocol: its parameters as botocore writes them, its errors (each
/// changing nothing), the snapshot's tags taken when the call gives none, another account refused; and Debian's awscli 2
/// running <c>aws rds restore-db-instance-from-db-snapshot</c> and its <c>db-instance-available</c> waiter against the API
/// on a real port (Kestrel in this process), the test speaking for the guests with their reports as RdsQueryProtocolTests does.
/// </summary>
public sealed class RdsRestoreQueryTests : IAsyncLifetime, IDisposable
{
    private static readonly XNamespace Rds = "http://rds.amazonaws.com/doc/2014-10-31/";

    private readonly string _work = Directory.CreateTempSubdirectory("platform-rdsrestore-").FullName;

    private readonly PlatformApp _app = new(runJobs: false, settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Platform:AvailabilityZones:1"] = "us-east-1b",
        ["Rds:StorageQuotaGiB"] = "40",
    });

    private TestCredentials _root = null!;
    private string _endpoint = "";

    public Task InitializeAsync()
    {
        _app.UseKestrel(ApiProcess.FreePort());
        _app.StartServer();
        _endpoint = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(_app.DataDirectory, "root-credentials.json")));
        var root = document.RootElement;
        _root = new TestCredentials(root.GetProperty("access_key_id").GetString()!, root.GetProperty("secret_access_key").GetString()!,
            root.GetProperty("account_id").GetString()!);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_work, recursive: true);
            Directory.Delete(_app.DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Given_an_available_snapshot_When_restored_on_the_query_protocol_Then_a_new_instance_is_made_with_RDS_s_parameters_and_errors()
    {
        using var root = Client(_root);
        var tenant = await root.CreateAccountAsync("restore-query");
        using var native = Client(tenant);
        using var rds = Client(tenant, "rds");
        var (network, resourceId) = await SnapshotReadyAsync(native, "10.71", "orders", "nightly", "[{\"key\":\"team\",\"value\":\"shop\"}]");

        // RDS's errors, each in its ErrorResponse, and no instance made by any of them.
        await ErrorAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=copy&DBSnapshotIdentifier=nothing&DBSubnetGroupName=net",
            HttpStatusCode.NotFound, "DBSnapshotNotFound");
        await ErrorAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=orders&DBSnapshotIdentifier=nightly&DBSubnetGroupName=net",
            HttpStatusCode.BadRequest, "DBInstanceAlreadyExists");
        await ErrorAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=copy&DBSubnetGroupName=net", HttpStatusCode.BadRequest, "MissingParameter");
        await ErrorAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBSnapshotIdentifier=nightly&DBSubnetGroupName=net", HttpStatusCode.BadRequest, "MissingParameter");
        await ErrorAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=bad--name&DBSnapshotIdentifier=nightly&DBSubnetGroupName=net",
            HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=copy&DBSnapshotIdentifier=nightly&DBSubnetGroupName=net&DBInstanceClass=db.x9.huge",
            HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=copy&DBSnapshotIdentifier=nightly&DBSubnetGroupName=none",
            HttpStatusCode.NotFound, "DBSubnetGroupNotFoundFault");
        await ErrorAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=copy&DBSnapshotIdentifier=nightly&DBSubnetGroupName=net&MultiAZ=true&PubliclyAccessible=true",
            HttpStatusCode.BadRequest, "InvalidParameterCombination");
        await ErrorAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=copy&DBSnapshotIdentifier=nightly&DBSubnetGroupName=net&Iops=1000",
            HttpStatusCode.BadRequest, "UnknownParameter");
        await ErrorAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=copy&DBSnapshotIdentifier=nightly&DBSubnetGroupName=net"
            + "&VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-0123456789abcdef0", HttpStatusCode.BadRequest, "InvalidParameterValue");
        // MultiAZ makes the restored instance a pair, as CreateDBInstance does (no server is enrolled here: its guests wait for the guest job).
        var pair = (await OkAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=pair&DBSnapshotIdentifier=nightly&DBSubnetGroupName=net&MultiAZ=true"))
            .Element(Rds + "DBInstance")!;
        Assert.Equal("true", pair.Element(Rds + "MultiAZ")!.Value);
        await OkAsync(rds, "DeleteDBInstance", "DBInstanceIdentifier=pair&SkipFinalSnapshot=true");

        // A snapshot still being taken is not restorable.
        await OkAsync(rds, "CreateDBSnapshot", "DBSnapshotIdentifier=later&DBInstanceIdentifier=orders");
        await ErrorAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=copy&DBSnapshotIdentifier=later&DBSubnetGroupName=net",
            HttpStatusCode.BadRequest, "InvalidDBSnapshotState");

        // Another account learns nothing of the snapshot.
        var other = await root.CreateAccountAsync("restore-query-other");
        using var otherNative = Client(other);
        using var otherRds = Client(other, "rds");
        var otherNetwork = await TenantNetwork.CreateAsync(otherNative, "10.72");
        await OkAsync(otherRds, "CreateDBSubnetGroup", $"DBSubnetGroupName=net&DBSubnetGroupDescription=x&SubnetIds.SubnetIdentifier.1={otherNetwork.SubnetA}"
            + $"&SubnetIds.SubnetIdentifier.2={otherNetwork.SubnetB}");
        await ErrorAsync(otherRds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=copy&DBSnapshotIdentifier=nightly&DBSubnetGroupName=net",
            HttpStatusCode.NotFound, "DBSnapshotNotFound");
        Assert.Empty((await OkAsync(otherRds, "DescribeDBInstances", "")).Element(Rds + "DBInstances")!.Elements());
        Assert.Equal(["orders"], (await OkAsync(rds, "DescribeDBInstances", "")).Element(Rds + "DBInstances")!.Elements(Rds + "DBInstance")
            .Select(i => i.Element(Rds + "DBInstanceIdentifier")!.Value));

        // Tags given replace the snapshot's.
        var tagged = (await OkAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=tagged&DBSnapshotIdentifier=nightly&DBSubnetGroupName=net"
            + "&Tags.Tag.1.Key=env&Tags.Tag.1.Value=test")).Element(Rds + "DBInstance")!;
        Assert.Equal([("env", "test")], Tags(tagged));
        await OkAsync(rds, "DeleteDBInstance", "DBInstanceIdentifier=tagged&SkipFinalSnapshot=true");

        // The restore: the snapshot's storage, engine and user; the class, port, groups and protection asked for; the snapshot's tags.
        var restored = (await OkAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=Orders-Copy&DBSnapshotIdentifier=nightly&DBSubnetGroupName=net"
            + $"&DBInstanceClass=db.t3.small&Port=5433&VpcSecurityGroupIds.VpcSecurityGroupId.1={network.DefaultGroupId}&DeletionProtection=true&PubliclyAccessible=false"))
            .Element(Rds + "DBInstance")!;
        Assert.Equal("orders-copy", restored.Element(Rds + "DBInstanceIdentifier")!.Value);
        Assert.Equal("creating", restored.Element(Rds + "DBInstanceStatus")!.Value);
        Assert.Equal("db.t3.small", restored.Element(Rds + "DBInstanceClass")!.Value);
        Assert.Equal("20", restored.Element(Rds + "AllocatedStorage")!.Value);
        Assert.Equal("app", restored.Element(Rds + "MasterUsername")!.Value);
        Assert.Equal("5433", restored.Element(Rds + "DbInstancePort")!.Value);
        Assert.Equal("true", restored.Element(Rds + "DeletionProtection")!.Value);
        Assert.Equal("false", restored.Element(Rds + "MultiAZ")!.Value);
        Assert.Equal(network.DefaultGroupId, restored.Element(Rds + "VpcSecurityGroups")!.Element(Rds + "VpcSecurityGroupMembership")!.Element(Rds + "VpcSecurityGroupId")!.Value);
        Assert.Equal($"arn:aws:rds:us-east-1:{tenant.AccountId}:db:orders-copy", restored.Element(Rds + "DBInstanceArn")!.Value);
        Assert.Equal([("team", "shop")], Tags(restored));
        var copyId = restored.Element(Rds + "DbiResourceId")!.Value;
        Assert.NotEqual(resourceId, copyId);
        var restore = (await DesiredAsync(copyId)).Restore!;
        Assert.Equal(("20261205-130000F", resourceId), (restore.BackupLabel, restore.SourceResourceId));
        await ErrorAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=orders-copy&DBSnapshotIdentifier=nightly&DBSubnetGroupName=net",
            HttpStatusCode.BadRequest, "DBInstanceAlreadyExists");
        // The storage quota (40 GiB) holds the two 20 GiB instances and no third.
        await ErrorAsync(rds, "RestoreDBInstanceFromDBSnapshot", "DBInstanceIdentifier=third&DBSnapshotIdentifier=nightly&DBSubnetGroupName=net",
            HttpStatusCode.BadRequest, "StorageQuotaExceeded");
        // The protection asked for holds.
        await ErrorAsync(rds, "DeleteDBInstance", "DBInstanceIdentifier=orders-copy&SkipFinalSnapshot=true", HttpStatusCode.BadRequest, "InvalidParameterCombination");
    }

    [Fact]
    public async Task Given_the_aws_CLI_When_it_restores_a_snapshot_and_waits_Then_the_waiter_returns_once_the_instance_is_available_and_fails_on_a_deleted_one()
    {
        using var root = Client(_root);
        var tenant = await root.CreateAccountAsync("restore-cli");
        using var native = Client(tenant);
        await SnapshotReadyAsync(native, "10.73", "orders", "nightly", "null");
        const string cli = AwsCli.Debian;

        var restored = (await JsonAsync(cli, tenant, "rds", "restore-db-instance-from-db-snapshot", "--db-instance-identifier", "restored",
            "--db-snapshot-identifier", "nightly", "--db-subnet-group-name", "net", "--db-instance-class", "db.t3.micro", "--no-publicly-accessible",
            "--no-multi-az", "--tags", "Key=from,Value=cli")).GetProperty("DBInstance");
        Assert.Equal("restored", restored.GetProperty("DBInstanceIdentifier").GetString());
        Assert.Equal("creating", restored.GetProperty("DBInstanceStatus").GetString());
        Assert.Equal(20, restored.GetProperty("AllocatedStorage").GetInt32());
        Assert.Equal("cli", restored.GetProperty("TagList")[0].GetProperty("Value").GetString());
        var resourceId = restored.GetProperty("DbiResourceId").GetString()!;
        var error = await FailsAsync(cli, tenant, "DBSnapshotNotFound", "RestoreDBInstanceFromDBSnapshot", "rds", "restore-db-instance-from-db-snapshot",
            "--db-instance-identifier", "other", "--db-snapshot-identifier", "nothing", "--db-subnet-group-name", "net");
        Assert.Contains("nothing", error, StringComparison.Ordinal);

        // The waiter polls DescribeDBInstances (every 30 s, as botocore's model says) while the guest comes up; it returns once it is available.
        var waiter = CliAsync(cli, tenant, ["rds", "wait", "db-instance-available", "--db-instance-identifier", "restored"]);
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.False(waiter.IsCompleted, "the waiter returned while the instance was creating");
        // Up, then its first full backup (a restored instance's window starts there): backing-up until the guest reports it taken.
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1));
        Assert.Equal("backing-up", (await (await native.GetAsync("/api/v1/rds/db-instances/restored")).AssertOkAsync()).GetProperty("db_instance_status").GetString());
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(waiter.IsCompleted, "the waiter returned while the instance was backing up");
        var backup = Assert.Single((await DesiredAsync(resourceId)).Operations!, o => o.Kind == DatabaseOperationKind.FullBackup);
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1,
            Operations: [new DatabaseOperationResult(backup.OperationId, Succeeded: true, BackupLabel: "20261206-100000F")]));
        var (exit, _, waited) = await waiter;
        Assert.True(exit == 0, $"the waiter exited {exit}: {waited}");
        var status = await JsonAsync(cli, tenant, "rds", "describe-db-instances", "--db-instance-identifier", "restored", "--query", "DBInstances[0].DBInstanceStatus");
        Assert.Equal("available", status.GetString());

        // Tags after creation, by the instance's ARN.
        var arn = restored.GetProperty("DBInstanceArn").GetString()!;
        await JsonAsync(cli, tenant, "rds", "add-tags-to-resource", "--resource-name", arn, "--tags", "Key=owner,Value=ana");
        await JsonAsync(cli, tenant, "rds", "remove-tags-from-resource", "--resource-name", arn, "--tag-keys", "from");
        var tags = await JsonAsync(cli, tenant, "rds", "list-tags-for-resource", "--resource-name", arn, "--query", "TagList[].[Key,Value]");
        Assert.Equal("""[["owner","ana"]]""", tags.GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));
        await FailsAsync(cli, tenant, "DBInstanceNotFound", "ListTagsForResource", "rds", "list-tags-for-resource", "--resource-name", arn + "-nothing");

        // A deleting instance is the waiter's failure state: it stops at once.
        await JsonAsync(cli, tenant, "rds", "delete-db-instance", "--db-instance-identifier", "restored", "--skip-final-snapshot");
        var (failedExit, _, failed) = await CliAsync(cli, tenant, ["rds", "wait", "db-instance-available", "--db-instance-identifier", "restored"]);
        Assert.NotEqual(0, failedExit);
        Assert.Contains("Waiter DBInstanceAvailable failed", failed, StringComparison.Ordinal);
    }

    /// <summary>A subnet group <c>net</c>, an instance made available, and a manual snapshot of it the guest reports taken.</summary>
    private async Task<(TenantNetwork Network, string ResourceId)> SnapshotReadyAsync(HttpClient native, string cidrPrefix, string instance, string snapshot, string tagsJson)
    {
        var network = await TenantNetwork.CreateAsync(native, cidrPrefix);
        await (await native.PostJsonAsync("/api/v1/rds/db-subnet-groups", new
        {
            db_subnet_group_name = "net", db_subnet_group_description = "restore", subnet_ids = new[] { network.SubnetA, network.SubnetB },
        })).AssertOkAsync();
        var created = await (await native.PostJsonAsync("/api/v1/rds/db-instances", new
        {
            db_instance_identifier = instance, engine = "postgres", engine_version = "15", db_instance_class = "db.t3.micro", allocated_storage = 20,
            master_username = "app", master_user_password = "correct-horse-battery", db_subnet_group_name = "net", backup_retention_period = 7,
        })).AssertOkAsync();
        var resourceId = created.GetProperty("dbi_resource_id").GetString()!;
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1));
        await (await native.PostAsync("/api/v1/rds/db-snapshots", new StringContent(
            $$"""{"db_snapshot_identifier":"{{snapshot}}","db_instance_identifier":"{{instance}}","tags":{{tagsJson}}}""", Encoding.UTF8, "application/json"))).AssertOkAsync();
        var operation = Assert.Single((await DesiredAsync(resourceId)).Operations!, o => o.Kind == DatabaseOperationKind.SnapshotBackup);
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1,
            Operations: [new DatabaseOperationResult(operation.OperationId, Succeeded: true, BackupLabel: "20261205-130000F")]));
        Assert.Equal("available", (await (await native.GetAsync($"/api/v1/rds/db-snapshots/{snapshot}")).AssertOkAsync()).GetProperty("status").GetString());
        return (network, resourceId);
    }

    private HttpClient Client(TestCredentials credentials, string? service = null) => _app.SignedClient(credentials, service);

    private async Task<DesiredDatabase> DesiredAsync(string resourceId)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var managed = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new DescribeManagedDatabase(resourceId, "vol-data"));
        return JsonSerializer.Deserialize<DesiredDatabase>(managed!.DesiredDatabaseJson, AgentApi.Json)!;
    }

    private async Task ReportAsync(string resourceId, DatabaseReport report)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IPublisher>().Publish(new DatabaseGuestReported(resourceId, JsonSerializer.Serialize(report, AgentApi.Json)));
    }

    private static List<(string, string)> Tags(XElement instance) =>
        [.. instance.Element(Rds + "TagList")!.Elements(Rds + "Tag").Select(t => (t.Element(Rds + "Key")!.Value, t.Element(Rds + "Value")!.Value))];

    private static StringContent Form(string body) => new(body, Encoding.UTF8, "application/x-www-form-urlencoded");

    private static async Task<XElement> OkAsync(HttpClient rds, string action, string form)
    {
        var response = await rds.PostAsync("/", Form($"Action={action}&Version=2014-10-31" + (form.Length > 0 ? "&" + form : "")));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{action}: {response.StatusCode} {text}");
        var root = XDocument.Parse(text).Root!;
        Assert.Equal(Rds + (action + "Response"), root.Name);
        return root.Element(Rds + (action + "Result")) ?? new XElement(Rds + (action + "Result"));
    }

    private static async Task ErrorAsync(HttpClient rds, string action, string form, HttpStatusCode status, string code)
    {
        var response = await rds.PostAsync("/", Form($"Action={action}&Version=2014-10-31" + (form.Length > 0 ? "&" + form : "")));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{action} {form}: {response.StatusCode} {text}");
        var root = XDocument.Parse(text).Root!;
        Assert.Equal(Rds + "ErrorResponse", root.Name);
        Assert.Equal(code, root.Element(Rds + "Error")!.Element(Rds + "Code")!.Value);
    }

    private async Task<(int Exit, string Output, string Error)> CliAsync(string cli, TestCredentials credentials, IEnumerable<string> arguments)
    {
        Assert.True(File.Exists(cli), $"{cli} is missing");
        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _work };
        foreach (var argument in (string[])["--endpoint-url", _endpoint, "--output", "json", .. arguments])
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

    private async Task<string> FailsAsync(string cli, TestCredentials credentials, string code, string operation, params string[] arguments)
    {
        var (exit, _, error) = await CliAsync(cli, credentials, arguments);
        Assert.True(exit != 0, $"aws {string.Join(' ', arguments)} succeeded");
        Assert.Contains($"An error occurred ({code}) when calling the {operation} operation", error, StringComparison.Ordinal);
        return error;
    }
}
