using System.Globalization;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Shared.Persistence.Outbox;

namespace Platform.Api.Tests.Billing;

/// <summary>
/// A lost fact found again: with no background jobs, Compute's outbox never delivers the instance's <c>running</c> fact, so
/// Billing knows nothing of a running instance until the reconciliation compares its runs with Compute's state (through
/// Compute's contract) and opens the run from when the instance entered <c>running</c>. Run twice, it opens nothing more;
/// the fact delivered late afterwards adds no second run; the stop then closes the one run.
/// </summary>
public sealed class UsageReconciliationTests : IAsyncLifetime, IDisposable
{
    private readonly PlatformApp _app = new(runJobs: false, settings: new Dictionary<string, string?> { ["Billing:ReconcileGrace"] = "00:00:00" });
    private HttpClient _root = null!;
    private SimulatedFleet _fleet = null!;

    public async Task InitializeAsync()
    {
        _root = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _root);
        await _fleet.AddHostAsync("us-east-1a", cpus: 2, memoryMiB: 2048);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Given_an_instance_whose_running_fact_was_lost_Then_reconciliation_bills_it_from_its_start_once()
    {
        var image = await _root.RegisterKernelImageAsync("reconcile-image", [1, 2, 3], [4, 5, 6]);
        var id = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = image })).GetProperty("instance_id").GetString()!;
        await _root.WaitForStateAsync(id, "running");
        var launchTime = (await _root.InstanceAsync(id)).GetProperty("launch_time").GetDateTime().ToUniversalTime();

        // The fact sits undelivered in Compute's outbox: Billing has no run and no usage for the instance.
        Assert.Equal(0, await RunsAsync(id));
        Assert.Equal(0m, await SecondsAsync(id));

        Assert.Equal(1, await SendAsync(new ReconcileUsage(DateTime.UtcNow)));
        Assert.Equal(0, await SendAsync(new ReconcileUsage(DateTime.UtcNow)));
        Assert.Equal(1, await RunsAsync(id));
        var started = DateTime.SpecifyKind(DateTime.Parse(
            (await Database.ScalarAsync<string>(_app.DatabasePath, $"SELECT started_at FROM billing_instance_runs WHERE instance_id = '{id}'"))!,
            CultureInfo.InvariantCulture), DateTimeKind.Utc);
        // The run starts at the instance's launch time (kept to the tick; the API shows it to the second at least).
        static long Second(DateTime time) => time.Ticks / TimeSpan.TicksPerSecond;
        Assert.Equal(Second(launchTime), Second(started));
        Assert.True(await SecondsAsync(id) >= (decimal)Math.Floor((DateTime.UtcNow.AddSeconds(-2) - started).TotalSeconds));

        // The lost fact arrives late after all (the outbox drained by hand): still one run.
        await DispatchOutboxAsync();
        Assert.Equal(1, await RunsAsync(id));

        // The stop's fact closes it: its whole seconds once (60 at least), from the instance's start.
        await (await _root.PostAsync($"/api/v1/ec2/instances/{id}/stop", null)).AssertOkAsync();
        await _root.WaitForStateAsync(id, "stopped");
        await DispatchOutboxAsync();
        Assert.Equal(1, await RunsAsync(id));
        var ended = DateTime.SpecifyKind(DateTime.Parse(
            (await Database.ScalarAsync<string>(_app.DatabasePath, $"SELECT ended_at FROM billing_instance_runs WHERE instance_id = '{id}'"))!,
            CultureInfo.InvariantCulture), DateTimeKind.Utc);
        Assert.Equal(Math.Max(60m, Second(ended) - Second(started)), await SecondsAsync(id));
        Assert.Equal(0, await SendAsync(new ReconcileUsage(DateTime.UtcNow)));
    }

    private Task<long> RunsAsync(string instanceId) =>
        Database.ScalarAsync<long>(_app.DatabasePath, $"SELECT count(*) FROM billing_instance_runs WHERE instance_id = '{instanceId}'");

    private async Task<decimal> SecondsAsync(string instanceId)
    {
        var day = DateTime.UtcNow.Date;
        var usage = await (await _root.GetAsync($"/api/v1/billing/usage?start={day.AddDays(-1):yyyy-MM-dd}&end={day.AddDays(2):yyyy-MM-dd}&group_by=resource"))
            .AssertOkAsync();
        return usage.GetProperty("groups").EnumerateArray().Where(g => g.GetProperty("key").GetString() == instanceId)
            .SelectMany(g => g.GetProperty("quantities").EnumerateArray()).Sum(q => q.GetProperty("amount").GetDecimal());
    }

    private async Task<int> SendAsync(ReconcileUsage request)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(request);
    }

    private async Task DispatchOutboxAsync()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await ActivatorUtilities.CreateInstance<OutboxDispatchJob>(scope.ServiceProvider).RunAsync(CancellationToken.None);
    }
}
