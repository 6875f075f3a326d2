using System.Diagnostics;
using System.Reflection;
using Hangfire.Storage;
using Hangfire.Storage.SQLite;
using Microsoft.Data.Sqlite;
using Platform.Api.Jobs;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Hosting;

/// <summary>
/// The embedded job storage's locks end with their holder's process, whatever the clocks say
/// (<see cref="ProcessLifetimeLockStorage"/>). The other process here is a Python process that takes the same kind of lock
/// (flock(2)) on the lock's file, and is killed with SIGKILL as the fault-injection run kills the API.
/// </summary>
public sealed class ProcessLifetimeLockTests : IDisposable
{
    private const string Resource = "lock:recurring-job:compute-housekeeping";
    private readonly string _directory = Directory.CreateTempSubdirectory("platform-locks-").FullName;
    private readonly ProcessLifetimeLockStorage _storage;

    public ProcessLifetimeLockTests()
    {
        var database = Path.Combine(_directory, "jobs.db");
        _storage = new ProcessLifetimeLockStorage(new SQLiteStorage(database, new SQLiteStorageOptions()), database + ".locks");
    }

    [Fact]
    public async Task Given_a_lock_held_by_another_process_When_that_process_is_killed_Then_the_lock_is_taken_at_once()
    {
        using var holder = await HoldInAnotherProcessAsync(Resource);
        using var connection = _storage.GetConnection();
        Assert.Throws<DistributedLockTimeoutException>(() => connection.AcquireDistributedLock(Resource, TimeSpan.FromMilliseconds(300)));

        await holder.KillAsync();
        var watch = Stopwatch.StartNew();
        using (connection.AcquireDistributedLock(Resource, TimeSpan.FromSeconds(5)))
        {
            // At once: the kernel lets go of a dead process's lock; a lock left to expire would take minutes. (A bound near
            // the poll interval would fail on a starved machine for no fault of the lock.)
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"the lock a killed process held took {watch.Elapsed} to take");
        }
    }

    [Fact]
    public void Given_a_lock_row_a_dead_owner_left_expiring_far_ahead_Then_it_does_not_hold_the_lock()
    {
        // What an API killed while its clock ran ahead (or before the next one's clock was stepped back) leaves behind.
        using (var connection = _storage.GetConnection())
        {
            _ = connection.GetAllEntriesFromHash("warm-up"); // the storage makes its tables
        }

        InsertLockRow("HangFire:" + Resource, DateTime.UtcNow.AddMinutes(10));
        using var locks = _storage.GetConnection();
        using (locks.AcquireDistributedLock(Resource, TimeSpan.FromSeconds(1)))
        {
        }

        // The storage's own lock, which the row does hold: the row is a real one the storage obeys.
        var plain = new SQLiteStorage(Path.Combine(_directory, "jobs.db"), new SQLiteStorageOptions());
        using var plainConnection = plain.GetConnection();
        Assert.Throws<DistributedLockTimeoutException>(() => plainConnection.AcquireDistributedLock(Resource, TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Given_a_lock_held_in_this_process_Then_another_connection_waits_until_it_is_released()
    {
        using var first = _storage.GetConnection();
        using var second = _storage.GetConnection();
        var held = first.AcquireDistributedLock(Resource, TimeSpan.FromSeconds(1));
        Assert.Throws<DistributedLockTimeoutException>(() => second.AcquireDistributedLock(Resource, TimeSpan.FromMilliseconds(200)));
        using (first.AcquireDistributedLock("another-resource", TimeSpan.FromSeconds(1)))
        {
        }

        var waiter = Task.Run(() => second.AcquireDistributedLock(Resource, TimeSpan.FromSeconds(10)));
        await Task.Delay(200);
        Assert.False(waiter.IsCompleted);
        held.Dispose();
        (await waiter.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Fact]
    public void Given_a_jobs_state_lock_Then_it_stays_the_storages_own_row()
    {
        using var connection = _storage.GetConnection();
        using (connection.AcquireDistributedLock("job:42:state-lock", TimeSpan.FromSeconds(1)))
        {
            Assert.Equal(1L, CountLockRows("HangFire:job:42:state-lock"));
        }

        Assert.Equal(0L, CountLockRows("HangFire:job:42:state-lock"));
        Assert.False(ProcessLifetimeLockStorage.IsFileLocked("job:42:state-lock"));
        Assert.True(ProcessLifetimeLockStorage.IsFileLocked("recurring-jobs:lock"));
    }

    [Fact]
    public void Lock_files_are_named_safely_and_distinctly()
    {
        var a = ProcessLifetimeLockStorage.FileName("lock:recurring-job:a/b");
        var b = ProcessLifetimeLockStorage.FileName("lock:recurring-job:a_b");
        Assert.NotEqual(a, b);
        Assert.DoesNotContain('/', a);
        Assert.StartsWith("lock_recurring-job_a_b.", a, StringComparison.Ordinal);
        Assert.True(ProcessLifetimeLockStorage.FileName(new string('x', 500)).Length < 120);
    }

    /// <summary>Every member of Hangfire's connection is passed on: one left out would answer NotSupported.</summary>
    [Fact]
    public void The_connection_passes_every_overridable_member_on()
    {
        var connection = typeof(ProcessLifetimeLockStorage).GetNestedType("Connection", BindingFlags.NonPublic)!;
        var overridable = typeof(JobStorageConnection).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => (m.IsVirtual || m.IsAbstract) && !m.IsFinal && m.DeclaringType == typeof(JobStorageConnection));
        var missing = overridable.Where(m => connection.GetMethod(m.Name, m.GetParameters().Select(p => p.ParameterType).ToArray())?.DeclaringType != connection)
            .Select(m => m.ToString()).ToList();
        Assert.Empty(missing);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private Task<FileLockHolder> HoldInAnotherProcessAsync(string resource) =>
        FileLockHolder.StartAsync(Path.Combine(_storage.LockDirectory, ProcessLifetimeLockStorage.FileName(resource)));

    private void InsertLockRow(string resource, DateTime expireAt)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "jobs.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO DistributedLock (Id, Resource, ResourceKey, ExpireAt) VALUES ($id, $resource, 'dead-owner', $expires)";
        command.Parameters.AddWithValue("$id", Guid.NewGuid().ToString());
        command.Parameters.AddWithValue("$resource", resource);
        command.Parameters.AddWithValue("$expires", expireAt.Ticks);
        command.ExecuteNonQuery();
    }

    private long CountLockRows(string resource)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "jobs.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM DistributedLock WHERE Resource = $resource";
        command.Parameters.AddWithValue("$resource", resource);
        return (long)command.ExecuteScalar()!;
    }
}
