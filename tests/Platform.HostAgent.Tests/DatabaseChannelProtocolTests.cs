using System.Text;
using Platform.HostAgent.Databases;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests;

/// <summary>The agent's side of the database guest's line protocol (deploy/db-image/dbagent reads the same fields).</summary>
public sealed class DatabaseChannelProtocolTests
{
    private static readonly DesiredDatabase Database = new("orders", "db-ABC", "postgres", "15", "app", "pw", 5432, "vol-1",
        new Dictionary<string, string>(), 3, new DatabaseTls("CERT", "KEY", "CA"));

    [Theory]
    [InlineData("plain", "simple")]
    [InlineData("with space", "pass word with spaces")]
    [InlineData("new\nline", "a\nsecond 3 configure line\n")]
    [InlineData("quo'te", "it's \"quoted\" \\ and ; DROP ROLE app; --")]
    [InlineData("ünïcødé", "パスワード")]
    public void Given_any_user_name_and_password_Then_the_configure_line_is_one_line_of_eleven_fields_that_give_them_back(string user, string password)
    {
        var line = DatabaseChannelProtocol.Configure("r1", Database with { MasterUsername = user, MasterPassword = password });

        Assert.DoesNotContain('\n', line);
        var fields = line.Split(' ');
        Assert.Equal(11, fields.Length);
        Assert.Equal(["r1", "configure", "3"], fields[..3]);
        Assert.Equal(user, Encoding.UTF8.GetString(Convert.FromBase64String(fields[3])));
        Assert.Equal(password, Encoding.UTF8.GetString(Convert.FromBase64String(fields[4])));
        Assert.Equal("5432", fields[5]);
        Assert.Equal(["CERT", "KEY", "CA"], fields[7..10].Select(f => Encoding.UTF8.GetString(Convert.FromBase64String(f))));
        // The stanza's name, which the guest checks is letters, digits and dashes.
        Assert.Equal("db-ABC", fields[10]);
    }

    [Fact]
    public void Given_parameters_Then_they_travel_as_sorted_name_value_lines()
    {
        var line = DatabaseChannelProtocol.Configure("r1", Database with { Parameters = new Dictionary<string, string> { ["work_mem"] = "8MB", ["max_connections"] = "50" } });

        Assert.Equal("max_connections=50\nwork_mem=8MB\n", Encoding.UTF8.GetString(Convert.FromBase64String(line.Split(' ')[6])));
    }

    [Fact]
    public void Given_answers_Then_only_the_one_to_this_request_is_taken()
    {
        Assert.Null(DatabaseChannelProtocol.Parse("s-2", "s-1 ok configure 3"));
        Assert.Equal(DatabaseAnswerKind.Ok, DatabaseChannelProtocol.Parse("s-2", "s-2 ok configure 3")!.Kind);
        Assert.Equal(DatabaseAnswerKind.Busy, DatabaseChannelProtocol.Parse("s-2", "s-2 busy storage")!.Kind);
        var error = DatabaseChannelProtocol.Parse("s-2", $"s-2 error {Convert.ToBase64String(Encoding.UTF8.GetBytes("initdb failed: no space"))}")!;
        Assert.Equal(DatabaseAnswerKind.Error, error.Kind);
        Assert.Equal("initdb failed: no space", error.Fields[0]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("s-2 maybe")]
    [InlineData("s-2 ok")]
    public void Given_a_line_that_is_no_answer_Then_it_is_a_format_error(string line) =>
        Assert.Throws<FormatException>(() => DatabaseChannelProtocol.Parse("s-2", line));

    [Fact]
    public void Given_a_status_Then_it_is_the_report()
    {
        var report = DatabaseChannelProtocol.Report("status Available 7 f 3 1875820544 1 -".Split(' '));

        Assert.Equal(new DatabaseReport(DatabaseState.Available, 7, null, PendingReboot: true, Metrics: new DatabaseMetrics(1875820544, 3, 0, 0)), report with { Metrics = report.Metrics });
        Assert.Equal(new DatabaseMetrics(1875820544, 3, 0, 0), report.Metrics);
        var failed = DatabaseChannelProtocol.Report($"status Failed 0 f 0 0 0 {Convert.ToBase64String(Encoding.UTF8.GetBytes("mke2fs failed"))}".Split(' '));
        Assert.Equal(DatabaseState.Failed, failed.State);
        Assert.Equal("mke2fs failed", failed.Message);
    }

    [Theory]
    [InlineData("status Available 7 f 3 1875820544 0 - - - - 2.345", 2.345)]
    [InlineData("status Available 7 f 3 1875820544 0 - - - - 0", 0d)]
    [InlineData("status Available 7 f 3 1875820544 0 - - - - -", null)]
    [InlineData("status Available 7 f 3 1875820544 0 - - - - -4", null)]
    [InlineData("status Available 7 f 3 1875820544 0 - - - -", null)]
    public void Given_a_status_Then_its_replication_lag_is_the_metrics_ReplicaLag(string line, double? expected) =>
        Assert.Equal(expected, DatabaseChannelProtocol.Report(line.Split(' ')).Metrics!.ReplicaLagSeconds);

    [Theory]
    [InlineData("status Available 7 f 3 100 0")]
    [InlineData("status Sleeping 7 f 3 100 0 -")]
    [InlineData("status 3 7 f 3 100 0 -")]
    [InlineData("status Available -7 f 3 100 0 -")]
    [InlineData("status Available 7 yes 3 100 0 -")]
    [InlineData("status Available 7 f many 100 0 -")]
    [InlineData("status Available 7 f 3 -100 0 -")]
    [InlineData("status Available 7 f 3 100 2 -")]
    [InlineData("configure 7")]
    public void Given_a_malformed_status_Then_it_is_a_format_error(string fields) =>
        Assert.Throws<FormatException>(() => DatabaseChannelProtocol.Report(fields.Split(' ')));

    [Fact]
    public void Given_a_channel_Then_the_domain_has_a_virtio_serial_port_on_a_unix_socket_the_host_listens_on()
    {
        var xml = new DomainDefinition { Name = "i-00000000000000001", MemoryMiB = 320, VirtualCpus = 1, Channels = [new ChannelDefinition("/run/x/i-1.db.sock", DatabaseChannel.PortName)] }.ToXml();

        Assert.Contains("<channel type=\"unix\"><source mode=\"bind\" path=\"/run/x/i-1.db.sock\" /><target type=\"virtio\" name=\"org.platform.database.0\" /></channel>",
            xml.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Replace("  ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static readonly DatabaseBackupRepository Repository = new("api.platform.test:8443", "platform-rds-backups", "us-east-1", "db-ABC",
        "AKIAEXAMPLE", "secret key/with+chars", "pass phrase\nwith a newline", 60, 7, "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");

    [Fact]
    public void Given_a_backup_repository_Then_the_line_is_one_line_of_thirteen_fields_that_give_every_value_back()
    {
        var line = DatabaseChannelProtocol.Repository("r2", Database, Repository);

        Assert.DoesNotContain('\n', line);
        var fields = line.Split(' ');
        Assert.Equal(13, fields.Length);
        Assert.Equal(["r2", "repository", DatabaseChannelProtocol.RepositoryHash(Database, Repository)], fields[..3]);
        Assert.Equal([Repository.Endpoint, Repository.Bucket, Repository.Region, Repository.Path, Repository.AccessKeyId, Repository.SecretAccessKey,
            Repository.CipherPassphrase, Repository.CaCertificatePem!], fields[3..11].Select(f => Encoding.UTF8.GetString(Convert.FromBase64String(f))));
        Assert.Equal("7", fields[11]);
    }

    [Fact]
    public void Given_repositories_Then_the_hash_changes_with_anything_the_guest_writes_and_not_with_the_generation()
    {
        var hash = DatabaseChannelProtocol.RepositoryHash(Database, Repository);
        Assert.Matches("^[0-9a-f]{32}$", hash);
        Assert.Equal(hash, DatabaseChannelProtocol.RepositoryHash(Database with { Generation = 9 }, Repository));
        DatabaseBackupRepository[] changed =
        [
            Repository with { Endpoint = "api.platform.test:9443" }, Repository with { Bucket = "other" }, Repository with { Region = "eu-west-1" },
            Repository with { Path = "db-OTHER" }, Repository with { AccessKeyId = "AKIAOTHER" }, Repository with { SecretAccessKey = "s" },
            Repository with { CipherPassphrase = "p" }, Repository with { CaCertificatePem = null }, Repository with { RetentionDays = 8 },
            Repository with { ArchiveTimeoutSeconds = 30 },
        ];
        Assert.Equal(changed.Length + 1, changed.Select(r => DatabaseChannelProtocol.RepositoryHash(Database, r)).Append(hash).Distinct().Count());
        Assert.NotEqual(hash, DatabaseChannelProtocol.RepositoryHash(Database with { ResourceId = "db-XYZ" }, Repository));
    }

    [Theory]
    [InlineData("status Available 7 f 3 1875820544 1 -", null)]
    [InlineData("status Available 7 f 3 1875820544 1 - -", null)]
    [InlineData("status Available 7 f 3 1875820544 1 - 0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef")]
    [InlineData("status Available 7 f 3 1875820544 1 - 0123456789ABCDEF0123456789ABCDEF", null)]
    [InlineData("status Available 7 f 3 1875820544 1 - 0123", null)]
    public void Given_a_status_Then_the_repository_it_reports_is_taken_only_when_it_is_a_hash(string line, string? expected)
    {
        var fields = line.Split(' ');
        Assert.Equal(DatabaseState.Available, DatabaseChannelProtocol.Report(fields).State);
        Assert.Equal(expected, DatabaseChannelProtocol.ReportedRepository(fields));
    }

    [Fact]
    public void Given_a_backup_operation_Then_its_line_names_the_id_and_kind_and_its_answers_give_its_result_once_finished()
    {
        Assert.Equal("r7 backup op-1a2b FullBackup", DatabaseChannelProtocol.Backup("r7", new DatabaseOperation("op-1a2b", DatabaseOperationKind.FullBackup)));
        Assert.Equal("r7 backup op-1a2b IncrementalBackup", DatabaseChannelProtocol.Backup("r7", new DatabaseOperation("op-1a2b", DatabaseOperationKind.IncrementalBackup)));
        Assert.Null(DatabaseChannelProtocol.BackupResult("op-1", ["backup", "op-1", "running"]));
        Assert.Null(DatabaseChannelProtocol.BackupResult("op-1", ["backup", "op-1", "waiting"]));
        Assert.Equal(new DatabaseOperationResult("op-1", true, BackupLabel: "20261205-030000F"), DatabaseChannelProtocol.BackupResult("op-1", ["backup", "op-1", "done", "20261205-030000F"]));
        Assert.Equal(new DatabaseOperationResult("op-1", false, Error: "no space"),
            DatabaseChannelProtocol.BackupResult("op-1", ["backup", "op-1", "failed", Convert.ToBase64String(Encoding.UTF8.GetBytes("no space"))]));
    }

    [Theory]
    [InlineData("backup op-2 done 20261205-030000F")]
    [InlineData("backup op-1 done")]
    [InlineData("backup op-1 done ../../etc")]
    [InlineData("backup op-1 finished 20261205-030000F")]
    [InlineData("status Available 1 f 0 1 0 -")]
    public void Given_an_answer_that_is_not_this_backups_Then_it_is_a_format_error(string answer) =>
        Assert.Throws<FormatException>(() => DatabaseChannelProtocol.BackupResult("op-1", answer.Split(' ')));

    [Fact]
    public void Given_a_status_with_archived_time_and_backup_sets_Then_the_report_has_the_sets_and_the_restorable_window()
    {
        var sets = "20261205-191605F full 1796498165 1796498184 23213877 3088368\n20261205-191605F_20261205-191627I incr 1796498187 1796498190 23213878 3088368\nnot a set\n";
        var report = DatabaseChannelProtocol.Report(
            ["status", "Available", "2", "f", "0", "100", "0", "-", "0123456789abcdef0123456789abcdef", "1796498250", Convert.ToBase64String(Encoding.UTF8.GetBytes(sets))]);

        Assert.Equal(
            [
                new DatabaseBackupSet("20261205-191605F", DatabaseOperationKind.FullBackup, DateTimeOffset.FromUnixTimeSeconds(1796498165), DateTimeOffset.FromUnixTimeSeconds(1796498184), 23213877, 3088368),
                new DatabaseBackupSet("20261205-191605F_20261205-191627I", DatabaseOperationKind.IncrementalBackup, DateTimeOffset.FromUnixTimeSeconds(1796498187), DateTimeOffset.FromUnixTimeSeconds(1796498190), 23213878, 3088368),
            ],
            report.Backups!);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1796498184), report.EarliestRestorableTime);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1796498250), report.LatestRestorableTime);

        // No set yet, or nothing archived: no window.
        Assert.Null(DatabaseChannelProtocol.Report(["status", "Available", "2", "f", "0", "100", "0", "-", "-", "1796498250", "-"]).LatestRestorableTime);
        var unarchived = DatabaseChannelProtocol.Report(["status", "Available", "2", "f", "0", "100", "0", "-", "-", "-", Convert.ToBase64String(Encoding.UTF8.GetBytes(sets))]);
        Assert.Null(unarchived.EarliestRestorableTime);
        Assert.Null(unarchived.LatestRestorableTime);
    }

    [Fact]
    public void Given_a_repository_Then_its_line_carries_the_archive_timeout_last()
    {
        var fields = DatabaseChannelProtocol.Repository("r1", Database, Repository with { ArchiveTimeoutSeconds = 45 }).Split(' ');
        Assert.Equal(13, fields.Length);
        Assert.Equal(["7", "45"], fields[^2..]);
    }

    [Fact]
    public void Given_a_pair_Then_the_primary_and_standby_lines_carry_the_password_and_CA_as_base64_and_the_standby_connects_on_the_database_port_unless_told()
    {
        var primary = DatabaseChannelProtocol.Primary("r1", new DatabaseReplication(DatabaseReplicationRole.Primary, 3, "pw with space", "standby_x", "10.0.2.7", Synchronous: false)).Split(' ');
        Assert.Equal(["r1", "primary", "3", "standby_x"], primary[..4]);
        Assert.Equal("pw with space", Encoding.UTF8.GetString(Convert.FromBase64String(primary[4])));
        Assert.Equal(["10.0.2.7", "async"], primary[5..]);
        Assert.Equal("r2 primary 4 - cHc= - sync", DatabaseChannelProtocol.Primary("r2", new DatabaseReplication(DatabaseReplicationRole.Primary, 4, "pw")));

        var standby = new DatabaseReplication(DatabaseReplicationRole.Standby, 3, "pw", "standby_x", "10.0.1.9");
        var fields = DatabaseChannelProtocol.Standby("r3", Database, standby).Split(' ');
        Assert.Equal(["r3", "standby", "3", "10.0.1.9", "5432", "standby_x", "cHc=", "Q0E="], fields);
        Assert.Equal("6543", DatabaseChannelProtocol.Standby("r3", Database, standby with { PeerPort = 6543 }).Split(' ')[4]);
        Assert.Equal("r4 promote 3", DatabaseChannelProtocol.Promote("r4", 3));
    }

    [Fact]
    public void Given_replication_answers_Then_they_are_read_and_anything_else_is_refused()
    {
        Assert.Equal(new DatabaseReplicationReport(DatabaseReplicationRole.Primary, 2, true, 128, true),
            DatabaseChannelProtocol.ReplicationReport(["replication", "primary", "2", "t", "128", "t", "-", "-"]));
        Assert.Equal(new DatabaseReplicationReport(null, 0, false, 0, false, "The standby could not be made: no route"),
            DatabaseChannelProtocol.ReplicationReport(["replication", "-", "0", "f", "0", "f", "failed", Convert.ToBase64String(Encoding.UTF8.GetBytes("no route"))]));
        Assert.Equal("The standby is being made from its primary.", DatabaseChannelProtocol.ReplicationReport(["replication", "-", "0", "f", "0", "f", "running", "-"]).Message);
        Assert.Throws<FormatException>(() => DatabaseChannelProtocol.ReplicationReport(["replication", "leader", "2", "t", "0", "t", "-", "-"]));
        Assert.Throws<FormatException>(() => DatabaseChannelProtocol.ReplicationReport(["replication", "primary", "-1", "t", "0", "t", "-", "-"]));
        Assert.Throws<FormatException>(() => DatabaseChannelProtocol.ReplicationReport(["status", "primary", "2", "t", "0", "t", "-", "-"]));

        Assert.Null(DatabaseChannelProtocol.StandbyResult(["standby", "2", "running"]));
        Assert.True(DatabaseChannelProtocol.StandbyResult(["standby", "2", "done"])!.Succeeded);
        Assert.Equal("refused", DatabaseChannelProtocol.StandbyResult(["standby", "2", "failed", Convert.ToBase64String(Encoding.UTF8.GetBytes("refused"))])!.Error);
        Assert.Throws<FormatException>(() => DatabaseChannelProtocol.StandbyResult(["standby", "2", "maybe"]));
    }
}
