using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.OpenVSwitch.Tests;

namespace Platform.EndToEnd.Tests;

/// <summary>The database benchmarks of bench/rds.sh (issue 12, item 7): they measure, and assert little.</summary>
public sealed partial class RdsEndToEndTests
{
    private static readonly Regex Tps = new(@"tps = ([\d.]+) \(without initial connection time\)", RegexOptions.Compiled);

    private static int BenchSetting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    /// <summary>
    /// For bench/rds.sh only (PLATFORM_BENCH_OUTPUT set). In one run: pgbench on PostgreSQL 15 started directly on this machine
    /// (initdb's defaults, shared_buffers 128 MB as the 512 MiB guest gets; TLS, over loopback), then a DB instance created and
    /// timed to available with its states and console markers, pgbench's data of BENCH_RDS_SCALE (68: about 1 GiB) generated in
    /// it and the same pgbench run against it from outside (TLS, through the edge); then a client committing a row a second with
    /// its own timestamp while the guest is destroyed with <c>virsh destroy</c>, and the instance restored to the latest
    /// restorable time the API showed at the kill (the point-in-time restore of the 1 GiB database, timed with its states):
    /// RPO is the last committed row's time minus the last restored one's.
    /// </summary>
    [BenchFact]
    public async Task Bench_create_pgbench_against_local_PostgreSQL_and_RPO_and_restore_of_a_hard_killed_1_GiB_instance()
    {
        var scale = BenchSetting("BENCH_RDS_SCALE", 68);
        var clients = BenchSetting("BENCH_RDS_CLIENTS", 4);
        var seconds = BenchSetting("BENCH_RDS_SECONDS", 60);
        var result = new Dictionary<string, object?> { ["scale"] = scale, ["clients"] = clients, ["threads"] = 2, ["seconds"] = seconds };
        var total = Stopwatch.StartNew();

        // The reference first, on the machine before any guest runs: the same PostgreSQL 15 binaries, the same pgbench.
        result["local"] = await LocalPgbenchAsync(scale, clients, seconds);
        output.WriteLine($"local: {JsonSerializer.Serialize(result["local"])}");

        var (started, group) = await StartCloudAsync();
        await using var cloud = started;
        var root = cloud.Root;
        var watch = Stopwatch.StartNew();
        await (await root.PostJsonAsync("/api/v1/rds/db-instances", new
        {
            db_instance_identifier = "bench", engine = "postgres", engine_version = "15", db_instance_class = "db.t3.micro", allocated_storage = 5,
            master_username = "app", master_user_password = Password, db_subnet_group_name = "orders-net", backup_retention_period = 1,
            preferred_backup_window = $"{DateTime.UtcNow.AddHours(12):HH:mm}-{DateTime.UtcNow.AddHours(13):HH:mm}", publicly_accessible = true,
            vpc_security_group_ids = new[] { group },
        })).AssertOkAsync();
        result["create_answer_s"] = watch.Elapsed.TotalSeconds;
        var (instance, guest, createTimeline) = await TimelineAsync(cloud, "bench", null, watch, TimeSpan.FromMinutes(10));
        result["create_to_available_s"] = watch.Elapsed.TotalSeconds;
        result["create_timeline"] = createTimeline;
        output.WriteLine($"create to available {watch.Elapsed.TotalSeconds:0.0} s: {JsonSerializer.Serialize(createTimeline)}");
        Assert.Equal("available", instance.GetProperty("db_instance_status").GetString());
        var address = instance.GetProperty("endpoint").GetProperty("public_address").GetString()!;
        (int ExitCode, string Output) answer = (-1, "");
        await Eventually.TrueAsync(async () => (answer = await PsqlAsync(address, Password, "SELECT 1", connectTimeoutSeconds: 5)).ExitCode == 0,
            TimeSpan.FromSeconds(90), () => $"psql from outside never logged in: {answer.Output}", TimeSpan.FromSeconds(1));
        result["create_to_psql_s"] = watch.Elapsed.TotalSeconds;

        // The first automated backup (taken once the instance is up): what a point-in-time restore starts from.
        watch.Restart();
        await Eventually.TrueAsync(async () =>
            (instance = await (await root.GetAsync("/api/v1/rds/db-instances/bench")).AssertOkAsync()).GetProperty("db_instance_status").GetString() == "available"
            && instance.TryGetProperty("earliest_restorable_time", out var earliest) && earliest.ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(600), () => $"no first backup: {instance}", TimeSpan.FromSeconds(2));
        result["first_backup_s"] = watch.Elapsed.TotalSeconds;

        // pgbench's tables generated in the guest (server side: the data does not cross the network), then the same run as the reference's.
        watch.Restart();
        var init = await PgbenchAsync(address, "-i", "-s", scale.ToString(CultureInfo.InvariantCulture), "-I", "dtGvp", "postgres");
        Assert.True(init.ExitCode == 0, $"pgbench -i in the guest: {init.Output}");
        result["guest_init_s"] = watch.Elapsed.TotalSeconds;
        answer = await PsqlAsync(address, Password, "SELECT pg_database_size('postgres')");
        result["database_bytes"] = long.Parse(answer.Output.Trim(), CultureInfo.InvariantCulture);
        var loaded = DateTime.UtcNow;
        // The archive catches up with the generated data's WAL before the measured run (its pushes would take the guest's one vCPU).
        watch.Restart();
        await LatestRestorablePastAsync(root, "bench", loaded, TimeSpan.FromMinutes(20));
        result["archive_catch_up_after_init_s"] = watch.Elapsed.TotalSeconds;
        var run = await PgbenchAsync(address, "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2", "-T", seconds.ToString(CultureInfo.InvariantCulture), "postgres");
        Assert.True(run.ExitCode == 0, $"pgbench in the guest: {run.Output}");
        result["guest_tps"] = double.Parse(Tps.Match(run.Output).Groups[1].Value, CultureInfo.InvariantCulture);
        result["guest_pgbench"] = run.Output;
        output.WriteLine($"guest: init {result["guest_init_s"]:0} s, {result["database_bytes"]} bytes, tps {result["guest_tps"]}");

        // A client commits a row a second with its own timestamp (the last acknowledged one is the last committed); once the archive has some of them, the guest is destroyed hard.
        answer = await PsqlAsync(address, Password, "CREATE TABLE ticks (at timestamptz PRIMARY KEY)");
        Assert.True(answer.ExitCode == 0, answer.Output);
        DateTime? lastCommitted = null;
        var committed = 0;
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var at = DateTime.UtcNow;
                var tick = await Shell.RunAsync("timeout", "5", "ip", "netns", "exec", Outside, "env", $"PGPASSWORD={Password}", "PGCONNECT_TIMEOUT=3",
                    "psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", $"host={address} port=5432 dbname=postgres user=app sslmode=verify-ca sslrootcert={Path.Combine(_work, "ca.pem")}",
                    "-c", $"INSERT INTO ticks VALUES ('{at:yyyy-MM-ddTHH:mm:ss.ffffffZ}')");
                if (tick.ExitCode == 0)
                {
                    lastCommitted = at;
                    committed++;
                }

                var next = at.AddSeconds(1) - DateTime.UtcNow;
                if (next > TimeSpan.Zero)
                {
                    await Task.Delay(next);
                }
            }
        });
        var writing = DateTime.UtcNow;
        await LatestRestorablePastAsync(root, "bench", writing.AddSeconds(5), TimeSpan.FromMinutes(10));
        // Then a while longer, so the kill falls somewhere inside an archive timeout rather than just after a push.
        await Task.Delay(TimeSpan.FromSeconds(Random.Shared.Next(20, 60)));
        var killed = DateTime.UtcNow;
        await Shell.CheckAsync("virsh", "-c", "qemu:///system", "destroy", guest);
        instance = await (await root.GetAsync("/api/v1/rds/db-instances/bench")).AssertOkAsync();
        var latest = instance.GetProperty("latest_restorable_time").GetDateTime().ToUniversalTime();
        await Task.Delay(TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await writer;
        result["rows_committed"] = committed;
        result["last_committed"] = lastCommitted;
        result["killed"] = killed;
        result["latest_restorable_at_kill"] = latest;
        output.WriteLine($"killed {killed:O}: last committed {lastCommitted:O}, latest restorable {latest:O}");

        // Restored to that latest restorable time (RDS's RestoreTime is whole seconds: the second it falls in).
        var restoreTime = new DateTime(latest.Ticks - latest.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        watch.Restart();
        await (await root.PostJsonAsync("/api/v1/rds/db-instances/bench/restore-to-point-in-time", new
        {
            target_db_instance_identifier = "bench-restored", restore_time = restoreTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            publicly_accessible = true, vpc_security_group_ids = new[] { group },
        })).AssertOkAsync();
        var (restored, restoredGuest, restoreTimeline) = await TimelineAsync(cloud, "bench-restored", guest, watch, TimeSpan.FromMinutes(30));
        result["restore_s"] = watch.Elapsed.TotalSeconds;
        result["restore_timeline"] = restoreTimeline;
        result["restore_status"] = restored.GetProperty("db_instance_status").GetString();
        output.WriteLine($"restore {watch.Elapsed.TotalSeconds:0.0} s: {JsonSerializer.Serialize(restoreTimeline)}");
        Assert.True(restored.GetProperty("db_instance_status").GetString() == "available",
            $"{restored}\nconsole:\n{cloud.ConsoleText(restoredGuest, 0)}\nagent log:\n{cloud.Agent.Output}");
        var restoredAddress = restored.GetProperty("endpoint").GetProperty("public_address").GetString()!;
        await Eventually.TrueAsync(async () => (answer = await PsqlAsync(restoredAddress, Password,
                "SELECT to_char(max(at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), count(*), (SELECT count(*) FROM pgbench_accounts) FROM ticks",
                connectTimeoutSeconds: 5)).ExitCode == 0,
            TimeSpan.FromSeconds(90), () => $"psql never reached the restored instance: {answer.Output}", TimeSpan.FromSeconds(1));
        var columns = answer.Output.Trim().Split('|');
        Assert.Equal((scale * 100000L).ToString(CultureInfo.InvariantCulture), columns[2]);
        var lastRestored = DateTime.Parse(columns[0], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        result["last_restored"] = lastRestored;
        result["rows_restored"] = int.Parse(columns[1], CultureInfo.InvariantCulture);
        result["rpo_s"] = (lastCommitted!.Value - lastRestored).TotalSeconds;
        result["source_guest_running_again"] = (await cloud.OwnedDomainsAsync()).GetValueOrDefault(guest);
        result["total_s"] = total.Elapsed.TotalSeconds;
        result["load_average"] = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        output.WriteLine($"RPO {result["rpo_s"]:0.0} s: last committed {lastCommitted:O}, last restored {lastRestored:O}");
        await File.AppendAllTextAsync(Environment.GetEnvironmentVariable("PLATFORM_BENCH_OUTPUT")!, JsonSerializer.Serialize(result) + "\n");

        await (await root.DeleteAsync("/api/v1/rds/db-instances/bench-restored?skip_final_snapshot=true")).AssertOkAsync();
        await (await root.DeleteAsync("/api/v1/rds/db-instances/bench?skip_final_snapshot=true")).AssertOkAsync();
        await Eventually.TrueAsync(async () => (await cloud.OwnedDomainsAsync()).Count == 0, TimeSpan.FromSeconds(180), "the bench's guests stayed after the deletes");
    }

    /// <summary>
    /// Polls the instance every second until it is available or failed, from the watch's start: each state with the second it was
    /// first seen, and each of the guest's PLATFORM- console markers with the second it first showed. Returns the last description
    /// and the instance's guest (the owned domain that is not <paramref name="other"/>).
    /// </summary>
    private static async Task<(JsonElement Instance, string Guest, List<object> Timeline)> TimelineAsync(RealCloud cloud, string id, string? other, Stopwatch watch, TimeSpan timeout)
    {
        var timeline = new List<object>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? guest = null;
        JsonElement instance = default;
        while (watch.Elapsed < timeout)
        {
            instance = await (await cloud.Root.GetAsync($"/api/v1/rds/db-instances/{id}")).AssertOkAsync();
            var status = instance.GetProperty("db_instance_status").GetString()!;
            if (seen.Add("state " + status))
            {
                timeline.Add(new { at_s = Math.Round(watch.Elapsed.TotalSeconds, 1), what = "state " + status });
            }

            if (guest is null && (await cloud.OwnedDomainsAsync()).Keys.FirstOrDefault(k => k != other) is { } defined)
            {
                guest = defined;
                cloud.Remember(guest);
                timeline.Add(new { at_s = Math.Round(watch.Elapsed.TotalSeconds, 1), what = "guest defined" });
            }

            if (guest is not null)
            {
                foreach (var line in cloud.ConsoleText(guest, 0).Split('\n'))
                {
                    var marker = line.Trim();
                    if (marker.StartsWith("PLATFORM-", StringComparison.Ordinal) && seen.Add(marker.Split(' ')[0]))
                    {
                        timeline.Add(new { at_s = Math.Round(watch.Elapsed.TotalSeconds, 1), what = marker.Length > 80 ? marker[..80] : marker });
                    }
                }
            }

            if (status is "available" or "failed")
            {
                return (instance, guest ?? throw new InvalidOperationException($"{id} turned {status} without a guest"), timeline);
            }

            await Task.Delay(1000);
        }

        throw new TimeoutException($"{id} did not turn available in {timeout}: {instance}\n{JsonSerializer.Serialize(timeline)}\nagent log:\n{cloud.Agent.Output}");
    }

    /// <summary>Waits until the instance's latest restorable time passes a moment (the archive has caught up with it).</summary>
    private static async Task LatestRestorablePastAsync(HttpClient root, string id, DateTime moment, TimeSpan timeout)
    {
        JsonElement instance = default;
        await Eventually.TrueAsync(async () =>
            (instance = await (await root.GetAsync($"/api/v1/rds/db-instances/{id}")).AssertOkAsync()).TryGetProperty("latest_restorable_time", out var latest)
            && latest.ValueKind == JsonValueKind.String && latest.GetDateTime().ToUniversalTime() > moment,
            timeout, () => $"the latest restorable time did not pass {moment:O}: {instance}", TimeSpan.FromSeconds(2));
    }

    /// <summary>pgbench from the outside namespace against a DB instance, as the master user, TLS verified against the platform CA.</summary>
    private Task<(int ExitCode, string Output)> PgbenchAsync(string address, params string[] arguments) =>
        Shell.RunAsync("ip", ["netns", "exec", Outside, "env", $"PGPASSWORD={Password}", "PGSSLMODE=verify-ca", $"PGSSLROOTCERT={Path.Combine(_work, "ca.pem")}",
            "pgbench", "-h", address, "-p", "5432", "-U", "app", .. arguments]);

    /// <summary>
    /// PostgreSQL 15 of this machine's packages in a fresh cluster of its own (initdb's defaults, TLS on with a throwaway
    /// certificate) on a free loopback port: pgbench's data generated server side and the same run, then the cluster removed.
    /// </summary>
    private static async Task<Dictionary<string, object?>> LocalPgbenchAsync(int scale, int clients, int seconds)
    {
        const string Bin = "/usr/lib/postgresql/15/bin/";
        var dir = Path.Combine(Path.GetTempPath(), "platform-rds-bench-" + Shell.NewSuffix());
        Directory.CreateDirectory(dir);
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        try
        {
            await Shell.CheckAsync("openssl", "req", "-new", "-x509", "-days", "1", "-nodes", "-subj", "/CN=127.0.0.1", "-newkey", "rsa:2048",
                "-keyout", Path.Combine(dir, "server.key"), "-out", Path.Combine(dir, "server.crt"));
            await Shell.CheckAsync("chown", "-R", "postgres:postgres", dir);
            await Shell.CheckAsync("chmod", "600", Path.Combine(dir, "server.key"));
            await Shell.CheckAsync("runuser", "-u", "postgres", "--", Bin + "initdb", "-D", Path.Combine(dir, "data"), "-A", "trust", "-U", "postgres");
            await Shell.CheckAsync("runuser", "-u", "postgres", "--", Bin + "pg_ctl", "-D", Path.Combine(dir, "data"), "-l", Path.Combine(dir, "log"), "-w", "start",
                "-o", $"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file={dir}/server.crt -c ssl_key_file={dir}/server.key");
            string[] pgbench = ["runuser", "-u", "postgres", "--", "env", "PGSSLMODE=require", "pgbench", "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture)];
            var watch = Stopwatch.StartNew();
            await Shell.CheckAsync(pgbench[0], [.. pgbench[1..], "-i", "-s", scale.ToString(CultureInfo.InvariantCulture), "-I", "dtGvp", "postgres"]);
            var init = watch.Elapsed.TotalSeconds;
            var run = await Shell.CheckAsync(pgbench[0], [.. pgbench[1..], "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2", "-T", seconds.ToString(CultureInfo.InvariantCulture), "postgres"]);
            var version = (await Shell.CheckAsync(Bin + "postgres", "--version")).Trim();
            return new Dictionary<string, object?>
            {
                ["init_s"] = init, ["tps"] = double.Parse(Tps.Match(run).Groups[1].Value, CultureInfo.InvariantCulture), ["pgbench"] = run, ["version"] = version,
            };
        }
        finally
        {
            await Shell.RunAsync("runuser", "-u", "postgres", "--", Bin + "pg_ctl", "-D", Path.Combine(dir, "data"), "-m", "immediate", "-w", "stop");
            Directory.Delete(dir, recursive: true);
        }
    }
}
