using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Platform.HostAgent.Databases;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests;

/// <summary>
/// A database restored from another's backups through the management channel: the driver asks the guest to restore (the
/// source's repository, the backup set or the time) before it ever configures it, reports Creating while the restore runs
/// and Failed with the reason when it failed, and configures the restored server only once the guest says it is done. The
/// guest here speaks deploy/db-image/dbagent's lines; pgBackRest's commands themselves are checked in OPERATIONS.md's
/// restore notes and by the real guest.
/// </summary>
public sealed class DatabaseRestoreDriverTests : IDisposable
{
    private static readonly GuestImage Image = new("ami-00000000000000001", ImageFormat.Kernel);
    private static readonly DatabaseBackupRepository Source = new("api.example:8443", "platform-rds-backups", "us-east-1", "db-SOURCE", "AKREADONLY", "SK", "source passphrase", 60, 1);
    private readonly string _channels = Directory.CreateTempSubdirectory("platform-channels-").FullName;

    public void Dispose() => Directory.Delete(_channels, recursive: true);

    private static HostDesiredState State(DatabaseRestore restore) => new("host-1", 1,
    [
        new DesiredInstance("i-00000000000000001", 1, 320, DesiredPower.Running, Image, "",
            Database: new DesiredDatabase("copy", "db-COPY", "postgres", "15", "app", "password", 5432, "vol-1", new Dictionary<string, string>(), 1,
                new DatabaseTls("C", "K", "A"), Restore: restore)),
    ]);

    [Fact]
    public async Task Given_a_database_restored_to_a_point_in_time_Then_the_guest_restores_it_before_it_is_configured_and_a_new_agent_does_not_restore_again()
    {
        await using var guest = new StandInGuest(DatabaseChannel.SocketPath(_channels, "i-00000000000000001"), restoreRounds: 3);
        var options = new DatabaseDriverOptions { ChannelDirectory = _channels, PollInterval = TimeSpan.FromMilliseconds(50), RetryInterval = TimeSpan.FromMilliseconds(50) };
        var target = new DateTimeOffset(2026, 12, 5, 3, 2, 7, TimeSpan.FromHours(9));
        await using (var driver = new DatabaseDriver(options))
        {
            driver.Track(State(new DatabaseRestore(Source, "db-SOURCE", TargetTime: target)));
            var restoring = await ReportAsync(driver, r => r.Message?.StartsWith("Restoring", StringComparison.Ordinal) == true);
            Assert.Equal(DatabaseState.Creating, restoring.State);
            Assert.Equal(0, guest.Configured);
            await ReportAsync(driver, r => r is { State: DatabaseState.Available, AppliedGeneration: 1 });
        }

        // Everything the guest needs to read the source's repository, the time in UTC as pgBackRest's --target takes it.
        var request = guest.Restores[0];
        Assert.Equal(["api.example:8443", "platform-rds-backups", "us-east-1", "db-SOURCE", "AKREADONLY", "SK", "source passphrase", ""], request[..8]);
        Assert.Equal(["db-SOURCE", "time", "2026-12-04 18:02:07+00"], request[8..]);
        Assert.Equal(["restore", "restore", "restore", "configure"], guest.Verbs.Where(v => v != "status"));
        var restores = guest.Restores.Count;

        // A restarted agent finds the database configured: it never asks for the restore again.
        await using (var driver = new DatabaseDriver(options))
        {
            driver.Track(State(new DatabaseRestore(Source, "db-SOURCE", TargetTime: target)));
            await ReportAsync(driver, r => r is { State: DatabaseState.Available, AppliedGeneration: 1 });
            await Task.Delay(300);
        }

        Assert.Equal(restores, guest.Restores.Count);
        Assert.Equal(1, guest.Configured);
    }

    [Fact]
    public async Task Given_a_restore_that_fails_Then_the_database_is_reported_failed_with_the_reason_and_never_configured()
    {
        await using var guest = new StandInGuest(DatabaseChannel.SocketPath(_channels, "i-00000000000000001"), restoreRounds: 1,
            failure: "pgbackrest restore: ERROR: [075]: no backup set found to restore");
        await using var driver = new DatabaseDriver(new DatabaseDriverOptions { ChannelDirectory = _channels, PollInterval = TimeSpan.FromMilliseconds(50), RetryInterval = TimeSpan.FromMilliseconds(50) });
        driver.Track(State(new DatabaseRestore(Source, "db-SOURCE", BackupLabel: "20261205-031000F")));
        var report = await ReportAsync(driver, r => r.State == DatabaseState.Failed);
        Assert.Equal("The restore failed: pgbackrest restore: ERROR: [075]: no backup set found to restore", report.Message);
        await Task.Delay(300);
        Assert.Equal(DatabaseState.Failed, driver.Report("i-00000000000000001")!.State);
        Assert.Equal(0, guest.Configured);
        Assert.Equal(["db-SOURCE", "set", "20261205-031000F"], guest.Restores[0][8..]);
    }

    [Fact]
    public void Given_restore_requests_Then_every_value_travels_as_one_field_and_answers_are_read_strictly()
    {
        var line = DatabaseChannelProtocol.Restore("r1", new DatabaseRestore(Source with { SecretAccessKey = "a b\nc" }, "db-SOURCE", BackupLabel: "20261205-031000F"));
        var fields = line.Split(' ');
        Assert.Equal(13, fields.Length);
        Assert.Equal("a b\nc", Encoding.UTF8.GetString(Convert.FromBase64String(fields[7])));
        Assert.Equal(["db-SOURCE", "latest", Convert.ToBase64String("-"u8.ToArray())], DatabaseChannelProtocol.Restore("r1", new DatabaseRestore(Source, "db-SOURCE")).Split(' ')[10..]);
        Assert.Null(DatabaseChannelProtocol.RestoreResult(["restore", "running"]));
        Assert.Equal(new RestoreOutcome(true, null), DatabaseChannelProtocol.RestoreResult(["restore", "done"]));
        Assert.Equal(new RestoreOutcome(false, "why"), DatabaseChannelProtocol.RestoreResult(["restore", "failed", Convert.ToBase64String("why"u8.ToArray())]));
        Assert.Throws<FormatException>(() => DatabaseChannelProtocol.RestoreResult(["backup", "done"]));
        Assert.Throws<FormatException>(() => DatabaseChannelProtocol.RestoreResult(["restore", "maybe"]));
    }

    private static async Task<DatabaseReport> ReportAsync(DatabaseDriver driver, Func<DatabaseReport, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (driver.Report("i-00000000000000001") is { } report && condition(report))
            {
                return report;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no such report in 30 s; the last: {driver.Report("i-00000000000000001")}");
            await Task.Delay(20);
        }
    }

    /// <summary>The dbagent's lines for a restored database: Creating at generation 0 until configured; the restore 'running' for some asks, then done or failed, kept.</summary>
    private sealed class StandInGuest : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly int _restoreRounds;
        private readonly string? _failure;
        private int _configured;

        public StandInGuest(string socket, int restoreRounds, string? failure = null)
        {
            _restoreRounds = restoreRounds;
            _failure = failure;
            _listener.Bind(new UnixDomainSocketEndPoint(socket));
            _listener.Listen(8);
            _loop = Task.Run(AcceptAsync);
        }

        public ConcurrentQueue<string[]> RestoreQueue { get; } = new();

        public IReadOnlyList<string[]> Restores => [.. RestoreQueue];

        public ConcurrentQueue<string> VerbQueue { get; } = new();

        public IReadOnlyList<string> Verbs => [.. VerbQueue];

        public int Configured => Volatile.Read(ref _configured);

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
            using (connection)
            await using (var stream = new NetworkStream(connection))
            {
                using var reader = new StreamReader(stream);
                await using var writer = new StreamWriter(stream) { AutoFlush = true, NewLine = "\n" };
                try
                {
                    while (await reader.ReadLineAsync(_stop.Token) is { } line)
                    {
                        await writer.WriteLineAsync(Answer(line.Split(' ')));
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or IOException)
                {
                }
            }
        }

        private string Answer(string[] f)
        {
            var rid = f[0];
            VerbQueue.Enqueue(f[1]);
            switch (f[1])
            {
                case "status":
                    return Configured > 0 ? $"{rid} ok status Available 1 f 0 1000000000 0 -" : $"{rid} ok status Creating 0 f 0 1000000000 0 -";
                case "restore":
                    // Everything but the stanza and the kind in base64.
                    RestoreQueue.Enqueue([.. f[2..10].Select(Decode), f[10], f[11], Decode(f[12])]);
                    return RestoreQueue.Count < _restoreRounds ? $"{rid} ok restore running"
                        : _failure is null ? $"{rid} ok restore done"
                        : $"{rid} ok restore failed {Convert.ToBase64String(Encoding.UTF8.GetBytes(_failure))}";
                case "configure":
                    Assert.True(_failure is null && RestoreQueue.Count >= _restoreRounds, "configured before the restore was done");
                    Interlocked.Increment(ref _configured);
                    return $"{rid} ok configure {f[2]}";
                default:
                    return $"{rid} error {Convert.ToBase64String(Encoding.UTF8.GetBytes("unknown request"))}";
            }
        }

        private static string Decode(string value) => Encoding.UTF8.GetString(Convert.FromBase64String(value));

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Dispose();
            await _loop;
            _stop.Dispose();
        }
    }
}
