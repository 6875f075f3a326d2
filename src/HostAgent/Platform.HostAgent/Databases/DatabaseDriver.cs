using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Databases;

public sealed class DatabaseDriverOptions
{
    /// <summary>Where the channels' sockets are (the reconciler's <c>ChannelDirectory</c>).</summary>
    public required string ChannelDirectory { get; init; }

    /// <summary>How often a running database's status is asked.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait before connecting again after the guest went away or did not answer.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A status request's deadline.</summary>
    public TimeSpan StatusTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A configure request's deadline: it may start PostgreSQL, which takes a while under software emulation.</summary>
    public TimeSpan ConfigureTimeout { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>
/// Drives each database guest of this server to its <see cref="DesiredDatabase"/> through its management channel, one
/// background loop per instance: connect, configure to the desired generation, ask the status, again and again. The
/// reconciliation round only hands it the desired state (<see cref="Track"/>) and takes the latest reports
/// (<see cref="Attach"/>): it never waits on a guest. A guest that restarts or an agent that restarts is met by
/// connecting again; the guest keeps its applied generation on its data volume, so nothing is applied twice needlessly.
/// </summary>
public sealed partial class DatabaseDriver(DatabaseDriverOptions options, ILogger? logger = null) : IAsyncDisposable
{
    private readonly DatabaseDriverOptions _options = options;
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly ConcurrentDictionary<string, Worker> _workers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Starts a loop for each instance with a database, hands the running loops their newest desired state, and ends the loops of instances gone.</summary>
    public void Track(HostDesiredState desired)
    {
        var wanted = desired.Instances.Where(i => i.Database is not null && i.Power == DesiredPower.Running)
            .ToDictionary(i => i.InstanceId, i => i.Database!, StringComparer.Ordinal);
        foreach (var (id, worker) in _workers)
        {
            if (!wanted.ContainsKey(id) && _workers.TryRemove(id, out _))
            {
                worker.Stop();
            }
        }

        foreach (var (id, database) in wanted)
        {
            var worker = _workers.GetOrAdd(id, key => new Worker(this, key, database));
            worker.Desired = database;
        }
    }

    /// <summary>The report with each database's latest state on its instance.</summary>
    public HostReport Attach(HostReport report) => report with
    {
        Instances = [.. report.Instances.Select(i => _workers.TryGetValue(i.InstanceId, out var worker) && worker.Report is { } database ? i with { Database = database } : i)],
    };

    /// <summary>The latest report of one instance's database (null: none yet).</summary>
    public DatabaseReport? Report(string instanceId) => _workers.TryGetValue(instanceId, out var worker) ? worker.Report : null;

    /// <summary>How many times the channel of an instance was connected: 1, and one more after each reconnection.</summary>
    public int Connections(string instanceId) => _workers.TryGetValue(instanceId, out var worker) ? worker.Connections : 0;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_workers.Values.Select(w => w.Stop()));
        _stopping.Dispose();
    }

    private sealed partial class Worker
    {
        private readonly DatabaseDriver _driver;
        private readonly string _instanceId;
        private readonly CancellationTokenSource _stop;
        private readonly Task _loop;
        private volatile DesiredDatabase _desired;
        private volatile DatabaseReport? _report;
        private int _connections;

        /// <summary>Results of the desired backups the guest finished (the guest keeps them too, so a new agent asks it again).</summary>
        private readonly Dictionary<string, DatabaseOperationResult> _results = new(StringComparer.Ordinal);

        public Worker(DatabaseDriver driver, string instanceId, DesiredDatabase desired)
        {
            _driver = driver;
            _instanceId = instanceId;
            _desired = desired;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(driver._stopping.Token);
            _loop = Task.Run(() => RunAsync(_stop.Token));
        }

        public DesiredDatabase Desired
        {
            get => _desired;
            set => _desired = value;
        }

        public DatabaseReport? Report => _report;

        public int Connections => Volatile.Read(ref _connections);

        public Task Stop()
        {
            _stop.Cancel();
            return _loop.ContinueWith(_ => _stop.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }

        private async Task RunAsync(CancellationToken cancellationToken)
        {
            var options = _driver._options;
            var socket = DatabaseChannel.SocketPath(options.ChannelDirectory, _instanceId);
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await using var channel = await DatabaseChannel.ConnectAsync(socket, options.StatusTimeout, cancellationToken);
                    Interlocked.Increment(ref _connections);
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        await RoundAsync(channel, cancellationToken);
                        await Task.Delay(options.PollInterval, cancellationToken);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is SocketException or IOException or TimeoutException or FormatException)
                {
                    // The guest is not up yet, went away (stop, reboot, crash) or is slow: the last report stands, and
                    // the loop connects again. A request in flight is asked again then; the guest answers it idempotently.
                    LogChannelProblem(_driver._logger, _instanceId, e.Message);
                }

                if (!await DelayAsync(options.RetryInterval, cancellationToken))
                {
                    return;
                }
            }
        }

        /// <returns>False when the loop is being stopped.</returns>
        private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
        {
            try
            {
                await Task.Delay(delay, cancellationToken);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        private async Task RoundAsync(DatabaseChannel channel, CancellationToken cancellationToken)
        {
            var options = _driver._options;
            var desired = OwnSide(_desired);
            var (status, repository) = await StatusAsync(channel, cancellationToken);
            string? problem = null;
            if (desired.Restore is { } restore && status.AppliedGeneration == 0 && status.State != DatabaseState.Failed)
            {
                // A restored database is filled from its source's repository before it is ever configured: never a new,
                // empty cluster passing for the restored one. The guest runs the restore once (again after a restart) and
                // keeps its outcome; until it is done, the report says Creating (or Failed, with the reason).
                var id = channel.NextRequestId();
                var answer = await channel.RequestAsync(id, DatabaseChannelProtocol.Restore(id, restore), options.ConfigureTimeout, cancellationToken);
                var outcome = answer.Kind switch
                {
                    DatabaseAnswerKind.Ok => DatabaseChannelProtocol.RestoreResult(answer.Fields),
                    DatabaseAnswerKind.Error => new RestoreOutcome(false, answer.Fields[0]),
                    _ => null,
                };
                if (outcome is not { Succeeded: true })
                {
                    if (outcome is { Error: var error } && _report?.Message != "The restore failed: " + error)
                    {
                        LogRestoreFailed(_driver._logger, _instanceId, error);
                    }

                    _report = outcome is null
                        ? status with { State = DatabaseState.Creating, Message = $"Restoring from the backups of {restore.SourceResourceId}." }
                        : status with { State = DatabaseState.Failed, Message = "The restore failed: " + outcome.Error };
                    return;
                }
            }

            if (desired.Replication is { } pair && await BecomeAsync(channel, desired, pair, status, cancellationToken) is { } becoming)
            {
                // A standby being made, or a promotion the guest cannot take yet: nothing else is asked of it this round.
                _report = becoming;
                return;
            }

            if (status.AppliedGeneration < desired.Generation && status.State != DatabaseState.Failed)
            {
                var id = channel.NextRequestId();
                var answer = await channel.RequestAsync(id, DatabaseChannelProtocol.Configure(id, desired), options.ConfigureTimeout, cancellationToken);
                if (answer.Kind == DatabaseAnswerKind.Error)
                {
                    problem = answer.Fields[0];
                    LogConfigureFailed(_driver._logger, _instanceId, desired.Generation, problem);
                }
                else if (answer.Kind == DatabaseAnswerKind.Ok)
                {
                    (status, repository) = await StatusAsync(channel, cancellationToken);
                }
            }

            if (problem is null && desired.Replication is { Role: DatabaseReplicationRole.Primary } primary && status.State == DatabaseState.Available)
            {
                problem = await PrimaryAsync(channel, primary, cancellationToken);
            }

            string? backupProblem = null;
            if (problem is null && desired.Backup is { } backup && status.State == DatabaseState.Available
                && repository != DatabaseChannelProtocol.RepositoryHash(desired, backup))
            {
                // The backup repository (pgBackRest's stanza in the platform's S3, reached through the management relay),
                // set up once per configuration: the guest keeps the hash of what it set up on its volume.
                var id = channel.NextRequestId();
                var answer = await channel.RequestAsync(id, DatabaseChannelProtocol.Repository(id, desired, backup), options.ConfigureTimeout, cancellationToken);
                if (answer.Kind == DatabaseAnswerKind.Error)
                {
                    backupProblem = answer.Fields[0];
                    LogRepositoryFailed(_driver._logger, _instanceId, backupProblem);
                }
            }

            if (problem is null && backupProblem is null && desired.Backup is { } repositoryNow && status.State == DatabaseState.Available
                && repository == DatabaseChannelProtocol.RepositoryHash(desired, repositoryNow))
            {
                await BackupsAsync(channel, desired.Operations ?? [], cancellationToken);
            }

            var wanted = (desired.Operations ?? []).Select(o => o.OperationId).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _results.Keys.Where(id => !wanted.Contains(id)).ToList())
            {
                // The API saw it and dropped the operation.
                _results.Remove(gone);
            }

            var operations = _results.Count > 0 ? _results.Values.OrderBy(r => r.OperationId, StringComparer.Ordinal).ToList() : null;
            _report = problem is not null ? status with { State = DatabaseState.Failed, Message = problem, Operations = operations }
                : backupProblem is not null ? status with { Message = "The backup repository could not be set up: " + backupProblem, Operations = operations }
                : status with { Operations = operations };
            if (desired.Replication is not null)
            {
                _report = _report with { Replication = await ReplicationAsync(channel, cancellationToken) };
            }
        }

        /// <summary>
        /// Asks the guest for each desired backup not finished yet, in order: it starts one at a time and answers a running or
        /// waiting one with no result; a finished one (now or before, by the same id) with its result.
        /// </summary>
        private async Task BackupsAsync(DatabaseChannel channel, IReadOnlyList<DatabaseOperation> operations, CancellationToken cancellationToken)
        {
            foreach (var operation in operations.Where(o => !_results.ContainsKey(o.OperationId)))
            {
                var id = channel.NextRequestId();
                var answer = await channel.RequestAsync(id, DatabaseChannelProtocol.Backup(id, operation), _driver._options.StatusTimeout, cancellationToken);
                if (answer.Kind == DatabaseAnswerKind.Error)
                {
                    _results[operation.OperationId] = new DatabaseOperationResult(operation.OperationId, Succeeded: false, Error: answer.Fields[0]);
                }
                else if (answer.Kind == DatabaseAnswerKind.Ok && DatabaseChannelProtocol.BackupResult(operation.OperationId, answer.Fields) is { } result)
                {
                    LogBackupFinished(_driver._logger, _instanceId, operation.OperationId, result.Succeeded, result.BackupLabel ?? result.Error);
                    _results[operation.OperationId] = result;
                }
            }
        }

        private async Task<(DatabaseReport Report, string? Repository)> StatusAsync(DatabaseChannel channel, CancellationToken cancellationToken)
        {
            var id = channel.NextRequestId();
            var answer = await channel.RequestAsync(id, DatabaseChannelProtocol.Status(id), _driver._options.StatusTimeout, cancellationToken);
            return answer.Kind == DatabaseAnswerKind.Ok
                ? (DatabaseChannelProtocol.Report(answer.Fields), DatabaseChannelProtocol.ReportedRepository(answer.Fields))
                : throw new FormatException($"The status request was answered {answer.Kind}: {string.Join(' ', answer.Fields)}");
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Database channel of {InstanceId}: {Problem}; connecting again")]
    private static partial void LogChannelProblem(ILogger logger, string instanceId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database {InstanceId} could not set up its backup repository: {Problem}")]
    private static partial void LogRepositoryFailed(ILogger logger, string instanceId, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database {InstanceId} finished backup {OperationId}: succeeded {Succeeded}, {Outcome}")]
    private static partial void LogBackupFinished(ILogger logger, string instanceId, string operationId, bool succeeded, string? outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database {InstanceId} could not be restored from its source's backups: {Problem}")]
    private static partial void LogRestoreFailed(ILogger logger, string instanceId, string? problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database {InstanceId} refused generation {Generation}: {Problem}")]
    private static partial void LogConfigureFailed(ILogger logger, string instanceId, long generation, string problem);
}
