using System.Globalization;
using System.Net;
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

    [Fact]
    public async Task Given_an_instance_whose_stopped_and_terminated_facts_were_lost_Then_reconciliation_closes_its_runs_at_Computes_moments_once()
    {
        var image = await _root.RegisterKernelImageAsync("reconcile-end-image", [1, 2, 3], [4, 5, 6]);
        var id = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = image })).GetProperty("instance_id").GetString()!;
        await _root.WaitForStateAsync(id, "running");
        await DispatchOutboxAsync(); // the running fact arrives: Billing opens the run

        // Stopped; the facts sit undelivered in Compute's outbox, so Billing's run is still open.
        await (await _root.PostAsync($"/api/v1/ec2/instances/{id}/stop", null)).AssertOkAsync();
        await _root.WaitForStateAsync(id, "stopped");
        Assert.Equal(1, await OpenRunsAsync(id));

        // Two replicas at once, then a third run: the run is closed once, at the moment Compute recorded its end.
        var replicas = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => SendAsync(new ReconcileUsage(DateTime.UtcNow)))));
        Assert.InRange(replicas.Sum(), 1, 2);
        Assert.Equal(0, await SendAsync(new ReconcileUsage(DateTime.UtcNow)));
        Assert.Equal(0, await OpenRunsAsync(id));
        var (started, ended) = await RunAsync(id, 0);
        Assert.Equal(await ComputeRunningEndedAtAsync(id), ended);
        static long Second(DateTime time) => time.Ticks / TimeSpan.TicksPerSecond;
        var first = Math.Max(60m, Second(ended) - Second(started));
        Assert.Equal(first, await SecondsAsync(id));
        Assert.Equal(1L, await Database.ScalarAsync<long>(_app.DatabasePath, $"SELECT count(*) FROM billing_usage_records WHERE resource_id = '{id}'"));

        // The lost facts arrive late after all: nothing changes.
        await DispatchOutboxAsync();
        Assert.Equal(first, await SecondsAsync(id));

        // Started again (its fact delivered), then terminated with the fact lost: the second run is closed at the termination.
        await (await _root.PostAsync($"/api/v1/ec2/instances/{id}/start", null)).AssertOkAsync();
        await _root.WaitForStateAsync(id, "running");
        await DispatchOutboxAsync();
        Assert.Equal(1, await OpenRunsAsync(id));
        await (await _root.DeleteAsync($"/api/v1/ec2/instances/{id}")).AssertOkAsync();
        await _root.WaitForStateAsync(id, "terminated");
        Assert.Equal(1, await SendAsync(new ReconcileUsage(DateTime.UtcNow)));
        Assert.Equal(0, await SendAsync(new ReconcileUsage(DateTime.UtcNow)));
        var (restarted, terminated) = await RunAsync(id, 1);
        Assert.Equal(await ComputeRunningEndedAtAsync(id), terminated);
        Assert.Equal(first + Math.Max(60m, Second(terminated) - Second(restarted)), await SecondsAsync(id));
        await DispatchOutboxAsync();
        Assert.Equal(first + Math.Max(60m, Second(terminated) - Second(restarted)), await SecondsAsync(id));
    }

    [Fact]
    public async Task Given_storage_hours_the_sample_missed_Then_reconciliation_records_them_once_and_nothing_for_what_Storage_no_longer_holds()
    {
        var before = DateTime.UtcNow;
        var volume = (await (await _root.PostJsonAsync("/api/v1/ec2/volumes", new { availability_zone = "us-east-1a", size = 2 })).AssertOkAsync())
            .GetProperty("volume_id").GetString()!;
        await (await _root.PutAsync("/api/v1/s3/reconcile-storage-bucket", null)).AssertOkAsync();
        await (await _root.PutAsync("/api/v1/s3/reconcile-storage-bucket/one-mib", new ByteArrayContent(new byte[1 << 20]))).AssertOkAsync();
        var now = DateTime.UtcNow;
        var hour = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        var firstPossible = new DateTime(before.Year, before.Month, before.Day, before.Hour, 0, 0, DateTimeKind.Utc);

        // The sample ran for the next hour only; the hour of the creation and the one after the next were missed.
        Assert.Equal(2, await SendAsync(new SampleStorage(hour.AddHours(2).AddMinutes(5))));
        var replicas = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => SendAsync(new ReconcileStorage(hour.AddHours(3).AddMinutes(45))))));
        Assert.Equal(0, await SendAsync(new ReconcileStorage(hour.AddHours(3).AddMinutes(50))));
        foreach (var resource in new[] { volume, "reconcile-storage-bucket" })
        {
            var hours = await StorageHoursAsync(resource);
            // From the hour it came to be held to the last whole hour, each once.
            Assert.InRange(hours[0], firstPossible, hour);
            Assert.Equal(hour.AddHours(2), hours[^1]);
            Assert.Equal(Enumerable.Range(0, hours.Count).Select(n => hours[0].AddHours(n)), hours);
        }

        Assert.Equal((await StorageHoursAsync(volume)).Count + (await StorageHoursAsync("reconcile-storage-bucket")).Count - 2, replicas.Sum());
        var volumeSeconds = await Database.ScalarAsync<double>(_app.DatabasePath,
            $"SELECT sum(quantity) FROM billing_usage_records WHERE resource_id = '{volume}'");
        Assert.Equal(2.0 * 3600 * (await StorageHoursAsync(volume)).Count, volumeSeconds);

        // Gone from Storage: no later hour is recorded, by the sample or the reconciliation.
        Assert.Equal(HttpStatusCode.NoContent, (await _root.DeleteAsync("/api/v1/s3/reconcile-storage-bucket/one-mib")).StatusCode);
        Assert.True((await _root.DeleteAsync("/api/v1/s3/reconcile-storage-bucket")).IsSuccessStatusCode);
        await (await _root.DeleteAsync($"/api/v1/ec2/volumes/{volume}")).AssertOkAsync();
        Assert.Equal(0, await SendAsync(new SampleStorage(hour.AddHours(5).AddMinutes(5))));
        Assert.Equal(0, await SendAsync(new ReconcileStorage(hour.AddHours(6).AddMinutes(45))));
        Assert.Equal(hour.AddHours(2), (await StorageHoursAsync(volume))[^1]);
        Assert.Equal(hour.AddHours(2), (await StorageHoursAsync("reconcile-storage-bucket"))[^1]);
    }

    private async Task<List<DateTime>> StorageHoursAsync(string resourceId)
    {
        var keys = await Database.ScalarAsync<string>(_app.DatabasePath,
            $"SELECT group_concat(idempotency_key, '|') FROM (SELECT idempotency_key FROM billing_usage_records WHERE resource_id = '{resourceId}' ORDER BY idempotency_key)");
        return [.. (keys ?? "").Split('|', StringSplitOptions.RemoveEmptyEntries)
            .Select(k => DateTime.SpecifyKind(DateTime.ParseExact(k[(k.LastIndexOf(':') + 1)..], "yyyyMMddHH", CultureInfo.InvariantCulture), DateTimeKind.Utc))];
    }

    private Task<long> OpenRunsAsync(string instanceId) =>
        Database.ScalarAsync<long>(_app.DatabasePath, $"SELECT count(*) FROM billing_instance_runs WHERE instance_id = '{instanceId}' AND ended_at IS NULL");

    /// <summary>The instance's <paramref name="index"/>th run (by start): its start and end as Billing stored them.</summary>
    private async Task<(DateTime Started, DateTime Ended)> RunAsync(string instanceId, int index)
    {
        var started = await Database.ScalarAsync<string>(_app.DatabasePath,
            $"SELECT started_at FROM billing_instance_runs WHERE instance_id = '{instanceId}' ORDER BY started_at LIMIT 1 OFFSET {index}");
        var ended = await Database.ScalarAsync<string>(_app.DatabasePath,
            $"SELECT ended_at FROM billing_instance_runs WHERE instance_id = '{instanceId}' ORDER BY started_at LIMIT 1 OFFSET {index}");
        return (Utc(started!), Utc(ended!));
    }

    private async Task<DateTime> ComputeRunningEndedAtAsync(string instanceId) =>
        Utc((await Database.ScalarAsync<string>(_app.DatabasePath, $"SELECT running_ended_at FROM compute_instances WHERE id = '{instanceId}'"))!);

    private static DateTime Utc(string stored) => DateTime.SpecifyKind(DateTime.Parse(stored, CultureInfo.InvariantCulture), DateTimeKind.Utc);

    private async Task<int> SendAsync(IRequest<int> request)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(request);
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

    private async Task DispatchOutboxAsync()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await ActivatorUtilities.CreateInstance<OutboxDispatchJob>(scope.ServiceProvider).RunAsync(CancellationToken.None);
    }
}
