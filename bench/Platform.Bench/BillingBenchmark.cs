using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Platform.Modules.Billing.Invoices;
using Platform.Modules.Billing.Metering;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Shared.Persistence;

namespace Platform.Bench;

/// <summary>
/// Billing's own figures on a fresh SQLite file (WAL, the API's connection string and migrations), each beside a reference
/// measured in the same run on the same file:
/// <list type="bullet">
/// <item>usage events: Compute's InstanceStateChanged facts (a <c>running</c> then a <c>stopped</c> per instance) handled by
/// Billing's handler one after another, as the outbox dispatcher delivers them (one context per batch of 100, the batch's
/// facts stored together at its end); the
/// reference is one raw INSERT of a usage row per event into the same table, each its own commit, and 100 per commit.</item>
/// <item>closing a month: <c>--accounts</c> accounts with <c>--resources</c> resources each and <c>--records</c> usage records
/// per resource in last month, closed by Billing's CloseMonth handler; the reference is the database's own aggregate of
/// the month's records by account and usage type.</item>
/// </list>
/// Time in the database (commands and commits, by kind) is measured by an EF interceptor: the stopwatch breakdown.
/// </summary>
internal static class BillingBenchmark
{
    private static readonly string[] SeedParameters = ["$key", "$account", "$service", "$type", "$resource", "$start", "$end", "$quantity", "$unit"];

    public static async Task<int> RunAsync(Dictionary<string, string> options)
    {
        var directory = options.Get("data");
        var events = int.Parse(options.Get("events", "5000"), CultureInfo.InvariantCulture);
        var accounts = int.Parse(options.Get("accounts", "1000"), CultureInfo.InvariantCulture);
        var resources = int.Parse(options.Get("resources", "100"), CultureInfo.InvariantCulture);
        var records = int.Parse(options.Get("records", "10"), CultureInfo.InvariantCulture);
        Directory.CreateDirectory(directory);

        var eventsPath = Path.Combine(directory, "events.db");
        var (eventsRate, eventsProfile, eventsSeconds) = await EventsAsync(eventsPath, events);
        var referenceEventsRate = await RawInsertsAsync(eventsPath, events, 1);
        var referenceBatchedRate = await RawInsertsAsync(eventsPath, events, 100);

        var closePath = Path.Combine(directory, "close.db");
        var (closeSeconds, invoices, closeProfile, seedSeconds) = await CloseAsync(closePath, accounts, resources, records);
        var referenceCloseSeconds = await RawAggregateAsync(closePath);

        Console.WriteLine(JsonSerializer.Serialize(new
        {
            events,
            events_seconds = Math.Round(eventsSeconds, 3),
            events_per_second = Math.Round(eventsRate, 0),
            reference_inserts_per_second = Math.Round(referenceEventsRate, 0),
            reference_inserts_100_per_commit_per_second = Math.Round(referenceBatchedRate, 0),
            events_profile = eventsProfile,
            accounts,
            resources,
            records_per_resource = records,
            usage_records = (long)accounts * resources * records,
            seed_seconds = Math.Round(seedSeconds, 1),
            close_seconds = Math.Round(closeSeconds, 2),
            invoices,
            reference_aggregate_seconds = Math.Round(referenceCloseSeconds, 2),
            close_profile = closeProfile,
            peak_working_set_mib = Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024),
        }));
        return 0;
    }

    private static async Task<(double Rate, Dictionary<string, double> Profile, double Seconds)> EventsAsync(string path, int events)
    {
        var timer = new DatabaseTimer();
        await using (var setup = Context(path, timer))
        {
            await PrepareAsync(setup);
        }

        // Warm-up (JIT, the statement shapes): a few hundred events on instances of their own.
        await FeedAsync(path, timer, Facts("i-warm", 400, DateTime.UtcNow.AddHours(-2)));
        timer.Reset();

        var facts = Facts("i-bench", events, DateTime.UtcNow.AddHours(-1));
        var started = Stopwatch.GetTimestamp();
        var (gather, store) = await FeedAsync(path, timer, facts);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;

        await using (var check = Context(path, timer))
        {
            var recorded = await check.UsageRecords.CountAsync(r => r.ResourceId.StartsWith("i-bench"));
            if (recorded != events / 2)
            {
                throw new InvalidOperationException($"{events / 2} runs should have been recorded, found {recorded}");
            }
        }

        var profile = timer.Snapshot();
        profile["gather_s"] = gather;
        profile["store_s"] = store;
        profile["total_s"] = elapsed;
        profile["outside_database_s"] = elapsed - timer.Total;
        return (events / elapsed, Round(profile), elapsed);
    }

    /// <summary>Half the facts start runs (one instance each), the other half stop them 10 minutes later, in order of time.</summary>
    private static List<InstanceStateChanged> Facts(string prefix, int count, DateTime from)
    {
        var facts = new List<InstanceStateChanged>(count);
        var instances = count / 2;
        for (var i = 0; i < instances; i++)
        {
            facts.Add(new InstanceStateChanged($"{100000000000 + (i % 1000)}", $"{prefix}-{i:x8}", "t3.micro", "us-east-1a", "pending",
                InstanceStateChanged.Running, from.AddMilliseconds(i), null));
        }

        for (var i = 0; i < instances; i++)
        {
            facts.Add(new InstanceStateChanged($"{100000000000 + (i % 1000)}", $"{prefix}-{i:x8}", "t3.micro", "us-east-1a", InstanceStateChanged.Running,
                "stopping", from.AddMinutes(10).AddMilliseconds(i), null));
        }

        return facts;
    }

    /// <summary>
    /// As the outbox processor delivers a batch of 100 (<see cref="Platform.Modules.Shared.Persistence.Outbox.IOutboxBatch"/>):
    /// the batch begun, each fact handed to the handler (which gathers it), then the batch stored in one transaction.
    /// </summary>
    /// <returns>Seconds spent handing the facts to the handler and storing the batches.</returns>
    private static async Task<(double Gather, double Store)> FeedAsync(string path, DatabaseTimer timer, List<InstanceStateChanged> facts)
    {
        double gather = 0, store = 0;
        for (var batch = 0; batch < facts.Count; batch += 100)
        {
            await using var db = Context(path, timer);
            await db.Database.OpenConnectionAsync();
            var writer = new UsageWriter(db);
            var gathered = new InstanceFactBatch(db, writer, TimeProvider.System);
            var handler = new MeterInstanceRuns(db, writer, TimeProvider.System, gathered);
            var started = Stopwatch.GetTimestamp();
            gathered.Begin();
            foreach (var fact in facts.Skip(batch).Take(100))
            {
                await handler.Handle(fact, CancellationToken.None);
            }

            gather += Stopwatch.GetElapsedTime(started).TotalSeconds;
            started = Stopwatch.GetTimestamp();
            await gathered.CompleteAsync(CancellationToken.None);
            store += Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        return (gather, store);
    }

    /// <param name="perCommit">Rows per transaction: 1 (each its own commit, as each fact is handled) or more (a batch's).</param>
    private static async Task<double> RawInsertsAsync(string path, int events, int perCommit)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Default Timeout=30");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO billing_usage_records (idempotency_key, account_id, service, usage_type, resource_id, usage_start, usage_end, quantity, unit, recorded_at) "
            + "VALUES ($key, '100000000000', 'AmazonEC2', 'BoxUsage:t3.micro', $resource, $start, $end, 600, 'Seconds', $start)";
        var key = command.Parameters.Add("$key", SqliteType.Text);
        var resource = command.Parameters.Add("$resource", SqliteType.Text);
        var start = command.Parameters.Add("$start", SqliteType.Text);
        var end = command.Parameters.Add("$end", SqliteType.Text);
        var now = DateTime.UtcNow;
        var timer = Stopwatch.StartNew();
        SqliteTransaction? transaction = null;
        for (var i = 0; i < events; i++)
        {
            if (perCommit > 1 && i % perCommit == 0)
            {
                transaction = connection.BeginTransaction();
                command.Transaction = transaction;
            }

            key.Value = $"raw:{perCommit}:{i}";
            resource.Value = $"i-raw-{i:x8}";
            start.Value = now.AddMilliseconds(i).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
            end.Value = now.AddMinutes(10).AddMilliseconds(i).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
            await command.ExecuteNonQueryAsync();
            if (transaction is not null && (i % perCommit == perCommit - 1 || i == events - 1))
            {
                await transaction.CommitAsync();
                await transaction.DisposeAsync();
                transaction = null;
                command.Transaction = null;
            }
        }

        return events / timer.Elapsed.TotalSeconds;
    }

    private static async Task<(double Seconds, int Invoices, Dictionary<string, double> Profile, double SeedSeconds)> CloseAsync(
        string path, int accounts, int resources, int records)
    {
        var timer = new DatabaseTimer();
        await using (var setup = Context(path, timer))
        {
            await PrepareAsync(setup);
        }

        var month = new DateTime(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-1);
        var seedStarted = Stopwatch.GetTimestamp();
        await SeedAsync(path, month, accounts, resources, records);
        var seedSeconds = Stopwatch.GetElapsedTime(seedStarted).TotalSeconds;

        timer.Reset();
        var started = Stopwatch.GetTimestamp();
        int invoices;
        await using (var db = Context(path, timer))
        {
            await db.Database.OpenConnectionAsync();
            invoices = await new CloseMonthHandler(db, new UsageWriter(db), TimeProvider.System)
                .Handle(new Platform.Modules.Billing.Contracts.CloseMonth(DateOnly.FromDateTime(month)), CancellationToken.None);
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (invoices != accounts)
        {
            throw new InvalidOperationException($"{accounts} invoices should have been issued, {invoices} were");
        }

        var profile = timer.Snapshot();
        profile["total_s"] = elapsed;
        profile["outside_database_s"] = elapsed - timer.Total;
        return (elapsed, invoices, Round(profile), seedSeconds);
    }

    /// <summary>
    /// Each account's resources: 60 % instances (their runs in the month, one record each), 30 % volumes and 10 % buckets
    /// (hourly storage samples), <paramref name="records"/> records per resource spread over the month.
    /// </summary>
    private static async Task SeedAsync(string path, DateTime month, int accounts, int resources, int records)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Default Timeout=30");
        await connection.OpenAsync();
        await using var transaction = connection.BeginTransaction();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO billing_usage_records (idempotency_key, account_id, service, usage_type, resource_id, usage_start, usage_end, quantity, unit, recorded_at, availability_zone) "
            + "VALUES ($key, $account, $service, $type, $resource, $start, $end, $quantity, $unit, $end, 'us-east-1a')";
        var p = SeedParameters.ToDictionary(n => n, n => command.Parameters.Add(n, SqliteType.Text));
        string[] boxes = ["BoxUsage:t3.micro", "BoxUsage:t3.small", "BoxUsage:m5.large", "BoxUsage:c5.xlarge"];
        var step = TimeSpan.FromTicks((month.AddMonths(1) - month).Ticks / records);
        for (var a = 0; a < accounts; a++)
        {
            var account = $"{200000000000 + a}";
            for (var r = 0; r < resources; r++)
            {
                var kind = r * 10 / resources;
                var (service, type, resource, unit) = kind switch
                {
                    < 6 => ("AmazonEC2", boxes[r % boxes.Length], $"i-{a:x5}{r:x3}", "Seconds"),
                    < 9 => ("AmazonEC2", "EBS:VolumeUsage.gp3", $"vol-{a:x5}{r:x3}", "GiB-Seconds"),
                    _ => ("AmazonS3", "TimedStorage-ByteHrs", $"bucket-{a}-{r}", "GiB-Seconds"),
                };
                for (var n = 0; n < records; n++)
                {
                    var start = month + step * n;
                    p["$key"].Value = $"seed:{resource}:{n}";
                    p["$account"].Value = account;
                    p["$service"].Value = service;
                    p["$type"].Value = type;
                    p["$resource"].Value = resource;
                    p["$start"].Value = start.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
                    p["$end"].Value = start.AddHours(1).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
                    p["$quantity"].Value = unit == "Seconds" ? "3600" : "28800";
                    p["$unit"].Value = unit;
                    await command.ExecuteNonQueryAsync();
                }
            }
        }

        await transaction.CommitAsync();
    }

    private static async Task<double> RawAggregateAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Default Timeout=30");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        var month = new DateTime(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-1);
        command.CommandText = "SELECT account_id, service, usage_type, unit, sum(quantity) FROM billing_usage_records WHERE usage_start >= $s AND usage_start < $e "
            + "GROUP BY account_id, service, usage_type, unit";
        command.Parameters.AddWithValue("$s", month.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$e", month.AddMonths(1).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        var timer = Stopwatch.StartNew();
        var groups = 0;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                groups++;
            }
        }

        if (groups == 0)
        {
            throw new InvalidOperationException("the reference aggregate found no usage");
        }

        return timer.Elapsed.TotalSeconds;
    }

    private static SqliteBillingDbContext Context(string path, DatabaseTimer timer) =>
        new SqliteBillingDbContext((DbContextOptions<SqliteBillingDbContext>)ModuleDatabase.UseSqlite(new DbContextOptionsBuilder<SqliteBillingDbContext>(),
            $"Data Source={path};Default Timeout=30", BillingDbContext.SchemaName).AddInterceptors(timer).Options);

    private static async Task PrepareAsync(BillingDbContext db)
    {
        await db.Database.OpenConnectionAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        await db.Database.MigrateAsync();
    }

    private static Dictionary<string, double> Round(Dictionary<string, double> profile) => profile.ToDictionary(p => p.Key, p => Math.Round(p.Value, 3));

    /// <summary>
    /// Time spent in the database: queries from their command to their reader's end (rows read into entities included), each
    /// SaveChanges whole (SQLite commits a statement without a transaction of its own when its reader ends, so the fsync is
    /// in it), other commands (ExecuteUpdate), and commits of explicit transactions.
    /// </summary>
    private sealed class DatabaseTimer : DbCommandInterceptor, IDbTransactionInterceptor, ISaveChangesInterceptor
    {
        private readonly Dictionary<string, double> _seconds = [];
        private readonly Dictionary<DbCommand, long> _started = [];
        private long _commitStarted;
        private long _saveStarted;
        private bool _saving;

        public double Total => _seconds.Values.Sum();

        public void Reset() => _seconds.Clear();

        public Dictionary<string, double> Snapshot() => _seconds.ToDictionary(s => $"db_{s.Key}_s", s => s.Value);

        public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            _saving = true;
            _saveStarted = Stopwatch.GetTimestamp();
            return ValueTask.FromResult(result);
        }

        public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            EndSave();
            return ValueTask.FromResult(result);
        }

        public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            EndSave();
            return Task.CompletedTask;
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result,
            CancellationToken cancellationToken = default)
        {
            Start(command);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
        {
            Stop(command, "query");
            return base.DataReaderDisposing(command, eventData, result);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result,
            CancellationToken cancellationToken = default)
        {
            Start(command);
            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            Stop(command, "execute_update");
            return base.NonQueryExecutedAsync(command, eventData, result, cancellationToken);
        }

        public ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result,
            CancellationToken cancellationToken = default)
        {
            _commitStarted = Stopwatch.GetTimestamp();
            return ValueTask.FromResult(result);
        }

        public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Add("commit", Stopwatch.GetElapsedTime(_commitStarted).TotalSeconds);
            return Task.CompletedTask;
        }

        private void EndSave()
        {
            if (_saving)
            {
                _saving = false;
                Add("save_changes", Stopwatch.GetElapsedTime(_saveStarted).TotalSeconds);
            }
        }

        private void Start(DbCommand command)
        {
            if (!_saving)
            {
                _started[command] = Stopwatch.GetTimestamp();
            }
        }

        private void Stop(DbCommand command, string kind)
        {
            if (_started.Remove(command, out var started))
            {
                Add(kind, Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        }

        private void Add(string key, double seconds) => _seconds[key] = _seconds.GetValueOrDefault(key) + seconds;
    }
}
