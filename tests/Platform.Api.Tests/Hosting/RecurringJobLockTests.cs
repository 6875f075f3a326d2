using Hangfire;
using Hangfire.Storage;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Hosting;

/// <summary>
/// An API killed with kill -9 while Hangfire held a recurring job's lock leaves the lock in the database until it
/// expires; the next start used to wait 15 s for it and then die (the fault-injection run of 2026-12-05). Here
/// another storage connection holds the lock, as the dead process's row would, while the API starts.
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

        var storage = new SQLiteStorage(Path.Combine(dataDirectory, "platform.db"), new SQLiteStorageOptions());
        // Taken on a pool thread: Hangfire counts a lock its own async flow holds as re-entered, and the flow would
        // reach the API's start-up.
        var held = await Task.Run(() => storage.GetConnection().AcquireDistributedLock("lock:recurring-job:" + JobId, TimeSpan.FromSeconds(5)));
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

            held.Dispose();
            held = null;
            await Eventually.TrueAsync(() => Task.FromResult(CronOf(second, JobId) == "*/7 * * * *"),
                TimeSpan.FromSeconds(60), "the job's new schedule was not stored after the lock was released");
        }
        finally
        {
            held?.Dispose();
        }
    }

    private static string? CronOf(PlatformApp app, string id)
    {
        using var connection = app.Services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetRecurringJobs([id]).SingleOrDefault()?.Cron;
    }
}
