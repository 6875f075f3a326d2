using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Platform.HostAgent.Databases;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests;

/// <summary>
/// Backups by operation id through the management channel: the driver asks the guest for each desired backup until it
/// has a result, reports each result while the operation is desired, and a new agent (a restart) asking the same id gets
/// the guest's earlier result, never a second backup. The guest here speaks deploy/db-image/dbagent's lines and keeps
/// results by id as it does; the real guest runs in RealDatabaseGuestTests.
/// </summary>
public sealed class DatabaseBackupDriverTests : IDisposable
{
    private static readonly GuestImage Image = new("ami-00000000000000001", ImageFormat.Kernel);
    private static readonly DatabaseBackupRepository Repository = new("api.example:8443", "platform-rds-backups", "us-east-1", "db-A", "AK", "SK", "passphrase", 60, 7);
    private readonly string _channels = Directory.CreateTempSubdirectory("platform-channels-").FullName;

    private static HostDesiredState State(params DatabaseOperation[] operations) => new("host-1", 1,
    [
        new DesiredInstance("i-00000000000000001", 1, 320, DesiredPower.Running, Image, "",
            Database: new DesiredDatabase("orders", "db-A", "postgres", "15", "app", "password", 5432, "vol-1", new Dictionary<string, string>(), 1,
                new DatabaseTls("C", "K", "A"), Repository, Operations: operations)),
    ]);

    public void Dispose() => Directory.Delete(_channels, recursive: true);

    [Fact]
    public async Task Given_backups_asked_Then_each_runs_once_by_its_id_its_result_is_reported_while_desired_and_a_new_agent_gets_the_same_result()
    {
        var guest = new StandInGuest(DatabaseChannel.SocketPath(_channels, "i-00000000000000001"));
        var options = new DatabaseDriverOptions { ChannelDirectory = _channels, PollInterval = TimeSpan.FromMilliseconds(50), RetryInterval = TimeSpan.FromMilliseconds(50) };
        var full = new DatabaseOperation("op-1", DatabaseOperationKind.FullBackup);
        var incremental = new DatabaseOperation("op-2", DatabaseOperationKind.IncrementalBackup);
        await using (var driver = new DatabaseDriver(options))
        {
            driver.Track(State(full, incremental));
            // The sets come with the status of the round after the backups finished.
            var report = await ReportAsync(driver, r => r.Operations is { Count: 2 } && r.Backups is not null);
            Assert.Equal(
                [new DatabaseOperationResult("op-1", true, BackupLabel: "20261205-030000F"), new DatabaseOperationResult("op-2", true, BackupLabel: "20261205-030000F_20261205-031000I")],
                report.Operations!);
            // The repository's sets and the restorable window: from the end of the oldest set to the newest archived segment.
            Assert.Equal(["20261205-030000F", "20261205-030000F_20261205-031000I"], report.Backups!.Select(b => b.Label));
            Assert.Equal(DatabaseOperationKind.IncrementalBackup, report.Backups![1].Kind);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1796446830), report.EarliestRestorableTime);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1796447700), report.LatestRestorableTime);

            // The API saw op-1 and dropped it: it leaves the report; op-2 stays until dropped too.
            driver.Track(State(incremental));
            await ReportAsync(driver, r => r.Operations is [{ OperationId: "op-2" }]);
        }

        // A new agent (restart) still asked for op-2: the guest answers with its kept result and starts nothing.
        await using (var driver = new DatabaseDriver(options))
        {
            driver.Track(State(incremental));
            await ReportAsync(driver, r => r.Operations is [{ OperationId: "op-2", Succeeded: true }]);
        }

        Assert.Equal(1, guest.Started("op-1"));
        Assert.Equal(1, guest.Started("op-2"));
        Assert.True(guest.Asked("op-1") >= 2, "op-1 was answered 'running' first and asked again");
        Assert.Equal(["FullBackup", "IncrementalBackup"], guest.Kinds);
        await guest.DisposeAsync();
    }

    [Fact]
    public async Task Given_a_backup_the_guest_refuses_or_reports_failed_Then_it_is_reported_failed_with_the_reason()
    {
        var guest = new StandInGuest(DatabaseChannel.SocketPath(_channels, "i-00000000000000001"), failing: "op-bad");
        await using var driver = new DatabaseDriver(new DatabaseDriverOptions { ChannelDirectory = _channels, PollInterval = TimeSpan.FromMilliseconds(50) });
        driver.Track(State(new DatabaseOperation("op-bad", DatabaseOperationKind.FullBackup)));
        var report = await ReportAsync(driver, r => r.Operations is { Count: 1 });
        Assert.Equal(new DatabaseOperationResult("op-bad", false, Error: "pgbackrest backup: ERROR: [049]: unable to get address for 'api.example'"), report.Operations![0]);
        await guest.DisposeAsync();
    }

    private static async Task<DatabaseReport> ReportAsync(DatabaseDriver driver, Func<DatabaseReport, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (driver.Report("i-00000000000000001") is { } report && condition(report))
            {
                return report;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no such report in 20 s; the last: {driver.Report("i-00000000000000001")}");
            await Task.Delay(20);
        }
    }

    /// <summary>The dbagent's lines: available, the repository set up once, each backup 'running' on its first ask and done (or failed) after.</summary>
    private sealed class StandInGuest : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentDictionary<string, int> _started = new();
        private readonly ConcurrentDictionary<string, int> _asked = new();
        private readonly ConcurrentDictionary<string, string> _results = new();
        private readonly ConcurrentQueue<string> _kinds = new();
        private readonly string? _failing;
        private readonly Task _loop;
        private string _repository = "-";

        public StandInGuest(string socket, string? failing = null)
        {
            _failing = failing;
            _listener.Bind(new UnixDomainSocketEndPoint(socket));
            _listener.Listen(8);
            _loop = Task.Run(AcceptAsync);
        }

        public IReadOnlyList<string> Kinds => [.. _kinds];

        public int Started(string id) => _started.GetValueOrDefault(id);

        public int Asked(string id) => _asked.GetValueOrDefault(id);

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
            switch (f[1])
            {
                case "status":
                    var sets = "20261205-030000F full 1796446800 1796446830 23213877 3088368\n20261205-030000F_20261205-031000I incr 1796447400 1796447410 23213878 512\n";
                    var listed = _results.IsEmpty ? "-" : Convert.ToBase64String(Encoding.UTF8.GetBytes(sets));
                    return $"{rid} ok status Available 1 f 0 1000000000 0 - {_repository} {(_results.IsEmpty ? "-" : "1796447700")} {listed}";
                case "repository":
                    Assert.Equal("60", f[^1]); // the archive timeout travels last
                    _repository = f[2];
                    return $"{rid} ok repository {f[2]}";
                case "backup":
                    var id = f[2];
                    _asked.AddOrUpdate(id, 1, (_, n) => n + 1);
                    if (_results.TryGetValue(id, out var result))
                    {
                        return $"{rid} ok backup {id} {result}";
                    }

                    if (_started.TryAdd(id, 1))
                    {
                        _kinds.Enqueue(f[3]);
                        return $"{rid} ok backup {id} running";
                    }

                    _results[id] = id == _failing
                        ? "failed " + Convert.ToBase64String(Encoding.UTF8.GetBytes("pgbackrest backup: ERROR: [049]: unable to get address for 'api.example'"))
                        : "done " + (f[3] == "FullBackup" ? "20261205-030000F" : "20261205-030000F_20261205-031000I");
                    return $"{rid} ok backup {id} {_results[id]}";
                default:
                    return $"{rid} error {Convert.ToBase64String(Encoding.UTF8.GetBytes("unknown request"))}";
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
}
