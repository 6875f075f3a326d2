using System.Diagnostics;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Jobs;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Hosting;

/// <summary>
/// A recurring job's lock held elsewhere (another replica in the middle of storing it) when the API starts: the start used
/// to wait 15 s for it and then die (the fault-injection run of 2026-12-05, where the holder was an API just killed with
/// kill -9). The holder here is another process, a Python one holding flock(2) on the lock's file (the embedded storage's
/// locks are file locks: <see cref="ProcessLifetimeLockStorage"/>), killed while the API runs.
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

        using var holder = await FileLockHolder.StartAsync(
            Path.Combine(dataDirectory, "platform.db.locks", ProcessLifetimeLockStorage.FileName("lock:recurring-job:" + JobId)));
        await using var second = new PlatformApp(dataDirectory, runJobs: false, settings: new Dictionary<string, string?>
        {
            ["Compute:HousekeepingCron"] = "*/7 * * * *",
        });
        var started = Stopwatch.StartNew();
        _ = second.Server;
        using var response = await second.SignedClient(second.RootCredentials).GetAsync("/api/v1/ec2/instances");
        Assert.True(response.IsSuccessStatusCode, $"the API answered {(int)response.StatusCode} while the lock was held");
        // Start-up waits for the registrations at most RecurringJobRegistrar.StartupWait (5 s), not for the lock, which a
        // blocking registration would wait for for minutes; the bound leaves room for a host starting on a starved machine.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(45), $"start-up waited {started.Elapsed} for the held lock");
        Assert.NotEqual("*/7 * * * *", CronOf(second, JobId));

        // The holder dies as a killed API does: its lock goes with it.
        await holder.KillAsync();
        await Eventually.TrueAsync(() => Task.FromResult(CronOf(second, JobId) == "*/7 * * * *"),
            TimeSpan.FromSeconds(90), "the job's new schedule was not stored after the lock's holder died");
    }

    private static string? CronOf(PlatformApp app, string id)
    {
        using var connection = app.Services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetRecurringJobs([id]).SingleOrDefault()?.Cron;
    }
}
