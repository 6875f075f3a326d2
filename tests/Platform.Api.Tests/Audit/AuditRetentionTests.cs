using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.Modules.Audit.Contracts;

namespace Platform.Api.Tests.Audit;

/// <summary>Records are kept Audit:RetentionDays and no longer; its own API, as pruning is for every account at once.</summary>
public sealed class AuditRetentionTests
{
    [Fact]
    public async Task Given_a_retention_of_two_days_Then_pruning_keeps_younger_records_and_deletes_older_ones_once()
    {
        await using var app = new PlatformApp(runJobs: false, settings: new Dictionary<string, string?> { ["Audit:RetentionDays"] = "2" });
        using var management = app.SignedClient(app.RootCredentials);
        var tenant = await management.CreateAccountAsync("audit-retention");
        using var client = app.SignedClient(tenant);
        await (await client.PostJsonAsync("/api/v1/iam/users", new { user_name = "kept" })).AssertOkAsync();
        var recorded = (await client.EventsAsync()).Count;
        Assert.True(recorded >= 1);

        Assert.Equal(0, await PruneAsync(app, DateTime.UtcNow.AddDays(1)));
        Assert.Equal(recorded, (await client.EventsAsync()).Count);

        var pruned = await PruneAsync(app, DateTime.UtcNow.AddDays(2).AddMinutes(1));
        Assert.True(pruned >= recorded + 1, $"{pruned} records pruned"); // the management account's CreateAccount too
        Assert.Empty(await client.EventsAsync());
        Assert.Equal(0, await PruneAsync(app, DateTime.UtcNow.AddDays(2).AddMinutes(1)));
    }

    private static async Task<int> PruneAsync(PlatformApp app, DateTime asOf)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new PruneAuditEvents(asOf));
    }
}
