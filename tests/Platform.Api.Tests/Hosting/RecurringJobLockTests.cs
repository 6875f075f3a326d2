using Hangfire;
using Hangfire.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Hosting;

/// <summary>
/// An API killed with kill -9 while Hangfire held a recurring job's lock leaves the lock in the database until it
/// expires; the next start used to wait 15 s for it and then die (the fault-injection run of 2026-12-05). Here the
/// row such a process leaves (Hangfire.Storage.SQLite's DistributedLock table, an owner that is gone, expiring in two
/// minutes) is put in the database before the API starts.
/// </summary>
public sealed class RecurringJobLockTests
{
    private const string JobId = "compute-housekeeping";

    [Fact]
    public async Task Given_a_recurring_jobs_lock_held_elsewhere_When_the_API_starts_Then_it_serves_and_stores_the_job_once_the_lock_is_free()
    {
        string dataDirectory;
        await using (var first = new PlatformApp(runJobs: false))
        {
            _ = first.RootCredentials;
            dataDirectory = first.DataDirectory;
        }

        var lockRow = Guid.NewGuid().ToString();
        await ExecuteAsync(dataDirectory, "INSERT INTO DistributedLock (Id, Resource, ResourceKey, ExpireAt) VALUES ($id, $resource, 'killed-owner', $expires)",
            ("$id", lockRow), ("$resource", "HangFire:lock:recurring-job:" + JobId), ("$expires", DateTime.UtcNow.AddMinutes(2).Ticks));
        var held = true;
        try
        {
            await using var second = new PlatformApp(dataDirectory, runJobs: false, settings: new Dictionary<string, string?>
            {
                ["Compute:HousekeepingCron"] = "*/7 * * * *",
            });
            var started = System.Diagnostics.Stopwatch.StartNew();
            _ = second.Server;
            using var response = await second.SignedClient(second.RootCredentials).GetAsync("/api/v1/ec2/instances");
            Assert.True(response.IsSuccessStatusCode, $"the API answered {(int)response.StatusCode} while the lock was held");
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(14), $"start-up waited {started.Elapsed} for the held lock");
            Assert.NotEqual("*/7 * * * *", CronOf(second, JobId));

            // The lock goes, as the dead owner's row does when it expires.
            await ExecuteAsync(dataDirectory, "DELETE FROM DistributedLock WHERE Id = $id", ("$id", lockRow));
            held = false;
            await Eventually.TrueAsync(() => Task.FromResult(CronOf(second, JobId) == "*/7 * * * *"),
                TimeSpan.FromSeconds(60), "the job's new schedule was not stored after the lock was released");
        }
        finally
        {
            if (held)
            {
                await ExecuteAsync(dataDirectory, "DELETE FROM DistributedLock WHERE Id = $id", ("$id", lockRow));
            }
        }
    }

    private static async Task ExecuteAsync(string dataDirectory, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "platform.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    private static string? CronOf(PlatformApp app, string id)
    {
        using var connection = app.Services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetRecurringJobs([id]).SingleOrDefault()?.Cron;
    }
}
