using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Compute.Contracts;

namespace Platform.Api.Tests.Billing;

/// <summary>
/// Size flexibility end to end: a tenant buys a regional t3.medium through the API; Compute's instance facts for two
/// t3.micro and a t3.small, then a t3.large, and an m5.large are metered; the month closes (the API's clock moved past it,
/// then back) and the invoice the tenant reads covers the smaller sizes' hour and half the large's, none of the other family's.
/// </summary>
public sealed class ReservedFlexibilityMeteringTests : IAsyncLifetime, IDisposable
{
    private readonly MovableClock _clock = new();
    private readonly PlatformApp _platform = new(runJobs: false);
    private WebApplicationFactory<Program> _app = null!;

    public Task InitializeAsync()
    {
        _app = _platform.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(_clock)));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _platform.DisposeAsync();
    }

    public void Dispose()
    {
        _platform.Dispose();
        Directory.Delete(_platform.DataDirectory, recursive: true);
    }

    [Fact]
    public async Task Given_a_regional_large_reservation_When_smaller_and_larger_sizes_of_its_family_run_Then_the_invoice_covers_them_by_normalized_units()
    {
        using var management = Client(Root());
        var tenant = await management.CreateAccountAsync("billing-flexible");
        using var client = Client(tenant);
        var offering = (await (await client.GetAsync("/api/v1/billing/reserved-instances-offerings?instance_type=t3.medium&offering_type=No%20Upfront&duration=31536000"))
            .AssertOkAsync()).GetProperty("reserved_instances_offerings").EnumerateArray().Single(o => o.GetProperty("scope").GetString() == "Region");
        var bought = await (await client.PostJsonAsync("/api/v1/billing/reserved-instances", new
        {
            reserved_instances_offering_id = offering.GetProperty("reserved_instances_offering_id").GetString(),
            instance_count = 1,
        })).AssertOkAsync();
        var reservationId = bought.GetProperty("reserved_instances_id").GetString()!;

        // The first whole hour after the purchase, moved to the next month's first if the three hours would cross its end.
        var start = bought.GetProperty("start").GetDateTime().ToUniversalTime();
        var hour = new DateTime(start.Year, start.Month, start.Day, start.Hour, 0, 0, DateTimeKind.Utc).AddHours(1);
        if (hour.AddHours(3).Month != hour.Month)
        {
            hour = new DateTime(hour.Year, hour.Month, 1, 1, 0, 0, DateTimeKind.Utc).AddMonths(1);
        }

        await PublishAsync(
        [
            .. Run(tenant.AccountId, "i-0f1e00000000000a1", "t3.micro", "us-east-1a", hour, hour.AddHours(1)),
            .. Run(tenant.AccountId, "i-0f1e00000000000a2", "t3.micro", "us-east-1b", hour, hour.AddHours(1)),
            .. Run(tenant.AccountId, "i-0f1e00000000000a3", "t3.small", "us-east-1b", hour, hour.AddHours(1)),
            .. Run(tenant.AccountId, "i-0f1e00000000000b1", "t3.large", "us-east-1a", hour.AddHours(1), hour.AddHours(2)),
            .. Run(tenant.AccountId, "i-0f1e00000000000c1", "m5.large", "us-east-1a", hour, hour.AddHours(1)),
        ]);

        // The month is closed with the API's clock past it; signed calls go on with the real time.
        var month = DateOnly.FromDateTime(new DateTime(hour.Year, hour.Month, 1, 0, 0, 0, DateTimeKind.Utc));
        _clock.Offset = new DateTimeOffset(month.AddMonths(1).AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) - DateTimeOffset.UtcNow;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<ISender>().Send(new CloseMonth(month)));
        }

        _clock.Offset = TimeSpan.Zero;
        var listed = Assert.Single((await (await client.GetAsync("/api/v1/billing/invoices")).AssertOkAsync()).GetProperty("invoices").EnumerateArray());
        var invoice = await (await client.GetAsync($"/api/v1/billing/invoices/{listed.GetProperty("invoice_id").GetString()}")).AssertOkAsync();
        var lines = invoice.GetProperty("lines").EnumerateArray()
            .ToDictionary(l => (l.GetProperty("usage_type").GetString(), l.TryGetProperty("reservation_id", out var id) ? id.GetString() : null));

        // Hour one: two micros (0.5 units a second each) and a small (1) use the medium's 2. Hour two: the large (4) has half
        // of its seconds covered, the rest on demand at the large's price.
        Assert.Equal((7200m, 0m), Line(lines[("BoxUsage:t3.micro", reservationId)]));
        Assert.Equal((3600m, 0m), Line(lines[("BoxUsage:t3.small", reservationId)]));
        Assert.False(lines.ContainsKey(("BoxUsage:t3.micro", null)));
        Assert.False(lines.ContainsKey(("BoxUsage:t3.small", null)));
        Assert.Equal((1800m, 0m), Line(lines[("BoxUsage:t3.large", reservationId)]));
        var onDemandLarge = lines[("BoxUsage:t3.large", null)];
        Assert.Equal((1800m, 0.04m), Line(onDemandLarge));
        Assert.Equal(0.0832m, onDemandLarge.GetProperty("price_per_unit").GetDecimal());
        Assert.Equal((3600m, 0.10m), Line(lines[("BoxUsage:m5.large", null)]));
        Assert.False(lines.ContainsKey(("BoxUsage:m5.large", reservationId)));
        Assert.Contains(("HeavyUsage:t3.medium", reservationId), lines.Keys);
        Assert.Equal(lines.Values.Sum(l => l.GetProperty("amount").GetDecimal()), invoice.GetProperty("total").GetDecimal());
    }

    private static (decimal Quantity, decimal Amount) Line(JsonElement line) => (line.GetProperty("quantity").GetDecimal(), line.GetProperty("amount").GetDecimal());

    private TestCredentials Root()
    {
        _ = _app.Server;
        return _platform.RootCredentials;
    }

    private HttpClient Client(TestCredentials credentials) =>
        new(new SdkSigningHandler(credentials) { InnerHandler = _app.Server.CreateHandler() }) { BaseAddress = _app.Server.BaseAddress };

    private static IEnumerable<InstanceStateChanged> Run(string account, string instanceId, string type, string zone, DateTime start, DateTime stop) =>
    [
        new(account, instanceId, type, zone, "pending", "running", start, null),
        new(account, instanceId, type, zone, "running", "stopping", stop, null),
        new(account, instanceId, type, zone, "stopping", "stopped", stop.AddSeconds(3), null),
    ];

    private async Task PublishAsync(IEnumerable<InstanceStateChanged> facts)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
        foreach (var fact in facts)
        {
            await publisher.Publish(fact);
        }
    }

    private sealed class MovableClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + Offset;
    }
}
