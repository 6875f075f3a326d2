using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Libvirt;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.Api.Tests.Rds;

/// <summary>
/// The API killed in the middle of an automated backup (issue 12, item 6; the guest's agent killed mid-backup is
/// DatabaseInterruptedBackupTests). The API runs as its own process over HTTPS, and its S3 endpoint is where the backup goes;
/// a simulated server's agent (libvirt's test driver) runs its database driver over the guest's channel, and the guest is
/// stood in for on this machine: Debian's PostgreSQL 15 and pgBackRest, with the guest's own agent script
/// (deploy/db-image/dbagent, <c>answer</c> under <c>DBAGENT_ROOT</c>) answering the backup and status requests. Only the
/// configure and repository requests are answered by the test (they set up the guest's own /etc/hosts and system paths):
/// the repository's options are the script's (<c>repository-conf</c>), pointing at the API's S3 for real. The automated
/// backup job asks for the first backup; while pgBackRest copies the cluster into the bucket the API is killed (SIGKILL);
/// the backup fails on its own once its S3 is gone, and the API is started again on the same data and port. Then no
/// backup is listed complete (no restore window, no completed operation) until pgBackRest's repository lists a set, the
/// job asks again under a new operation id, and the set it lists complete is pgBackRest's only one and restores the rows.
/// </summary>
public sealed class RdsApiKilledMidBackupTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string PostgresBin = "/usr/lib/postgresql/15/bin";
    private const string Api = "/api/v1/rds";

    private readonly string _work = Directory.CreateTempSubdirectory("platform-rdskill-").FullName;
    private readonly List<string> _clusters = [];
    private CancellationTokenSource? _agentStop;
    private Task? _agent;
    private LibvirtConnection? _libvirt;
    private GuestStandIn? _guest;

    [PgBackRestFact]
    public async Task Given_an_automated_backup_running_When_the_API_is_killed_Then_nothing_unrestorable_is_listed_complete_and_the_backup_is_taken_again()
    {
        var data = Path.Combine(_work, "api");
        var environment = Settings(backupCron: "* * * * *");
        var api = await ApiProcess.StartAsync(data, environment, tls: true);
        try
        {
            // Enough rows that the backup is still copying when the API dies.
            var (client, tenant, resourceId, guestRoot, _) = await AvailableInstanceAsync(api, rows: 1500000);
            using var owned = client;

            // The job asks for the first backup; the guest's agent starts it. Killed once pgBackRest has copied 2 MB into the bucket
            // (early: killed after the copy, the backup waits in pg_backup_stop for its WAL to be archived until the API is back).
            var operations = Path.Combine(guestRoot, "data", "platform", "operations");
            var runDirectory = Path.Combine(guestRoot, "run", "db");
            string? first = null;
            await Eventually.TrueAsync(() =>
            {
                first = Directory.Exists(operations) ? Directory.GetFiles(operations, "*.started").Select(f => Path.GetFileName(f)[..^".started".Length]).FirstOrDefault() : null;
                return Task.FromResult(first is not null);
            }, TimeSpan.FromSeconds(300), () => $"no backup was asked for: {_guest!.Log}");
            var objects = Path.Combine(data, "objects");
            var before = Bytes(objects);
            var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(runDirectory, $"backup-{first}.pid"))).Trim(), CultureInfo.InvariantCulture);
            await Eventually.TrueAsync(() =>
            {
                Assert.True(File.Exists($"/proc/{pid}/stat"), $"the backup ended before the API could be killed: {Log(runDirectory, first!)}");
                return Task.FromResult(Bytes(objects) - before > 2L * 1024 * 1024);
            }, TimeSpan.FromSeconds(300), () => $"pgBackRest wrote {Bytes(objects) - before} bytes in 300 s: {Log(runDirectory, first!)}", TimeSpan.FromMilliseconds(50));
            await api.KillAsync();
            output.WriteLine($"API killed with {(Bytes(objects) - before) / 1024 / 1024} MB of backup {first} written");

            // The backup cannot finish without its S3: it ends failed, and nothing completes it while the API is down.
            await Eventually.TrueAsync(() => Task.FromResult(!File.Exists($"/proc/{pid}/stat") || File.Exists(Path.Combine(operations, $"{first}.result"))),
                TimeSpan.FromSeconds(300), () => $"pgBackRest went on without its repository for 300 s: {Log(runDirectory, first!)}", TimeSpan.FromSeconds(1));
            await Eventually.TrueAsync(() => Task.FromResult(File.Exists(Path.Combine(operations, $"{first}.result"))), TimeSpan.FromSeconds(30), "no result was kept");
            var result = (await File.ReadAllTextAsync(Path.Combine(operations, $"{first}.result"))).Trim();
            output.WriteLine($"the backup ended: {result} ({Log(runDirectory, first!)})");
            Assert.StartsWith("failed ", result, StringComparison.Ordinal);

            // Started again where the agent dials it, on the same data.
            api = await ApiProcess.StartAsync(data, environment, port: api.BaseAddress.Port, tls: true);
            using var restarted = Signed(api, tenant);
            var sets = new List<string>();
            string? window = null;
            var sawFailure = false;
            var clock = Stopwatch.StartNew();
            while (true)
            {
                // What the API lists complete, then what the repository has: listed only once pgBackRest lists the set (looked at after, so a set
                // finishing in between is not counted against the API).
                window = await EarliestAsync(restarted);
                var completed = await CompletedAsync(data, resourceId);
                sets = await _guest!.SetsAsync();
                Assert.False(window is not null && sets.Count == 0, $"a restore window from {window} is listed while the repository holds no set");
                Assert.All(completed, c => Assert.Contains(c.Label, sets));
                Assert.DoesNotContain(completed, c => c.OperationId == first);
                sawFailure |= !(await OpenAsync(data, resourceId)).Contains(first!);
                if (window is not null && completed.Count > 0)
                {
                    break;
                }

                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(900), $"no backup was listed complete in 900 s after the restart; the repository lists [{string.Join(", ", sets)}]: {_guest!.Log}");
                await Task.Delay(TimeSpan.FromSeconds(2));
            }

            // The failed one is gone from the bookkeeping; the one taken again under a new id is pgBackRest's only set, listed complete.
            Assert.True(sawFailure, "the failed backup's operation was never dropped");
            var done = Assert.Single(await CompletedAsync(data, resourceId));
            Assert.NotEqual(first, done.OperationId);
            Assert.Equal([done.Label], sets);
            output.WriteLine($"taken again as {done.OperationId}: {done.Label}, {clock.Elapsed.TotalSeconds:F0} s after the restart; restore window from {window}");

            // The set restores, read from the bucket through the API as a restored instance's guest reads it, to every row.
            var restored = Path.Combine(_work, "restored");
            Directory.CreateDirectory(restored);
            await RunAsync("chown", "postgres:postgres", restored);
            await RunAsync("chmod", "700", restored);
            await AsPostgresAsync($"pgbackrest --config={guestRoot}/data/backup/pgbackrest.conf --stanza={resourceId} --repo=1 --pg1-path={restored} "
                + $"--set={done.Label} --type=immediate --target-action=promote restore");
            var restoredPort = ApiProcess.FreePort();
            await File.AppendAllTextAsync(Path.Combine(restored, "postgresql.conf"), $"port = {restoredPort}\nunix_socket_directories = '{_work}'\narchive_mode = off\n");
            _clusters.Add(restored);
            await AsPostgresAsync($"{PostgresBin}/pg_ctl start -D {restored} -l {_work}/restored.log -w -t 120");
            await Eventually.TrueAsync(async () => (await SqlAsync(restoredPort, "SELECT pg_is_in_recovery()")).Trim() == "f", TimeSpan.FromSeconds(120),
                "the restored cluster did not leave recovery");
            Assert.Equal("1500000", (await SqlAsync(restoredPort, "SELECT count(*) FROM orders")).Trim());
        }
        finally
        {
            await api.DisposeAsync();
        }
    }

    /// <summary>
    /// A.k.a. "a deleted snapshot's WAL stays in repo2": the guest's archive-push sends every segment to the snapshot
    /// repository too, and pgBackRest never expires a repository's last full set, so once the last snapshot is deleted its
    /// WAL would stay for good. Here, with the same API, server and stood-in guest: a snapshot taken for real into repo2,
    /// WAL archived after it, the snapshot deleted: none of the segments repo2 held is left, and the repository still works
    /// (segments pushed on, a new snapshot taken).
    /// </summary>
    [PgBackRestFact]
    public async Task Given_the_last_snapshot_of_a_live_instance_When_it_is_deleted_Then_its_WAL_goes_from_the_snapshot_repository_which_still_works()
    {
        // No automated backup gets in the way: only the snapshots are taken.
        await using var api = await ApiProcess.StartAsync(Path.Combine(_work, "api"), Settings(backupCron: "0 0 31 2 *"), tls: true);
        var (client, _, resourceId, _, port) = await AvailableInstanceAsync(api, rows: 1000);
        using var owned = client;
        await (await client.PostJsonAsync($"{Api}/db-snapshots", new { db_snapshot_identifier = "keep", db_instance_identifier = "orders" })).AssertOkAsync();
        await Eventually.TrueAsync(async () => await SnapshotStatusAsync(client, "keep") == "available", TimeSpan.FromSeconds(300), () => $"the snapshot was not taken: {_guest!.Log}");

        // WAL after the snapshot, archived into both repositories.
        var archived = int.Parse((await SqlAsync(port, "SELECT archived_count FROM pg_stat_archiver")).Trim(), CultureInfo.InvariantCulture);
        for (var i = 0; i < 3; i++)
        {
            await SqlAsync(port, $"INSERT INTO orders VALUES ({2000 + i}, 'after'); SELECT pg_switch_wal()");
        }

        await Eventually.TrueAsync(async () => int.Parse((await SqlAsync(port, "SELECT archived_count FROM pg_stat_archiver")).Trim(), CultureInfo.InvariantCulture) >= archived + 3,
            TimeSpan.FromSeconds(120), "the WAL was not archived");
        var guest = _guest!;
        var before = await guest.SnapshotSegmentsAsync();
        output.WriteLine($"repo2 held {before.Count} segments before the delete");
        Assert.True(before.Count >= 3, $"repo2 held only [{string.Join(", ", before)}]");

        var deleted = await (await client.DeleteAsync($"{Api}/db-snapshots/keep")).AssertOkAsync();
        Assert.Equal("deleting", deleted.GetProperty("status").GetString());
        await Eventually.TrueAsync(async () => (await client.GetAsync($"{Api}/db-snapshots/keep")).StatusCode == HttpStatusCode.NotFound, TimeSpan.FromSeconds(120), "the snapshot was not deleted");
        var after = await guest.SnapshotSegmentsAsync();
        Assert.Empty(after.Intersect(before));

        // The repository works on: the next segment is pushed (the archiver fails nothing) and a new snapshot is taken into it.
        var failed = (await SqlAsync(port, "SELECT failed_count FROM pg_stat_archiver")).Trim();
        await SqlAsync(port, "INSERT INTO orders VALUES (3000, 'later'); SELECT pg_switch_wal()");
        await Eventually.TrueAsync(async () => (await guest.SnapshotSegmentsAsync()).Except(before).Any(), TimeSpan.FromSeconds(120), "no segment was pushed to repo2 after the delete");
        Assert.Equal(failed, (await SqlAsync(port, "SELECT failed_count FROM pg_stat_archiver")).Trim());
        await (await client.PostJsonAsync($"{Api}/db-snapshots", new { db_snapshot_identifier = "again", db_instance_identifier = "orders" })).AssertOkAsync();
        await Eventually.TrueAsync(async () => await SnapshotStatusAsync(client, "again") == "available", TimeSpan.FromSeconds(300), () => $"no new snapshot was taken: {guest.Log}");
        output.WriteLine($"{resourceId}: repo2 held {before.Count} segments, none left after the delete; the next snapshot was taken");
    }

    private static async Task<string?> SnapshotStatusAsync(HttpClient client, string identifier) =>
        (await (await client.GetAsync($"{Api}/db-snapshots/{identifier}")).AssertOkAsync()).GetProperty("status").GetString();

    public Task InitializeAsync() => Task.CompletedTask;

    public void Dispose() => _agentStop?.Dispose();

    public async Task DisposeAsync()
    {
        if (_agentStop is not null)
        {
            await _agentStop.CancelAsync();
            await _agent!.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        _libvirt?.Dispose();
        if (_guest is not null)
        {
            await _guest.DisposeAsync();
        }

        foreach (var cluster in _clusters)
        {
            if (File.Exists(Path.Combine(cluster, "postmaster.pid")))
            {
                await RunAllowingFailureAsync("runuser", "-u", "postgres", "--", $"{PostgresBin}/pg_ctl", "stop", "-D", cluster, "-m", "immediate", "-w");
            }
        }

        // A backup still running after a failed assertion: its processes are this test's.
        var run = Path.Combine(_work, "g", "run", "db");
        foreach (var pidFile in Directory.Exists(run) ? Directory.GetFiles(run, "backup-*.pid") : [])
        {
            if (int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), out var leftover) && File.Exists($"/proc/{leftover}/stat"))
            {
                await RunAllowingFailureAsync("pkill", "-KILL", "-P", leftover.ToString(CultureInfo.InvariantCulture));
                await RunAllowingFailureAsync("kill", "-KILL", leftover.ToString(CultureInfo.InvariantCulture));
            }
        }

        Directory.Delete(_work, recursive: true);
    }

    /// <param name="backupCron">Every minute: the first backup is asked for soon after the instance is available, and again after a failure.</param>
    private static Dictionary<string, string> Settings(string backupCron) => new()
    {
        ["Platform__AvailabilityZones__0"] = "us-east-1a",
        ["Platform__AvailabilityZones__1"] = "us-east-1b",
        ["Rds__BackupCron"] = backupCron,
    };

    /// <summary>
    /// A simulated server, the database image, a tenant with a DB subnet group, and its DB instance "orders" (backups on)
    /// available on the stood-in guest, whose cluster holds <paramref name="rows"/> rows.
    /// </summary>
    private async Task<(HttpClient Client, TestCredentials Tenant, string ResourceId, string GuestRoot, int Port)> AvailableInstanceAsync(ApiProcess api, int rows)
    {
        var root = api.RootCredentials();
        using var operatorClient = Signed(api, root);
        var agentState = Path.Combine(_work, "agent");
        await StartAgentAsync(api, operatorClient, agentState);
        await operatorClient.RegisterKernelImageAsync("platform-db-image", [1, 2, 3], [4, 5, 6]);
        var tenant = await operatorClient.CreateAccountAsync("rds-api-killed");
        var client = Signed(api, tenant);
        var network = await TenantNetwork.CreateAsync(client, "10.73");
        await (await client.PostJsonAsync($"{Api}/db-subnet-groups",
            new { db_subnet_group_name = "net", db_subnet_group_description = "net", subnet_ids = new[] { network.SubnetA, network.SubnetB } })).AssertOkAsync();

        // The guest's cluster, on a port of its own (the instance's).
        var guestRoot = Path.Combine(_work, "g");
        var pgdata = Path.Combine(guestRoot, "data", "pgdata");
        var port = ApiProcess.FreePort();
        await PrepareGuestAsync(guestRoot, pgdata, port);
        await SqlAsync(port, $"CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS pad FROM generate_series(1, {rows}) g");

        var created = await (await client.PostJsonAsync($"{Api}/db-instances", new Dictionary<string, object?>
        {
            ["db_instance_identifier"] = "orders",
            ["engine"] = "postgres",
            ["engine_version"] = "15",
            ["db_instance_class"] = "db.t3.micro",
            ["allocated_storage"] = 5,
            ["master_username"] = "app",
            ["master_user_password"] = "correct-horse-battery",
            ["db_subnet_group_name"] = "net",
            ["backup_retention_period"] = 1,
            ["preferred_backup_window"] = "03:00-03:30",
            ["port"] = port,
        })).AssertOkAsync();
        var resourceId = created.GetProperty("dbi_resource_id").GetString()!;

        // The guest job launches the instance's guest on the simulated server; the stand-in listens on its channel.
        string? instanceId = null;
        await Eventually.TrueAsync(() =>
        {
            instanceId = _libvirt!.ListDomains().Select(d => d.Name).FirstOrDefault(n => n.StartsWith("i-", StringComparison.Ordinal));
            return Task.FromResult(instanceId is not null);
        }, TimeSpan.FromSeconds(180), "the DB instance's guest was never defined on the simulated server");
        // (Where QEMU would listen for the guest's channel: DatabaseChannel.SocketPath.)
        _guest = new GuestStandIn(Path.Combine(StateLayout.Channels(agentState), $"{instanceId}.db.sock"), guestRoot, pgdata, port, output);
        await Eventually.TrueAsync(async () => await StatusAsync(client) == "available", TimeSpan.FromSeconds(300),
            () => $"the DB instance did not become available: {_guest!.Log}");
        return (client, tenant, resourceId, guestRoot, port);
    }

    private static HttpClient Signed(ApiProcess api, TestCredentials credentials) =>
        new(new SdkSigningHandler(credentials) { InnerHandler = api.CreateHandler() }) { BaseAddress = api.BaseAddress };

    /// <summary>A simulated server's agent whose database driver runs (the stand-in serves the guest's channel), dialling the API over HTTPS.</summary>
    private async Task StartAgentAsync(ApiProcess api, HttpClient operatorClient, string state)
    {
        var token = (await (await operatorClient.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { availability_zone = "us-east-1a" })).AssertOkAsync())
            .GetProperty("join_token").GetString()!;
        Directory.CreateDirectory(state);
        var hostXml = Path.Combine(_work, "host.xml");
        await File.WriteAllTextAsync(hostXml, """
            <node>
              <cpu><mhz>2400</mhz><model>simulated</model><active>8</active><max>8</max><nodes>1</nodes><sockets>1</sockets><cores>8</cores><threads>1</threads></cpu>
              <memory>8388608</memory>
            </node>
            """);
        _libvirt = LibvirtConnection.Open($"test://{hostXml}");
        var options = new AgentOptions
        {
            ApiUrl = api.BaseAddress.ToString(),
            JoinToken = token,
            StateDirectory = state,
            LibvirtUri = "test:///simulated",
            HeartbeatInterval = TimeSpan.FromMilliseconds(500),
            LongPollWait = TimeSpan.FromSeconds(10),
            DatabaseChannels = true,
        };
        var libvirt = _libvirt;
        var runtime = new HostAgentRuntime(options, new AgentApiClient(new HttpClient(api.CreateHandler()) { BaseAddress = api.BaseAddress }),
            NullLogger.Instance, TimeProvider.System, () => libvirt);
        _agentStop = new CancellationTokenSource();
        _agent = Task.Run(() => runtime.RunAsync(_agentStop.Token));
        await Eventually.TrueAsync(() => Task.FromResult(HostCredential.Load(state) is not null), TimeSpan.FromSeconds(90), "the agent did not enrol");
    }

    /// <summary>
    /// The guest's data directory as the database image leaves it, under <paramref name="guestRoot"/>: the agent script as
    /// bin/dbagent, a cluster whose settings are the guest's (archive_command as configure writes it, backup.conf included)
    /// listening on its socket in /run/postgresql (where the script's psql looks) on its own port only.
    /// </summary>
    private async Task PrepareGuestAsync(string guestRoot, string pgdata, int port)
    {
        var data = Path.Combine(guestRoot, "data");
        foreach (var directory in new[] { Path.Combine(guestRoot, "bin"), Path.Combine(data, "platform"), Path.Combine(guestRoot, "run", "db") })
        {
            Directory.CreateDirectory(directory);
        }

        File.Copy(Path.Combine(Repository.Root, "deploy", "db-image", "dbagent"), Path.Combine(guestRoot, "bin", "dbagent"));
        await RunAsync("chmod", "755", Path.Combine(guestRoot, "bin", "dbagent"));
        await RunAsync("chown", "-R", "postgres:postgres", _work);
        await RunAsync("chmod", "755", _work);
        await AsPostgresAsync($"{PostgresBin}/initdb -D {pgdata} -A trust -U postgres --no-sync");
        await File.WriteAllTextAsync(Path.Combine(pgdata, "platform.conf"),
            $"port = {port}\nlisten_addresses = ''\nunix_socket_directories = '/run/postgresql, {_work}'\narchive_mode = on\n"
            + $"archive_command = 'test ! -f {data}/backup/stanza || pgbackrest --config={data}/backup/pgbackrest.conf --stanza=\"$(cat {data}/backup/stanza)\" archive-push \"%p\"'\n"
            + "include_if_exists = 'backup.conf'\n");
        await File.AppendAllTextAsync(Path.Combine(pgdata, "postgresql.conf"), "include 'platform.conf'\n");
        // What the guest's storage step leaves once its data volume is mounted.
        await File.WriteAllTextAsync(Path.Combine(guestRoot, "run", "db", "storage"), "ready\n");
        await RunAsync("chown", "-R", "postgres:postgres", guestRoot);
        _clusters.Add(pgdata);
        await AsPostgresAsync($"{PostgresBin}/pg_ctl start -D {pgdata} -l {_work}/guest.log -w -t 60");
    }

    private static async Task<string?> StatusAsync(HttpClient client) =>
        (await (await client.GetAsync($"{Api}/db-instances/orders")).AssertOkAsync()).GetProperty("db_instance_status").GetString();

    /// <summary>The earliest restorable time DescribeDBInstanceAutomatedBackups lists, if any.</summary>
    private static async Task<string?> EarliestAsync(HttpClient client)
    {
        var listed = (await (await client.GetAsync($"{Api}/db-instance-automated-backups")).AssertOkAsync()).GetProperty("db_instance_automated_backups");
        return listed.GetArrayLength() == 1 && listed[0].GetProperty("restore_window").TryGetProperty("earliest_time", out var earliest) ? earliest.ToString() : null;
    }

    private static async Task<List<(string OperationId, string Label)>> CompletedAsync(string data, string resourceId) =>
        [.. (await OperationsAsync(data, resourceId)).Where(o => o.CompletedAt is not null).Select(o => (o.OperationId, o.Label ?? ""))];

    private static async Task<List<string>> OpenAsync(string data, string resourceId) =>
        [.. (await OperationsAsync(data, resourceId)).Where(o => o.CompletedAt is null).Select(o => o.OperationId)];

    /// <summary>The API's backup bookkeeping, read from its database file (read only, beside the running process).</summary>
    private static async Task<List<(string OperationId, string? CompletedAt, string? Label)>> OperationsAsync(string data, string resourceId)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "platform.db")};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT operation_id, completed_at, backup_label FROM rds_backup_operations WHERE resource_id = $id AND snapshot_identifier IS NULL";
        command.Parameters.AddWithValue("$id", resourceId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string?, string?)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return rows;
    }

    private static long Bytes(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(f => { try { return new FileInfo(f).Length; } catch (IOException) { return 0; } }) : 0;

    private static string Log(string run, string operation)
    {
        var log = Path.Combine(run, $"backup-{operation}.log");
        return File.Exists(log) ? File.ReadAllText(log).Trim() : "(no log)";
    }

    private Task<string> SqlAsync(int port, string sql) =>
        RunAsync("runuser", "-u", "postgres", "--", "psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", _work, "-p", port.ToString(CultureInfo.InvariantCulture), "-d", "postgres", "-c", sql);

    private static Task<string> AsPostgresAsync(string command) => RunAsync("runuser", "-u", "postgres", "--", "sh", "-c", command);

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var (code, text) = await RunAllowingFailureAsync(file, arguments);
        return code == 0 ? text : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {code}: {text}");
    }

    private static async Task<(int Code, string Output)> RunAllowingFailureAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>
    /// The guest's side of its management channel (the host-side socket QEMU would listen on): each request line answered as
    /// the guest answers it. Backup and status go to the guest's agent script itself; configure and repository are done here
    /// on this machine's paths (the script's would set up the guest's /etc/hosts and /run): configure notes the generation
    /// and stanza (the cluster already runs with the guest's settings); repository writes pgBackRest's configuration with
    /// the script's repository options (<c>repository-conf</c>), the repository being the API's S3 at the endpoint asked,
    /// creates the stanza there and sets the archive timeout, as the script does.
    /// </summary>
    private sealed class GuestStandIn : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly CancellationTokenSource _stop = new();
        private readonly string _root;
        private readonly string _data;
        private readonly string _pgdata;
        private readonly int _port;
        private readonly ITestOutputHelper _output;
        private readonly StringBuilder _log = new();
        private readonly Task _loop;
        private readonly SemaphoreSlim _one = new(1, 1);
        private string? _lastStatus;

        public GuestStandIn(string socket, string root, string pgdata, int port, ITestOutputHelper output)
        {
            _root = root;
            _data = Path.Combine(root, "data");
            _pgdata = pgdata;
            _port = port;
            _output = output;
            _listener.Bind(new UnixDomainSocketEndPoint(socket));
            _listener.Listen(8);
            _loop = Task.Run(AcceptAsync);
        }

        public string Log
        {
            get
            {
                lock (_log)
                {
                    return $"{_log}last status: {_lastStatus}";
                }
            }
        }

        /// <summary>The sets pgBackRest lists in the automated backups' repository (read through the API's S3); none while it is down.</summary>
        public async Task<List<string>> SetsAsync()
        {
            var (code, text) = await RunAllowingFailureAsync("runuser", "-u", "postgres", "--", "sh", "-c",
                $"pgbackrest --config={_data}/backup/pgbackrest.conf --stanza=$(cat {_data}/backup/stanza) --repo=1 info --output=text");
            Assert.True(code == 0, $"pgbackrest info failed: {text}");
            return [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("full backup: ", StringComparison.Ordinal)).Select(l => l["full backup: ".Length..])];
        }

        /// <summary>The WAL segments in the snapshot repository (repo2), as pgBackRest lists them through the API's S3.</summary>
        public async Task<List<string>> SnapshotSegmentsAsync()
        {
            var (code, text) = await RunAllowingFailureAsync("runuser", "-u", "postgres", "--", "sh", "-c",
                $"pgbackrest --config={_data}/backup/pgbackrest.conf --stanza=$(cat {_data}/backup/stanza) --repo=2 --recurse repo-ls archive/$(cat {_data}/backup/stanza)");
            Assert.True(code == 0, $"pgbackrest repo-ls failed: {text}");
            return [.. text.Split('\n').Select(l => l.Trim()).Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, "/[0-9A-F]{24}-[0-9a-f]{40}"))];
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket connection;
                try
                {
                    connection = await _listener.AcceptAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                _ = Task.Run(() => ServeAsync(connection));
            }
        }

        private async Task ServeAsync(Socket connection)
        {
            using var stream = new NetworkStream(connection, ownsSocket: true);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            try
            {
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    // One request at a time, as the guest's serve loop answers them.
                    await _one.WaitAsync(_stop.Token);
                    string answer;
                    try
                    {
                        answer = await AnswerAsync(line);
                    }
                    finally
                    {
                        _one.Release();
                    }

                    lock (_log)
                    {
                        var verb = line.Split(' ').ElementAtOrDefault(1);
                        if (verb == "status")
                        {
                            _lastStatus = answer;
                        }
                        else
                        {
                            _log.Append(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss} {string.Join(' ', line.Split(' ').Take(4))} -> {answer}\n");
                        }
                    }

                    await writer.WriteLineAsync(answer);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The agent closed the channel (or the test ended).
            }
        }

        private async Task<string> AnswerAsync(string line)
        {
            var fields = line.Split(' ');
            switch (fields.ElementAtOrDefault(1))
            {
                case "configure" when fields.Length == 11:
                    await File.WriteAllTextAsync(Path.Combine(_data, "platform", "stanza"), fields[10] + "\n");
                    await File.WriteAllTextAsync(Path.Combine(_data, "platform", "generation"), fields[2] + "\n");
                    return $"{fields[0]} ok configure {fields[2]}";
                case "repository" when fields.Length >= 13:
                    return await RepositoryAsync(fields);
                default:
                    return await GuestAnswerAsync(line);
            }
        }

        private async Task<string> RepositoryAsync(string[] fields)
        {
            string Text(int i) => Encoding.UTF8.GetString(Convert.FromBase64String(fields[i]));
            var (rid, hash, endpoint) = (fields[0], fields[2], Text(3));
            var backup = Path.Combine(_data, "backup");
            Directory.CreateDirectory(backup);
            await File.WriteAllTextAsync(Path.Combine(backup, "ca.pem"), Text(10));
            var stanza = (await File.ReadAllTextAsync(Path.Combine(_data, "platform", "stanza"))).Trim();
            var options = await RunAsync("sh", Path.Combine(_root, "bin", "dbagent"), "repository-conf", endpoint.Split(':')[0], endpoint.Split(':')[1], Text(4), Text(5), Text(6),
                Text(7), Text(8), Text(9), fields[11], Path.Combine(backup, "ca.pem"));
            await File.WriteAllTextAsync(Path.Combine(backup, "pgbackrest.conf"), "[global]\n" + options
                + $"log-level-console=warn\nlog-level-file=off\nlock-path={_root}/run/db/pgbackrest\n[{stanza}]\npg1-path={_pgdata}\npg1-socket-path=/run/postgresql\npg1-port={_port}\n");
            await File.WriteAllTextAsync(Path.Combine(backup, "stanza"), stanza + "\n");
            await RunAsync("chown", "-R", "postgres:postgres", backup);
            var (code, text) = await RunAllowingFailureAsync("runuser", "-u", "postgres", "--", "sh", "-c", $"pgbackrest --config={backup}/pgbackrest.conf --stanza={stanza} stanza-create");
            if (code != 0)
            {
                _output.WriteLine($"stanza-create: {text}");
                return $"{rid} error {Convert.ToBase64String(Encoding.UTF8.GetBytes("pgbackrest stanza-create: " + text.Trim()))}";
            }

            await File.WriteAllTextAsync(Path.Combine(_pgdata, "backup.conf"), $"archive_timeout = {fields[12]}\n");
            await RunAsync("chown", "postgres:postgres", Path.Combine(_pgdata, "backup.conf"));
            await RunAsync("runuser", "-u", "postgres", "--", $"{PostgresBin}/pg_ctl", "reload", "-D", _pgdata);
            await File.WriteAllTextAsync(Path.Combine(_data, "platform", "repository"), hash + "\n");
            return $"{rid} ok repository {hash}";
        }

        /// <summary>The guest's agent script's answer to one request line (its first line: a backup it starts keeps the pipe open).</summary>
        private async Task<string> GuestAnswerAsync(string line)
        {
            var start = new ProcessStartInfo("env") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { $"DBAGENT_ROOT={_root}", "sh", Path.Combine(_root, "bin", "dbagent"), "answer" })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            await process.StandardInput.WriteLineAsync(line);
            process.StandardInput.Close();
            var answer = await process.StandardOutput.ReadLineAsync() ?? "";
            await process.WaitForExitAsync();
            return answer.Trim();
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Dispose();
            await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }
    }
}

/// <summary>A fact that runs Debian's PostgreSQL 15 and pgBackRest as the <c>postgres</c> user: skipped only where they cannot run (not installed, not root).</summary>
public sealed class PgBackRestFactAttribute : FactAttribute
{
    public PgBackRestFactAttribute()
    {
        if (!File.Exists("/usr/bin/pgbackrest") || !File.Exists("/usr/lib/postgresql/15/bin/initdb"))
        {
            Skip = "pgBackRest or PostgreSQL 15 is not installed (deploy/install-prerequisites.sh installs them)";
        }
        else if (Environment.UserName != "root")
        {
            Skip = "runs PostgreSQL as the postgres user: needs root";
        }
    }
}
