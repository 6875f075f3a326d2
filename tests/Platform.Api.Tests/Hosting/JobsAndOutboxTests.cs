using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Hosting;

public sealed class JobsAndOutboxTests
{
    private const string PendingOutboxSql = "SELECT COUNT(*) FROM iam_outbox_messages WHERE processed_at IS NULL";
    private const string AccountCreatedSql = "SELECT COUNT(*) FROM iam_outbox_messages WHERE type LIKE 'Platform.Modules.Iam.Contracts.AccountCreated,%'";

    [Fact]
    public async Task Given_the_first_start_Then_AccountCreated_is_stored_with_the_account_and_dispatched_by_the_job()
    {
        await using var app = new PlatformApp();
        _ = app.RootCredentials;

        Assert.Equal(1, await Database.ScalarAsync<long>(app.DatabasePath, AccountCreatedSql));
        await Eventually.TrueAsync(async () => await Database.ScalarAsync<long>(app.DatabasePath, PendingOutboxSql) == 0,
            TimeSpan.FromSeconds(90), "the outbox job did not dispatch AccountCreated");
    }

    [Fact]
    public async Task Given_a_job_enqueued_while_no_server_runs_When_the_API_restarts_Then_the_job_runs()
    {
        string dataDirectory;
        string jobId;
        await using (var first = new PlatformApp(runJobs: false))
        {
            _ = first.RootCredentials;
            dataDirectory = first.DataDirectory;
            var monitoring = first.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
            jobId = Assert.Single(monitoring.EnqueuedJobs("default", 0, 10)).Key;
            Assert.Equal(1, await Database.ScalarAsync<long>(first.DatabasePath, PendingOutboxSql));
        }

        await using var second = new PlatformApp(dataDirectory, runJobs: true);
        _ = second.Server;
        var storage = second.Services.GetRequiredService<JobStorage>();
        await Eventually.TrueAsync(
            () => Task.FromResult(storage.GetConnection().GetStateData(jobId)?.Name == SucceededState.StateName),
            TimeSpan.FromSeconds(90), $"job {jobId} enqueued before the restart did not succeed after it");
        Assert.Equal(0, await Database.ScalarAsync<long>(second.DatabasePath, PendingOutboxSql));
    }
}
