using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Protocol;

namespace Platform.Api.Tests.Rds;

/// <summary>
/// Automated backups you can see (DescribeDBInstanceAutomatedBackups, native and on the query protocol), kept after the
/// instance with DeleteAutomatedBackups=false, restored to a point in time by resource id or ARN, and deleted. The guest's
/// reports are simulated as in <see cref="RdsApiTests"/>; the instance's repository is composed as the agent would ask for it.
/// </summary>
public sealed class RdsAutomatedBackupTests(RdsPlatform platform) : IClassFixture<RdsPlatform>
{
    private const string Api = "/api/v1/rds";

    private static readonly XNamespace Rds = "http://rds.amazonaws.com/doc/2014-10-31/";

    [Fact]
    public async Task Given_instances_with_and_without_backups_Then_their_automated_backups_are_active_retained_restorable_and_deleted_as_RDS_s()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-auto-backups");
        using var client = platform.App.SignedClient(tenant);
        using var rds = platform.App.SignedClient(tenant, "rds");
        var network = await TenantNetwork.CreateAsync(client, "10.71");
        await (await client.PostJsonAsync($"{Api}/db-subnet-groups",
            new { db_subnet_group_name = "net", db_subnet_group_description = "net", subnet_ids = new[] { network.SubnetA, network.SubnetB } })).AssertOkAsync();
        var orders = (await (await client.PostJsonAsync($"{Api}/db-instances", CreateBody("orders", retention: 7))).AssertOkAsync()).GetProperty("dbi_resource_id").GetString()!;
        var nightly = (await (await client.PostJsonAsync($"{Api}/db-instances", CreateBody("nightly", retention: 0))).AssertOkAsync()).GetProperty("dbi_resource_id").GetString()!;

        // Active at once, with no window until the guest reports one; an instance without backups has none.
        var listed = (await (await client.GetAsync($"{Api}/db-instance-automated-backups")).AssertOkAsync()).GetProperty("db_instance_automated_backups");
        var active = Assert.Single(listed.EnumerateArray());
        Assert.Equal(orders, active.GetProperty("dbi_resource_id").GetString());
        Assert.Equal("active", active.GetProperty("status").GetString());
        Assert.Equal(7, active.GetProperty("backup_retention_period").GetInt32());
        Assert.False(active.GetProperty("restore_window").TryGetProperty("earliest_time", out _));
        Assert.True(active.GetProperty("encrypted").GetBoolean());
        Assert.Equal($"arn:aws:rds:us-east-1:{tenant.AccountId}:auto-backup:ab-{orders[3..].ToLowerInvariant()}", active.GetProperty("db_instance_automated_backups_arn").GetString());
        await (await client.GetAsync($"{Api}/db-instance-automated-backups?db_instance_identifier=nightly")).AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceAutomatedBackupNotFound");

        // The guest composes its repository (pgBackRest's retention follows the instance's) and reports its window.
        Assert.Equal(7, (await platform.DesiredAsync(orders)).Backup!.RetentionDays);
        var earliest = DateTime.UtcNow.AddHours(-3);
        var latest = DateTime.UtcNow.AddMinutes(-1);
        await platform.ReportAsync(orders, new DatabaseReport(DatabaseState.Available, 1, EarliestRestorableTime: earliest, LatestRestorableTime: latest));
        await platform.ReportAsync(nightly, new DatabaseReport(DatabaseState.Available, 1));
        var window = (await (await client.GetAsync($"{Api}/db-instance-automated-backups?dbi_resource_id={orders}")).AssertOkAsync())
            .GetProperty("db_instance_automated_backups")[0].GetProperty("restore_window");
        Assert.Equal(earliest, window.GetProperty("earliest_time").GetDateTime().ToUniversalTime(), TimeSpan.FromSeconds(1));
        Assert.Equal(latest, window.GetProperty("latest_time").GetDateTime().ToUniversalTime(), TimeSpan.FromSeconds(1));

        // ModifyDBInstance's retention is what the guest's pgBackRest is configured with; 0 turns backups (and the listing) off.
        await (await client.PatchJsonAsync($"{Api}/db-instances/nightly", new { backup_retention_period = 3, apply_immediately = true })).AssertOkAsync();
        Assert.Equal(3, (await platform.DesiredAsync(nightly)).Backup!.RetentionDays);
        Assert.Equal(2, (await (await client.GetAsync($"{Api}/db-instance-automated-backups")).AssertOkAsync()).GetProperty("db_instance_automated_backups").GetArrayLength());
        await (await client.PatchJsonAsync($"{Api}/db-instances/nightly", new { backup_retention_period = 0, apply_immediately = true })).AssertOkAsync();
        Assert.Null((await platform.DesiredAsync(nightly)).Backup);
        Assert.Single((await (await client.GetAsync($"{Api}/db-instance-automated-backups")).AssertOkAsync()).GetProperty("db_instance_automated_backups").EnumerateArray());
        // A manual snapshot still works with automated backups off: the repository is composed while it is being taken
        // (pgBackRest's least retention, 1, which expires nothing with no automated backups), and not after.
        await (await client.PostJsonAsync($"{Api}/db-snapshots", new { db_snapshot_identifier = "nightly-manual", db_instance_identifier = "nightly" })).AssertOkAsync();
        var snapshotting = await platform.DesiredAsync(nightly);
        Assert.Equal(1, snapshotting.Backup!.RetentionDays);
        var snapshotOperation = Assert.Single(snapshotting.Operations!);
        Assert.Equal(DatabaseOperationKind.SnapshotBackup, snapshotOperation.Kind);
        await platform.ReportAsync(nightly, new DatabaseReport(DatabaseState.Available, 1,
            Operations: [new DatabaseOperationResult(snapshotOperation.OperationId, Succeeded: true, BackupLabel: "20261206-041000F")]));
        Assert.Equal("available", (await (await client.GetAsync($"{Api}/db-snapshots/nightly-manual")).AssertOkAsync()).GetProperty("status").GetString());
        Assert.Null((await platform.DesiredAsync(nightly)).Backup);

        // A live instance's backups cannot be deleted; nor can what is not there; nothing changes.
        await (await client.DeleteAsync($"{Api}/db-instance-automated-backups/{orders}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBInstanceAutomatedBackupState");
        await (await client.DeleteAsync($"{Api}/db-instance-automated-backups/db-NOTHING")).AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceAutomatedBackupNotFound");
        await ErrorAsync(rds, "DeleteDBInstanceAutomatedBackup", "", HttpStatusCode.BadRequest, "InvalidParameterCombination");
        Assert.Equal("active", (await (await client.GetAsync($"{Api}/db-instance-automated-backups")).AssertOkAsync()).GetProperty("db_instance_automated_backups")[0].GetProperty("status").GetString());

        // Deleted with DeleteAutomatedBackups=false: the instance goes, its backups stay retained with their window.
        await (await client.DeleteAsync($"{Api}/db-instances/orders?skip_final_snapshot=true&delete_automated_backups=false")).AssertOkAsync();
        await (await client.GetAsync($"{Api}/db-instances/orders")).AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceNotFound");
        var retained = Assert.Single((await (await client.GetAsync($"{Api}/db-instance-automated-backups")).AssertOkAsync()).GetProperty("db_instance_automated_backups").EnumerateArray());
        Assert.Equal("retained", retained.GetProperty("status").GetString());
        Assert.Equal("orders", retained.GetProperty("db_instance_identifier").GetString());
        Assert.Equal(5, retained.GetProperty("allocated_storage").GetInt32());
        Assert.Equal("postgres", retained.GetProperty("engine").GetString());
        Assert.Equal(latest, retained.GetProperty("restore_window").GetProperty("latest_time").GetDateTime().ToUniversalTime(), TimeSpan.FromSeconds(1));
        var arn = retained.GetProperty("db_instance_automated_backups_arn").GetString()!;

        // On the query protocol: RDS's shape, its filters, a status filter and an unknown filter refused.
        var described = await OkAsync(rds, "DescribeDBInstanceAutomatedBackups", "Filters.Filter.1.Name=status&Filters.Filter.1.Values.Value.1=retained");
        var backup = Assert.Single(described.Element(Rds + "DBInstanceAutomatedBackups")!.Elements(Rds + "DBInstanceAutomatedBackup"));
        Assert.Equal(orders, backup.Element(Rds + "DbiResourceId")!.Value);
        Assert.Equal("retained", backup.Element(Rds + "Status")!.Value);
        Assert.Equal(arn, backup.Element(Rds + "DBInstanceAutomatedBackupsArn")!.Value);
        Assert.Equal("7", backup.Element(Rds + "BackupRetentionPeriod")!.Value);
        Assert.NotNull(backup.Element(Rds + "RestoreWindow")!.Element(Rds + "LatestTime"));
        Assert.Empty((await OkAsync(rds, "DescribeDBInstanceAutomatedBackups", "Filters.Filter.1.Name=status&Filters.Filter.1.Values.Value.1=active"))
            .Element(Rds + "DBInstanceAutomatedBackups")!.Elements());
        Assert.Single((await OkAsync(rds, "DescribeDBInstanceAutomatedBackups", $"DBInstanceAutomatedBackupsArn={arn}")).Element(Rds + "DBInstanceAutomatedBackups")!.Elements());
        await ErrorAsync(rds, "DescribeDBInstanceAutomatedBackups", "Filters.Filter.1.Name=vpc-id&Filters.Filter.1.Values.Value.1=x", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "DescribeDBInstanceAutomatedBackups", "DBInstanceIdentifier=nothing", HttpStatusCode.NotFound, "DBInstanceAutomatedBackupNotFound");

        // Another account sees, restores and deletes none of it.
        var other = await root.CreateAccountAsync("rds-auto-backups-other");
        using var otherClient = platform.App.SignedClient(other);
        using var otherRds = platform.App.SignedClient(other, "rds");
        Assert.Empty((await (await otherClient.GetAsync($"{Api}/db-instance-automated-backups")).AssertOkAsync()).GetProperty("db_instance_automated_backups").EnumerateArray());
        await (await otherClient.PostJsonAsync($"{Api}/db-instance-automated-backups/{orders}/restore-to-point-in-time", new { target_db_instance_identifier = "stolen", use_latest_restorable_time = true }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceAutomatedBackupNotFound");
        await (await otherClient.DeleteAsync($"{Api}/db-instance-automated-backups/{orders}")).AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceAutomatedBackupNotFound");
        await ErrorAsync(otherRds, "DeleteDBInstanceAutomatedBackup", $"DBInstanceAutomatedBackupsArn={arn}", HttpStatusCode.NotFound, "DBInstanceAutomatedBackupNotFound");

        // Restored to a point in time from the retained backups: outside the window refused, inside a new instance reading the gone one's repository.
        var restore = $"{Api}/db-instance-automated-backups/{orders}/restore-to-point-in-time";
        await (await client.PostJsonAsync(restore, new { target_db_instance_identifier = "orders-back", restore_time = latest.AddMinutes(1) }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "RestoreDBInstanceToPointInTime", $"SourceDbiResourceId={orders}&SourceDBInstanceIdentifier=orders&TargetDBInstanceIdentifier=orders-back&UseLatestRestorableTime=true",
            HttpStatusCode.BadRequest, "InvalidParameterCombination");
        Assert.Single((await (await client.GetAsync($"{Api}/db-instances")).AssertOkAsync()).GetProperty("db_instances").EnumerateArray());
        var pointInTime = earliest.AddHours(1);
        var restored = (await OkAsync(rds, "RestoreDBInstanceToPointInTime", $"SourceDBInstanceAutomatedBackupsArn={Uri.EscapeDataString(arn)}&TargetDBInstanceIdentifier=orders-back"
            + $"&RestoreTime={pointInTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}")).Element(Rds + "DBInstance")!;
        Assert.Equal("creating", restored.Element(Rds + "DBInstanceStatus")!.Value);
        Assert.Equal("5", restored.Element(Rds + "AllocatedStorage")!.Value);
        var restoredId = restored.Element(Rds + "DbiResourceId")!.Value;
        var desired = await platform.DesiredAsync(restoredId);
        Assert.Equal(orders, desired.Restore!.SourceResourceId);
        Assert.Equal(orders, desired.Restore.Repository.Path);
        Assert.Equal(new DateTimeOffset(pointInTime.Ticks - (pointInTime.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero), desired.Restore.TargetTime);
        Assert.Equal("app", desired.MasterUsername);
        Assert.Equal("correct-horse-battery", desired.MasterPassword);

        // Deleted: gone from the listing, no longer restorable, a second delete finds nothing.
        var deleted = await (await client.DeleteAsync($"{Api}/db-instance-automated-backups/{orders}")).AssertOkAsync();
        Assert.Equal("deleting", deleted.GetProperty("status").GetString());
        await (await client.DeleteAsync($"{Api}/db-instance-automated-backups/{orders}")).AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceAutomatedBackupNotFound");
        await (await client.PostJsonAsync(restore, new { target_db_instance_identifier = "orders-again", use_latest_restorable_time = true }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceAutomatedBackupNotFound");
        Assert.DoesNotContain((await (await client.GetAsync($"{Api}/db-instance-automated-backups")).AssertOkAsync()).GetProperty("db_instance_automated_backups").EnumerateArray(),
            b => b.GetProperty("dbi_resource_id").GetString() == orders);

        // RDS's default (no DeleteAutomatedBackups) deletes them with the instance.
        await (await client.DeleteAsync($"{Api}/db-instances/orders-back?skip_final_snapshot=true")).AssertOkAsync();
        await (await client.PatchJsonAsync($"{Api}/db-instances/nightly", new { backup_retention_period = 1, apply_immediately = true })).AssertOkAsync();
        await platform.DesiredAsync(nightly);
        await platform.ReportAsync(nightly, new DatabaseReport(DatabaseState.Available, 1, EarliestRestorableTime: earliest, LatestRestorableTime: latest));
        await OkAsync(rds, "DeleteDBInstance", "DBInstanceIdentifier=nightly&SkipFinalSnapshot=true");
        Assert.Empty((await (await client.GetAsync($"{Api}/db-instance-automated-backups")).AssertOkAsync()).GetProperty("db_instance_automated_backups").EnumerateArray());
    }

    [Fact]
    public async Task Given_more_retained_backups_than_a_page_Then_the_query_protocol_pages_them_20_at_a_time_each_once()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-auto-backups-paging");
        using var rds = platform.App.SignedClient(tenant, "rds");

        // Retained backups of 23 deleted instances, as DeleteDBInstance leaves them (written directly: 23 instances would exceed the quota).
        var ids = Enumerable.Range(0, 23).Select(i => $"db-PAGE{tenant.AccountId}{i:D2}").ToList();
        await using (var connection = new SqliteConnection($"Data Source={platform.App.DatabasePath}"))
        {
            await connection.OpenAsync();
            foreach (var (id, i) in ids.Select((id, i) => (id, i)))
            {
                await using var command = connection.CreateCommand();
                command.CommandText = """
                    INSERT INTO rds_retained_automated_backups (resource_id, account_id, instance_identifier, engine, engine_version, instance_class, allocated_storage,
                        master_username, master_password_protected, port, vpc_id, subnet_group_name, security_group_ids, parameter_group_name, availability_zone,
                        backup_retention_period, preferred_backup_window, preferred_maintenance_window, earliest_restorable_time, latest_restorable_time,
                        instance_create_time, backup_cipher_protected, retained_at)
                    VALUES ($id, $account, $name, 'postgres', '15', 'db.t3.micro', 5, 'app', 'x', 5432, 'vpc-1', 'net', 'sg-1', 'default.postgres15', 'us-east-1a',
                        7, '03:00-03:30', 'sun:05:00-sun:05:30', $earliest, $latest, $earliest, 'x', $latest)
                    """;
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$account", tenant.AccountId);
                command.Parameters.AddWithValue("$name", $"gone-{i:D2}");
                command.Parameters.AddWithValue("$earliest", DateTime.UtcNow.AddHours(-2).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                command.Parameters.AddWithValue("$latest", DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                await command.ExecuteNonQueryAsync();
            }
        }

        var seen = new List<string>();
        string? marker = null;
        var pages = 0;
        do
        {
            var page = await OkAsync(rds, "DescribeDBInstanceAutomatedBackups", "MaxRecords=20" + (marker is null ? "" : "&Marker=" + Uri.EscapeDataString(marker)));
            seen.AddRange(page.Element(Rds + "DBInstanceAutomatedBackups")!.Elements(Rds + "DBInstanceAutomatedBackup").Select(b => b.Element(Rds + "DbiResourceId")!.Value));
            marker = page.Element(Rds + "Marker")?.Value;
            pages++;
        }
        while (marker is not null && pages < 5);

        Assert.Equal(2, pages);
        Assert.Equal(ids.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        await ErrorAsync(rds, "DescribeDBInstanceAutomatedBackups", "MaxRecords=101", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "DescribeDBInstanceAutomatedBackups", "Marker=not-a-marker", HttpStatusCode.BadRequest, "InvalidParameterValue");

        // A filter by resource id finds one of them.
        var one = await OkAsync(rds, "DescribeDBInstanceAutomatedBackups", $"Filters.Filter.1.Name=dbi-resource-id&Filters.Filter.1.Values.Value.1={ids[5]}");
        Assert.Equal("gone-05", Assert.Single(one.Element(Rds + "DBInstanceAutomatedBackups")!.Elements()).Element(Rds + "DBInstanceIdentifier")!.Value);
    }

    private static Dictionary<string, object?> CreateBody(string identifier, int retention) => new()
    {
        ["db_instance_identifier"] = identifier,
        ["engine"] = "postgres",
        ["engine_version"] = "15",
        ["db_instance_class"] = "db.t3.micro",
        ["allocated_storage"] = 5,
        ["master_username"] = "app",
        ["master_user_password"] = "correct-horse-battery",
        ["db_subnet_group_name"] = "net",
        ["backup_retention_period"] = retention,
        ["preferred_backup_window"] = "03:00-03:30",
    };

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
}
