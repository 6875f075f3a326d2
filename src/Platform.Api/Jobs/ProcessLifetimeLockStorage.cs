using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Hangfire;
using Hangfire.Common;
using Hangfire.Logging;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage;

namespace Platform.Api.Jobs;

/// <summary>
/// The embedded job storage (Hangfire.Storage.SQLite) with distributed locks that live exactly as long as their holder.
/// The SQLite storage keeps a lock as a row that expires by the holder's wall clock, renewed while it lives; a holder
/// killed with kill -9 leaves it until then (30 s), and if the next process runs on a clock stepped back by NTP, for
/// that much longer: an API restarted four minutes behind could not take the outbox's or the schedulers' locks for four
/// and a half minutes, so no notification went out (the fault-injection run of 2026-12-05, seed 370587).
/// Here every lock but a job's own state lock is an exclusive <c>flock</c> on a file of its own beside the database: the
/// kernel lets go of it when the holder's process ends, however it ends, whatever the clocks say. The embedded database
/// is a file on this machine, so every replica that shares it runs here too, and shares these files. Those locks are a
/// bounded set (recurring jobs, the schedulers, jobs that run one at a time), so the files are kept; a job's state lock
/// (<c>job:&lt;id&gt;:state-lock</c>, one per job, held for a moment) stays the storage's own row.
/// SQL Server's storage needs none of this: its locks are sessions' application locks, gone with the session.
/// </summary>
internal sealed partial class ProcessLifetimeLockStorage : JobStorage
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private readonly JobStorage _inner;

    public ProcessLifetimeLockStorage(JobStorage inner, string lockDirectory)
    {
        _inner = inner;
        LockDirectory = lockDirectory;
        JobExpirationTimeout = inner.JobExpirationTimeout;
    }

    public string LockDirectory { get; }

    public override bool LinearizableReads => _inner.LinearizableReads;

    public override IMonitoringApi GetMonitoringApi() => _inner.GetMonitoringApi();

    public override IStorageConnection GetConnection() => new Connection(Open(_inner.GetConnection()), this);

    public override IStorageConnection GetReadOnlyConnection() => new Connection(Open(_inner.GetReadOnlyConnection()), this);

#pragma warning disable CS0618, CS0672 // the SQLite storage still gives its expiration manager and counter aggregator as components
    public override IEnumerable<IServerComponent> GetComponents() => _inner.GetComponents();
#pragma warning restore CS0618, CS0672

    public override IEnumerable<IBackgroundProcess> GetServerRequiredProcesses() => _inner.GetServerRequiredProcesses();

    public override IEnumerable<IBackgroundProcess> GetStorageWideProcesses() => _inner.GetStorageWideProcesses();

    public override IEnumerable<IStateHandler> GetStateHandlers() => _inner.GetStateHandlers();

    public override void WriteOptionsToLog(ILog logger) => _inner.WriteOptionsToLog(logger);

    public override bool HasFeature(string featureId) => _inner.HasFeature(featureId);

    public override string ToString() => $"{_inner} (locks: {LockDirectory})";

    /// <summary>
    /// Takes the lock on <paramref name="resource"/>, waiting up to <paramref name="timeout"/>. Not re-entrant, as the
    /// SQLite storage's locks are not: a second take in the same process waits like any other.
    /// </summary>
    /// <exception cref="DistributedLockTimeoutException">Another holder kept it for the whole timeout.</exception>
    public IDisposable Acquire(string resource, TimeSpan timeout)
    {
        Directory.CreateDirectory(LockDirectory);
        var path = Path.Combine(LockDirectory, FileName(resource));
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive, non-blocking flock(2) on Linux: refused while another open file holds it.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (waited.Elapsed < timeout)
            {
                Thread.Sleep(PollInterval);
            }
            catch (IOException)
            {
                throw new DistributedLockTimeoutException(resource);
            }
        }
    }

    /// <summary>Whether the lock on <paramref name="resource"/> is a file lock here (else the storage's own).</summary>
    public static bool IsFileLocked(string resource) => !JobStateLock().IsMatch(resource);

    /// <summary>Readable and distinct: the resource's safe characters, then a hash of the whole resource.</summary>
    public static string FileName(string resource)
    {
        var readable = UnsafeCharacters().Replace(resource, "_");
        if (readable.Length > 80)
        {
            readable = readable[..80];
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(resource)))[..16];
        return $"{readable}.{hash}.lock";
    }

    private static JobStorageConnection Open(IStorageConnection connection) => connection as JobStorageConnection
        ?? throw new InvalidOperationException($"The job storage's connection {connection.GetType()} is not a JobStorageConnection.");

    [GeneratedRegex("^job:[^:]+:state-lock$", RegexOptions.CultureInvariant)]
    private static partial Regex JobStateLock();

    [GeneratedRegex("[^A-Za-z0-9._-]", RegexOptions.CultureInvariant)]
    private static partial Regex UnsafeCharacters();

    /// <summary>The storage's connection, every member passed through but the locks.</summary>
    private sealed class Connection(JobStorageConnection inner, ProcessLifetimeLockStorage storage) : JobStorageConnection
    {
        public override void Dispose()
        {
            inner.Dispose();
            base.Dispose();
        }

        public override IDisposable AcquireDistributedLock(string resource, TimeSpan timeout) =>
            IsFileLocked(resource) ? storage.Acquire(resource, timeout) : inner.AcquireDistributedLock(resource, timeout);

        public override IWriteOnlyTransaction CreateWriteTransaction() => inner.CreateWriteTransaction();

        public override string CreateExpiredJob(Job job, IDictionary<string, string> parameters, DateTime createdAt, TimeSpan expireIn) =>
            inner.CreateExpiredJob(job, parameters, createdAt, expireIn);

        public override IFetchedJob FetchNextJob(string[] queues, CancellationToken cancellationToken) => inner.FetchNextJob(queues, cancellationToken);

        public override void SetJobParameter(string id, string name, string value) => inner.SetJobParameter(id, name, value);

        public override string GetJobParameter(string id, string name) => inner.GetJobParameter(id, name);

        public override JobData GetJobData(string jobId) => inner.GetJobData(jobId);

        public override StateData GetStateData(string jobId) => inner.GetStateData(jobId);

        public override void AnnounceServer(string serverId, ServerContext context) => inner.AnnounceServer(serverId, context);

        public override void RemoveServer(string serverId) => inner.RemoveServer(serverId);

        public override void Heartbeat(string serverId) => inner.Heartbeat(serverId);

        public override int RemoveTimedOutServers(TimeSpan timeOut) => inner.RemoveTimedOutServers(timeOut);

        public override HashSet<string> GetAllItemsFromSet(string key) => inner.GetAllItemsFromSet(key);

        public override string GetFirstByLowestScoreFromSet(string key, double fromScore, double toScore) =>
            inner.GetFirstByLowestScoreFromSet(key, fromScore, toScore);

        public override List<string> GetFirstByLowestScoreFromSet(string key, double fromScore, double toScore, int count) =>
            inner.GetFirstByLowestScoreFromSet(key, fromScore, toScore, count);

        public override long GetSetCount(string key) => inner.GetSetCount(key);

        public override long GetSetCount(IEnumerable<string> keys, int limit) => inner.GetSetCount(keys, limit);

        public override bool GetSetContains(string key, string value) => inner.GetSetContains(key, value);

        public override List<string> GetRangeFromSet(string key, int startingFrom, int endingAt) => inner.GetRangeFromSet(key, startingFrom, endingAt);

        public override TimeSpan GetSetTtl(string key) => inner.GetSetTtl(key);

        public override void SetRangeInHash(string key, IEnumerable<KeyValuePair<string, string>> keyValuePairs) => inner.SetRangeInHash(key, keyValuePairs);

        public override Dictionary<string, string> GetAllEntriesFromHash(string key) => inner.GetAllEntriesFromHash(key);

        public override string GetValueFromHash(string key, string name) => inner.GetValueFromHash(key, name);

        public override long GetHashCount(string key) => inner.GetHashCount(key);

        public override TimeSpan GetHashTtl(string key) => inner.GetHashTtl(key);

        public override long GetListCount(string key) => inner.GetListCount(key);

        public override List<string> GetAllItemsFromList(string key) => inner.GetAllItemsFromList(key);

        public override List<string> GetRangeFromList(string key, int startingFrom, int endingAt) => inner.GetRangeFromList(key, startingFrom, endingAt);

        public override TimeSpan GetListTtl(string key) => inner.GetListTtl(key);

        public override long GetCounter(string key) => inner.GetCounter(key);

        public override DateTime GetUtcDateTime() => inner.GetUtcDateTime();
    }
}
