using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.Modules.Compute.Contracts;

namespace Platform.Api.Tests.Billing;

/// <summary>
/// The API restarted in the middle of metering: a run open when the first process stops is closed by the second, and
/// facts the first had already recorded, delivered again after the restart (an outbox that lost its "sent" mark),
/// count once. Facts are published as Compute's outbox publishes them, at chosen times.
/// </summary>
public sealed class BillingRestartTests
{
    [Fact]
    public async Task Given_a_run_open_across_an_API_restart_and_facts_redelivered_after_it_Then_every_run_is_billed_its_seconds_once()
    {
        await using var first = new PlatformApp(runJobs: false);
        TestCredentials tenant;
        using (var management = first.SignedClient(first.RootCredentials))
        {
            tenant = await management.CreateAccountAsync("billing-restart");
        }

        var t0 = new DateTime(2025, 4, 10, 10, 0, 0, DateTimeKind.Utc).AddMilliseconds(250);
        const string instance = "i-0eeeeeeeeeeeeeee1";
        var beforeRestart = new[]
        {
            Fact(tenant.AccountId, instance, "pending", "running", t0),
            Fact(tenant.AccountId, instance, "running", "stopping", t0.AddSeconds(317.4)),
            Fact(tenant.AccountId, instance, "stopping", "stopped", t0.AddSeconds(320)),
            Fact(tenant.AccountId, instance, "stopped", "pending", t0.AddHours(1).AddSeconds(-3)),
            Fact(tenant.AccountId, instance, "pending", "running", t0.AddHours(1)),
        };
        await PublishAsync(first, beforeRestart);
        using (var client = first.SignedClient(tenant))
        {
            // The first run is recorded; the second, still open, counts up to now.
            Assert.True(await SecondsAsync(client) > 317m + 1200m);
        }

        await first.DisposeAsync();
        await using var second = new PlatformApp(first.DataDirectory, runJobs: false);

        // The outbox delivers again what it had sent before the restart, then the stop, twice.
        await PublishAsync(second, beforeRestart);
        var stop = Fact(tenant.AccountId, instance, "running", "stopping", t0.AddHours(1).AddSeconds(1200.65));
        await PublishAsync(second, [stop, stop, Fact(tenant.AccountId, instance, "stopping", "stopped", t0.AddHours(1).AddSeconds(1204))]);

        using var after = second.SignedClient(tenant);
        // 10:00:00.25 to 10:05:17.65 (317 whole seconds) and 11:00:00.25 to 11:20:00.9 (1,200): each once.
        Assert.Equal(317m + 1200m, await SecondsAsync(after));
    }

    private static async Task<decimal> SecondsAsync(HttpClient client)
    {
        var usage = await (await client.GetAsync("/api/v1/billing/usage?start=2025-04-01&end=2025-05-01&group_by=resource")).AssertOkAsync();
        return usage.GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("quantities").EnumerateArray())
            .Where(q => q.GetProperty("unit").GetString() == "Seconds").Sum(q => q.GetProperty("amount").GetDecimal());
    }

    private static InstanceStateChanged Fact(string account, string instanceId, string? previous, string state, DateTime at) =>
        new(account, instanceId, "t3.micro", "us-east-1a", previous, state, at, null);

    private static async Task PublishAsync(PlatformApp app, IEnumerable<InstanceStateChanged> facts)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
        foreach (var fact in facts)
        {
            await publisher.Publish(fact);
        }
    }
}
