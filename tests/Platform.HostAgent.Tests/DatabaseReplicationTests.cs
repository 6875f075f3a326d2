using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Platform.HostAgent.Databases;
using Platform.HostAgent.Protocol;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.HostAgent.Tests;

/// <summary>
/// Multi-AZ's replication and failover as the database guest's agent does them (deploy/db-image/dbagent: its requests
/// <c>configure</c>, <c>primary</c>, <c>standby</c>, <c>promote</c>, <c>replication</c>, answered by <c>dbagent request</c>
/// exactly as over the virtio-serial channel), with two clusters of Debian's PostgreSQL 15 on this machine standing in for
/// the two guests (each its own data directory and port, the replication over TLS on 127.0.0.1). What a guest adds (its
/// own server, the VPC between them) is not here; what is checked is that a commit waits for the standby, and that
/// promoting the standby after the primary is killed (SIGKILL, as a lost server) loses no acknowledged commit.
/// </summary>
public sealed class DatabaseReplicationTests(ITestOutputHelper output)
{
    private const string PostgresBin = "/usr/lib/postgresql/15/bin";
    private const string Password = "replication-secret-0123456789";

    [PgBackRestFact]
    public async Task Given_a_primary_and_a_synchronous_standby_Then_commits_wait_for_the_standby_and_a_failover_after_the_primary_is_killed_loses_no_acknowledged_commit()
    {
        var work = Directory.CreateTempSubdirectory("platform-maz-").FullName;
        var (ca, certificate, key) = Certificates();
        var a = new Guest(Path.Combine(work, "a"), FreePort(), ca, certificate, key);
        var b = new Guest(Path.Combine(work, "b"), FreePort(), ca, certificate, key);
        try
        {
            await RunAsync("chmod", "755", work);
            await a.PrepareAsync();
            await b.PrepareAsync();
            Assert.Equal("r1 ok configure 1", await a.RequestAsync("r1 " + a.Configure(1)));
            Assert.Equal("r1 ok configure 1", await b.RequestAsync("r1 " + b.Configure(1)));

            // A is the primary of term 1 with standby_b; B is rebuilt from A and streams, the synchronous standby.
            // (async while B is made, as the API asks it: pg_basebackup's own connection is no standby, commits would wait all along.)
            Assert.Equal("r2 ok primary 1", await a.RequestAsync($"r2 primary 1 standby_b {B64(Password)} 127.0.0.1 async"));
            var standby = $"standby 1 127.0.0.1 {a.Port} standby_b {B64(Password)} {B64(ca)}";
            Assert.Equal("r3 ok standby 1 running", await b.RequestAsync("r3 " + standby));
            await EventuallyAsync(async () => await b.RequestAsync("r4 " + standby) == "r4 ok standby 1 done", "B did not become A's standby", b);
            Assert.Equal("r5 ok replication standby 1 t", Prefix(await b.RequestAsync("r5 replication"), 6));
            await EventuallyAsync(async () => Prefix(await a.RequestAsync("r6 replication"), 8) == "r6 ok replication primary 1 t 0 f", "A does not see B streaming", a);
            Assert.Equal("r6 ok primary 1", await a.RequestAsync($"r6 primary 1 standby_b {B64(Password)} 127.0.0.1 sync"));
            await EventuallyAsync(async () => Prefix(await a.RequestAsync("r6 replication"), 8) == "r6 ok replication primary 1 t 0 t", "A does not see B as its synchronous standby", a);
            // The same request again starts nothing; the standby's own settings stayed its own (its port) and it kept its generation.
            Assert.Equal("r7 ok standby 1 done", await b.RequestAsync("r7 " + standby));
            Assert.StartsWith("r8 ok status Available 1 t ", await b.RequestAsync("r8 status"), StringComparison.Ordinal);
            // A configure on the standby (read only) applies its settings and leaves the roles to the primary's WAL.
            Assert.Equal("r9 ok configure 2", await b.RequestAsync("r9 " + b.Configure(2)));

            await a.SqlAsync("CREATE TABLE orders (id int PRIMARY KEY)");
            await a.SqlAsync("INSERT INTO orders VALUES (0)");
            Assert.Equal("1", await b.SqlAsync("SELECT count(*) FROM orders"));

            // ReplicaLag (status's last field, the report's metric): the standby that replayed all it received lags 0; the
            // primary reports its streaming standby's replay lag as PostgreSQL measured it.
            double? Lag(string line) => DatabaseChannelProtocol.Report(DatabaseChannelProtocol.Parse("l", line)!.Fields).Metrics!.ReplicaLagSeconds;
            await EventuallyAsync(async () => Lag(await b.RequestAsync("l status")) == 0, "the caught-up standby's lag is not 0", b);
            var primaryLag = Lag(await a.RequestAsync("l status"));
            Assert.True(primaryLag is >= 0 and < 60, $"the primary's lag: {primaryLag}");
            // The standby's replay paused, a commit (synchronous: flushed on the standby, not replayed): the standby lags by
            // the time since the newest transaction it replayed, growing; replaying again it is back to 0.
            await b.SqlAsync("SELECT pg_wal_replay_pause()");
            await a.SqlAsync("INSERT INTO orders VALUES (999999)");
            await Task.Delay(TimeSpan.FromSeconds(3));
            var paused = Lag(await b.RequestAsync("l status"));
            Assert.True(paused >= 3, $"the paused standby's lag: {paused}");
            await b.SqlAsync("SELECT pg_wal_replay_resume()");
            await EventuallyAsync(async () => Lag(await b.RequestAsync("l status")) == 0, "the standby replaying again does not lag 0", b);
            Assert.Equal("1", await b.SqlAsync("SELECT count(*) FROM orders WHERE id = 999999"));
            output.WriteLine($"replica lag: primary {primaryLag} s, standby paused 3 s {paused} s");

            // Synchronous: with the standby down, a commit on the primary does not return; it waits for the standby
            // (SyncRep), and returns once the standby is back, with its row there.
            await b.KillAsync();
            var waiting = a.SqlAsync("INSERT INTO orders VALUES (-1)", quiet: false);
            await EventuallyAsync(async () => await a.SqlAsync("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'") == "1",
                "the commit is not waiting for the standby", a);
            Assert.False(waiting.IsCompleted, "the commit returned while its standby was down");
            await b.StartAsync();
            Assert.Equal("INSERT 0 1", (await waiting.WaitAsync(TimeSpan.FromSeconds(120))).Trim());
            Assert.Equal("1", await b.SqlAsync("SELECT count(*) FROM orders WHERE id = -1"));

            // Commits one after another, each printed once acknowledged; the primary is killed (SIGKILL) mid-way.
            var acknowledged = new List<int>();
            using var writer = a.Writer(acknowledged);
            await EventuallyAsync(() => Task.FromResult(Count(acknowledged) >= 20), "no commits acknowledged", a);
            await a.KillAsync();
            await writer.WaitForExitAsync();
            var last = Last(acknowledged);
            output.WriteLine($"{Count(acknowledged)} commits acknowledged before the primary was killed, the last {last}");

            // Failover: B is promoted to the primary of term 2 and has every acknowledged commit; it takes writes at once
            // (no synchronous standby named until the API gives it one).
            Assert.Equal("p1 ok promote 2", await b.RequestAsync("p1 promote 2"));
            Assert.Equal(last.ToString(CultureInfo.InvariantCulture), await b.SqlAsync($"SELECT count(*) FROM orders WHERE id BETWEEN 1 AND {last}"));
            Assert.Equal("INSERT 0 1", (await b.SqlAsync("INSERT INTO orders VALUES (1000000)", quiet: false)).Trim());
            Assert.Equal("p2 ok promote 2", await b.RequestAsync("p2 promote 2"));
            Assert.StartsWith("p3 ok replication primary 2 ", await b.RequestAsync("p3 replication"), StringComparison.Ordinal);
            // An API that lags behind cannot turn it back.
            Assert.StartsWith("p4 error ", await b.RequestAsync($"p4 primary 1 standby_b {B64(Password)} 127.0.0.1"), StringComparison.Ordinal);

            // The old primary comes back as B's standby (term 2): rebuilt from B, whatever it had beyond; never as a
            // standby of its own term.
            Assert.Equal("q1 ok primary 2", await b.RequestAsync($"q1 primary 2 standby_a {B64(Password)} 127.0.0.1"));
            Assert.StartsWith("q2 error ", await a.RequestAsync($"q2 standby 1 127.0.0.1 {b.Port} standby_a {B64(Password)} {B64(ca)}"), StringComparison.Ordinal);
            var rebuilt = $"standby 2 127.0.0.1 {b.Port} standby_a {B64(Password)} {B64(ca)}";
            Assert.Equal("q3 ok standby 2 running", await a.RequestAsync("q3 " + rebuilt));
            await EventuallyAsync(async () => await a.RequestAsync("q4 " + rebuilt) == "q4 ok standby 2 done", "A did not become B's standby", a);
            await EventuallyAsync(async () => Prefix(await b.RequestAsync("q5 replication"), 8) == "q5 ok replication primary 2 t 0 t", "B does not see A as its synchronous standby", b);
            await b.SqlAsync("INSERT INTO orders VALUES (1000001)");
            Assert.Equal(string.Join(',', Enumerable.Range(1, last).Append(1000000).Append(1000001).Prepend(0).Prepend(-1)),
                await a.SqlAsync($"SELECT string_agg(id::text, ',' ORDER BY id) FROM orders WHERE id <= {last} OR id >= 1000000"));
        }
        finally
        {
            await a.StopAsync();
            await b.StopAsync();
            Directory.Delete(work, recursive: true);
        }
    }

    [PgBackRestFact]
    public async Task Given_a_desired_pair_Then_the_driver_makes_the_standby_and_after_a_failover_the_promoted_standby_has_every_row_and_the_old_primary_is_rebuilt_as_its_standby()
    {
        var work = Directory.CreateTempSubdirectory("platform-maz-").FullName;
        var channels = Path.Combine(work, "channels");
        var (ca, certificate, key) = Certificates();
        var a = new Guest(Path.Combine(work, "a"), FreePort(), ca, certificate, key);
        var b = new Guest(Path.Combine(work, "b"), FreePort(), ca, certificate, key);
        try
        {
            await RunAsync("chmod", "755", work);
            Directory.CreateDirectory(channels);
            await a.PrepareAsync();
            await b.PrepareAsync();
            await using var channelA = new Channel(DatabaseChannel.SocketPath(channels, "i-0000000000000000a"), a);
            await using var channelB = new Channel(DatabaseChannel.SocketPath(channels, "i-0000000000000000b"), b);
            await using var driver = new DatabaseDriver(new DatabaseDriverOptions
            {
                ChannelDirectory = channels, PollInterval = TimeSpan.FromMilliseconds(200), RetryInterval = TimeSpan.FromMilliseconds(200),
            });
            var backup = new DatabaseBackupRepository("api.example:8443", "platform-rds-backups", "us-east-1", "db-replication", "AK", "SK", "passphrase", 60, 7);
            DesiredInstance Instance(string id, Guest guest, DatabaseReplication replication) => new(id, 1, 320, DesiredPower.Running, new GuestImage("ami-00000000000000001", ImageFormat.Kernel), "",
                Database: new DesiredDatabase("orders", "db-replication", "postgres", "15", "app", "master-password", guest.Port, "vol-" + guest.Name,
                    new Dictionary<string, string> { ["work_mem"] = "4MB" }, 1, new DatabaseTls(certificate, key, ca),
                    // (The primary's would be set up as always; a standby's is never asked for: no repository is reachable here.)
                    Backup: replication.Role == DatabaseReplicationRole.Standby ? backup : null, Replication: replication));
            DatabaseReport Report(string id) => driver.Report(id) ?? new DatabaseReport(DatabaseState.Creating, 0);

            // Term 1: A the primary, committing alone while B is made from it, then waiting for B.
            var standbyB = new DatabaseReplication(DatabaseReplicationRole.Standby, 1, Password, "standby_b", "127.0.0.1", PeerPort: a.Port);
            driver.Track(new HostDesiredState("host-1", 1,
                [Instance("i-0000000000000000a", a, new(DatabaseReplicationRole.Primary, 1, Password, "standby_b", "127.0.0.1", Synchronous: false)), Instance("i-0000000000000000b", b, standbyB)]));
            await EventuallyAsync(() => Task.FromResult(Report("i-0000000000000000b") is { State: DatabaseState.Available, AppliedGeneration: 1, Replication: { Role: DatabaseReplicationRole.Standby, Term: 1, Streaming: true } }),
                () => $"B did not become A's streaming standby: {Report("i-0000000000000000b")}", b);
            driver.Track(new HostDesiredState("host-1", 2,
                [Instance("i-0000000000000000a", a, new(DatabaseReplicationRole.Primary, 1, Password, "standby_b", "127.0.0.1")), Instance("i-0000000000000000b", b, standbyB)]));
            await EventuallyAsync(() => Task.FromResult(Report("i-0000000000000000a") is { State: DatabaseState.Available, Replication: { Role: DatabaseReplicationRole.Primary, Streaming: true, Synchronous: true } }),
                () => $"A does not wait for B: {Report("i-0000000000000000a")}", a);
            Assert.Equal(0, channelB.Asked("repository") + channelB.Asked("backup"));
            Assert.Equal(1, channelA.Asked("configure"));

            await a.SqlAsync("CREATE TABLE orders (id int PRIMARY KEY)");
            await a.SqlAsync("INSERT INTO orders SELECT generate_series(1, 50)");

            // A's server is lost (A killed, its agent gone with it); the API fails over: B is the primary of term 2, alone.
            await a.KillAsync();
            driver.Track(new HostDesiredState("host-1", 3, [Instance("i-0000000000000000b", b, new(DatabaseReplicationRole.Primary, 2, Password))]));
            await EventuallyAsync(() => Task.FromResult(Report("i-0000000000000000b") is { State: DatabaseState.Available, Replication: { Role: DatabaseReplicationRole.Primary, Term: 2 } }),
                () => $"B was not promoted: {Report("i-0000000000000000b")}", b);
            Assert.Equal("50", await b.SqlAsync("SELECT count(*) FROM orders"));
            await b.SqlAsync("INSERT INTO orders VALUES (51)");

            // A's server is back: A is made B's standby of term 2 (rebuilt from B), then B waits for it.
            var standbyA = new DatabaseReplication(DatabaseReplicationRole.Standby, 2, Password, "standby_a", "127.0.0.1", PeerPort: b.Port);
            driver.Track(new HostDesiredState("host-1", 4,
                [Instance("i-0000000000000000a", a, standbyA), Instance("i-0000000000000000b", b, new(DatabaseReplicationRole.Primary, 2, Password, "standby_a", "127.0.0.1", Synchronous: false))]));
            await EventuallyAsync(() => Task.FromResult(Report("i-0000000000000000a") is { State: DatabaseState.Available, Replication: { Role: DatabaseReplicationRole.Standby, Term: 2, Streaming: true } }),
                () => $"A did not become B's standby: {Report("i-0000000000000000a")}", a);
            driver.Track(new HostDesiredState("host-1", 5,
                [Instance("i-0000000000000000a", a, standbyA), Instance("i-0000000000000000b", b, new(DatabaseReplicationRole.Primary, 2, Password, "standby_a", "127.0.0.1"))]));
            await EventuallyAsync(() => Task.FromResult(Report("i-0000000000000000b") is { Replication: { Role: DatabaseReplicationRole.Primary, Term: 2, Synchronous: true } }),
                () => $"B does not wait for A: {Report("i-0000000000000000b")}", b);
            await b.SqlAsync("INSERT INTO orders VALUES (52)");
            Assert.Equal("52", await a.SqlAsync("SELECT count(*) FROM orders"));
        }
        finally
        {
            await a.StopAsync();
            await b.StopAsync();
            Directory.Delete(work, recursive: true);
        }
    }

    private static int Count(List<int> acknowledged)
    {
        lock (acknowledged)
        {
            return acknowledged.Count;
        }
    }

    private static int Last(List<int> acknowledged)
    {
        lock (acknowledged)
        {
            // Each was printed after its commit returned, in order: the ids 1..last are exactly the acknowledged ones.
            Assert.Equal(Enumerable.Range(1, acknowledged.Count), acknowledged);
            return acknowledged[^1];
        }
    }

    /// <summary>The first <paramref name="count"/> fields of an answer.</summary>
    private static string Prefix(string answer, int count) => string.Join(' ', answer.Split(' ').Take(count));

    private static string B64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));

    private static Task EventuallyAsync(Func<Task<bool>> condition, string what, Guest guest) => EventuallyAsync(condition, () => what, guest);

    private static async Task EventuallyAsync(Func<Task<bool>> condition, Func<string> what, Guest guest)
    {
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what()} within 180 s; {guest.Name}: {await guest.RequestAsync("x replication")}, log:\n{guest.Log()}");
            await Task.Delay(300);
        }
    }

    /// <summary>The guest's end of the management channel: each line the driver sends answered by the guest's agent (<c>dbagent request</c>), in order.</summary>
    private sealed class Channel : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly CancellationTokenSource _stop = new();
        private readonly Guest _guest;
        private readonly Task _loop;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _asked = new(StringComparer.Ordinal);

        public Channel(string socket, Guest guest)
        {
            _guest = guest;
            _listener.Bind(new UnixDomainSocketEndPoint(socket));
            _listener.Listen(8);
            _loop = Task.Run(AcceptAsync);
        }

        public int Asked(string verb) => _asked.GetValueOrDefault(verb);

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var connection = await _listener.AcceptAsync(_stop.Token);
                    await using var stream = new NetworkStream(connection);
                    using var reader = new StreamReader(stream);
                    await using var writer = new StreamWriter(stream) { AutoFlush = true, NewLine = "\n" };
                    while (await reader.ReadLineAsync(_stop.Token) is { } line)
                    {
                        _asked.AddOrUpdate(line.Split(' ')[1], 1, (_, n) => n + 1);
                        await writer.WriteLineAsync(await _guest.RequestAsync(line));
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
                {
                    // The driver closed or dropped the connection: the next one is accepted.
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Dispose();
            await _loop;
            _stop.Dispose();
        }
    }

    private static (string Ca, string Certificate, string Key) Certificates()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Platform test database CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=orders.db.platform.test", serverKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, now.AddMinutes(-5), now.AddHours(12), [1, 2, 3, 4]);
        return (ca.ExportCertificatePem(), server.ExportCertificatePem(), serverKey.ExportPkcs8PrivateKeyPem());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One stand-in guest: the data volume a directory (its cluster made as deploy/db-image/build.sh makes the image's), the agent the real script.</summary>
    private sealed class Guest(string root, int port, string ca, string certificate, string key)
    {
        public string Name => Path.GetFileName(root);

        public int Port => port;

        private string Data => Path.Combine(root, "data");

        private string PgData => Path.Combine(Data, "pgdata");

        public async Task PrepareAsync()
        {
            Directory.CreateDirectory(Path.Combine(Data, "platform"));
            Directory.CreateDirectory(Path.Combine(root, "run"));
            await RunAsync("chown", "postgres", Data);
            await RunAsync("chmod", "700", Path.Combine(Data, "platform"));
            await RunAsync("runuser", "-u", "postgres", "--", $"{PostgresBin}/initdb", "-D", PgData, "-U", "postgres", "-E", "UTF8", "--locale=C",
                "--auth-local=peer", "--auth-host=reject", "--data-checksums", "--no-sync");
            await File.AppendAllTextAsync(Path.Combine(PgData, "postgresql.conf"), "include_if_exists = 'platform.conf'\n");
            // What the guest's storage step leaves: the volume is ready.
            await File.WriteAllTextAsync(Path.Combine(root, "run", "storage"), "ready\n");
        }

        public string Configure(long generation) => string.Join(' ', "configure", generation.ToString(CultureInfo.InvariantCulture), B64("app"), B64("master-password"),
            port.ToString(CultureInfo.InvariantCulture), B64("work_mem=4MB\n"), B64(certificate), B64(key), B64(ca), "db-replication");

        /// <summary>One request line through the guest agent, as the channel carries it; its answer line.</summary>
        public async Task<string> RequestAsync(string line)
        {
            var start = new ProcessStartInfo("sh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(Path.Combine(Repository.Root, "deploy", "db-image", "dbagent"));
            start.ArgumentList.Add("request");
            start.Environment["DBAGENT_DATA"] = Data;
            start.Environment["DBAGENT_RUN"] = Path.Combine(root, "run");
            using var process = Process.Start(start)!;
            await process.StandardInput.WriteLineAsync(line);
            process.StandardInput.Close();
            var answer = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return answer.Trim();
        }

        /// <summary>Runs <paramref name="sql"/> as postgres: its rows, or (not <paramref name="quiet"/>) its command tag too.</summary>
        public async Task<string> SqlAsync(string sql, bool quiet = true) =>
            (await RunAsync("runuser", "-u", "postgres", "--", "psql", "-X", "-A", "-t", quiet ? "-q" : "-X", "-v", "ON_ERROR_STOP=1", "-h", "/run/postgresql",
                "-p", port.ToString(CultureInfo.InvariantCulture), "-d", "postgres", "-c", sql)).Trim();

        /// <summary>INSERTs ids 1, 2, … one commit each, adding each id once its commit returned; it ends at the first that fails.</summary>
        public Process Writer(List<int> acknowledged)
        {
            var start = new ProcessStartInfo("runuser") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[] { "-u", "postgres", "--", "sh", "-c",
                $"i=0; while i=$((i+1)); psql -X -q -h /run/postgresql -p {port} -d postgres -c \"INSERT INTO orders VALUES ($i)\" >/dev/null 2>&1; do echo $i; done" })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, e) =>
            {
                if (int.TryParse(e.Data, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                {
                    lock (acknowledged)
                    {
                        acknowledged.Add(id);
                    }
                }
            };
            process.BeginOutputReadLine();
            return process;
        }

        /// <summary>SIGKILL to the postmaster and every process of it, as when its server is lost.</summary>
        public async Task KillAsync()
        {
            var postmaster = int.Parse((await File.ReadAllLinesAsync(Path.Combine(PgData, "postmaster.pid")))[0], CultureInfo.InvariantCulture);
            var children = Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)).Select(n => int.Parse(n!, CultureInfo.InvariantCulture))
                .Where(pid => ParentOf(pid) == postmaster).ToList();
            foreach (var pid in children.Prepend(postmaster))
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill();
                }
                catch (ArgumentException)
                {
                    // Gone already.
                }
            }

            // Gone, or a zombie until something reaps it (PostgreSQL takes a zombie's pid for a running postmaster; after a
            // server's reboot no process of the lock files' is left, and /run is empty, so the files go here).
            while (ParentOf(postmaster) != 0 && !File.ReadAllText($"/proc/{postmaster}/stat").Contains(") Z ", StringComparison.Ordinal))
            {
                await Task.Delay(50);
            }

            File.Delete(Path.Combine(PgData, "postmaster.pid"));
            File.Delete($"/run/postgresql/.s.PGSQL.{port}.lock");
            File.Delete($"/run/postgresql/.s.PGSQL.{port}");
        }

        /// <summary>Starts the cluster as the guest's storage step does after a reboot.</summary>
        public async Task StartAsync()
        {
            var (code, text) = await RunAllowingFailureAsync("runuser", "-u", "postgres", "--", $"{PostgresBin}/pg_ctl", "start", "-D", PgData, "-l", Path.Combine(Data, "postgres.log"), "-w", "-t", "120");
            Assert.True(code == 0, $"pg_ctl start: {text}\n{await File.ReadAllTextAsync(Path.Combine(Data, "postgres.log"))}");
        }

        public async Task StopAsync()
        {
            if (File.Exists(Path.Combine(PgData, "postmaster.pid")))
            {
                await RunAllowingFailureAsync("runuser", "-u", "postgres", "--", $"{PostgresBin}/pg_ctl", "stop", "-D", PgData, "-m", "immediate", "-w");
            }
        }

        public string Log()
        {
            var file = Path.Combine(root, "run", "standby.log");
            return File.Exists(file) ? File.ReadAllText(file) : "(no standby.log)";
        }

        private static int ParentOf(int pid)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return 0;
            }
        }
    }

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var (code, text) = await RunAllowingFailureAsync(file, arguments);
        return code == 0 ? text : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {code}: {text}");
    }

    private static async Task<(int Code, string Output)> RunAllowingFailureAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
