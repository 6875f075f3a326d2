using System.Diagnostics;
using System.Globalization;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.OpenVSwitch.Tests;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Compute.Contracts;

namespace Platform.Api.Tests.Billing;

/// <summary>
/// The whole path on a simulated server: Compute's state changes go out through its outbox as InstanceStateChanged and
/// Billing meters them. Two short runs across a stop and a start are billed 60 s each (EC2's minimum per start), and a
/// run still going counts up to now.
/// </summary>
public sealed class InstanceMeteringTests : IAsyncLifetime, IDisposable
{
    private readonly PlatformApp _app = new();
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
    public async Task Given_an_instance_stopped_started_and_stopped_Then_its_two_short_runs_are_billed_60_seconds_each()
    {
        var image = await _root.RegisterKernelImageAsync("billing-image", [1, 2, 3], [4, 5, 6]);
        var id = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = image })).GetProperty("instance_id").GetString()!;
        await _root.WaitForStateAsync(id, "running");
        var day = DateTime.UtcNow.Date;
        var range = $"start={day:yyyy-MM-dd}&end={day.AddDays(2):yyyy-MM-dd}";

        // Running: the open run counts up to now, at least the minimum.
        await Eventually.TrueAsync(async () => await SecondsAsync(id, range) >= 60m, TimeSpan.FromSeconds(90), "the running instance shows no usage");

        await (await _root.PostAsync($"/api/v1/ec2/instances/{id}/stop", null)).AssertOkAsync();
        await _root.WaitForStateAsync(id, "stopped");
        await (await _root.PostAsync($"/api/v1/ec2/instances/{id}/start", null)).AssertOkAsync();
        await _root.WaitForStateAsync(id, "running");
        await (await _root.PostAsync($"/api/v1/ec2/instances/{id}/stop", null)).AssertOkAsync();
        await _root.WaitForStateAsync(id, "stopped");

        // Both runs closed (each far shorter than a minute): 60 s each, and no more while it stays stopped.
        await Eventually.TrueAsync(async () => await SecondsAsync(id, range) == 120m, TimeSpan.FromSeconds(90),
            "the two runs were not billed 120 s");
        var usage = await (await _root.GetAsync($"/api/v1/billing/usage?{range}&group_by=usage_type")).AssertOkAsync();
        var group = Assert.Single(usage.GetProperty("groups").EnumerateArray());
        Assert.Equal("BoxUsage:t3.nano", group.GetProperty("key").GetString());
        Assert.Equal(decimal.Round(0.0052m * 120m / 3600m, 6), group.GetProperty("cost").GetDecimal());
    }

    [Fact]
    public async Task Given_a_stop_and_a_start_again_in_the_second_the_instance_started_Then_each_start_pays_its_60_seconds_once()
    {
        // As a fast server can report them: running, stopped, running and stopped again, all within one second; each fact
        // delivered twice. Two starts, two runs of 60 s (before, the second start took the first's run for its own).
        var account = _app.RootCredentials.AccountId;
        var second = DateTime.UtcNow.Date.AddHours(DateTime.UtcNow.Hour).AddSeconds(7);
        InstanceStateChanged Fact(string? previous, string state, int milliseconds) =>
            new(account, "i-0b11000000000fa57", "t3.nano", "us-east-1a", previous, state, second.AddMilliseconds(milliseconds), null);
        InstanceStateChanged[] facts =
        [
            Fact("pending", "running", 100), Fact("running", "stopping", 300), Fact("stopping", "stopped", 400),
            Fact("pending", "running", 600), Fact("running", "stopping", 800), Fact("stopping", "stopped", 900),
        ];
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
            foreach (var fact in facts.Concat(facts))
            {
                await publisher.Publish(fact);
            }
        }

        var day = second.Date;
        Assert.Equal(120m, await SecondsAsync("i-0b11000000000fa57", $"start={day:yyyy-MM-dd}&end={day.AddDays(2):yyyy-MM-dd}"));
    }

    /// <summary>
    /// The fact's way to the usage API: the instance's <c>running</c> fact (Compute's commit and its outbox message), the
    /// dispatch job Hangfire runs for it, Billing's run, and the usage API reading that run. The run shows from the fact's
    /// moment. bench/billing.sh takes the delay from here (PLATFORM_BENCH_OUTPUT): the fact's moment to the first answer
    /// that shows the instance, polled every 100 ms.
    /// </summary>
    [Fact]
    public async Task Given_an_instance_entering_running_Then_the_usage_api_shows_its_run_from_the_facts_moment()
    {
        var image = await _root.RegisterKernelImageAsync("billing-delay-image", [1, 2, 3], [4, 5, 6]);
        var id = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = image })).GetProperty("instance_id").GetString()!;
        var day = DateTime.UtcNow.Date;
        var range = $"start={day:yyyy-MM-dd}&end={day.AddDays(2):yyyy-MM-dd}";
        var polls = 0;
        var deadline = Stopwatch.StartNew();
        DateTime? shownAt = null;
        while (deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            var usage = await (await _root.GetAsync($"/api/v1/billing/usage?{range}&group_by=resource")).AssertOkAsync();
            polls++;
            if (usage.GetProperty("groups").EnumerateArray().Any(g => g.GetProperty("key").GetString() == id))
            {
                shownAt = DateTime.UtcNow;
                break;
            }

            await Task.Delay(100);
        }

        Assert.True(shownAt is not null, $"the usage API did not show {id} within 120 s ({polls} answers)");
        var started = await Database.ScalarAsync<string>(_app.DatabasePath, $"SELECT started_at FROM billing_instance_runs WHERE instance_id = '{id}'");
        var factAt = DateTime.SpecifyKind(DateTime.Parse(started!, CultureInfo.InvariantCulture), DateTimeKind.Utc);
        Assert.Equal("running", (await _root.InstanceAsync(id)).GetProperty("state").GetString());
        Assert.True(factAt <= shownAt, $"the run starts at {factAt:O}, after the answer that showed it ({shownAt:O})");
        var delay = (shownAt.Value - factAt).TotalMilliseconds;
        Console.WriteLine($"usage fact to the usage API: {delay:F0} ms ({polls} answers)");
        Benchmark.Record("fact_to_usage_ms", delay, "polls", polls);
    }

    /// <summary>
    /// A cost and usage report's <c>resourceTags/user:*</c> columns, as AWS's report has them: one per tag key of the report's
    /// instances (Compute's tags at delivery), each instance's rows with its values, other rows empty; Python's csv module
    /// reads it (a value with a comma and a quote included).
    /// </summary>
    [Fact]
    public async Task Given_tagged_instances_When_their_report_is_delivered_Then_each_tag_key_is_a_resourceTags_user_column_Pythons_csv_reads()
    {
        var image = await _root.RegisterKernelImageAsync("billing-tags-image", [1, 2, 3], [4, 5, 6]);
        var web = (await _root.LaunchAsync(new
        {
            instance_type = "t3.nano", image_id = image,
            tags = new[] { new { key = "Name", value = "web, \"front\"" }, new { key = "team", value = "blue" } },
        })).GetProperty("instance_id").GetString()!;
        var batch = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = image, tags = new[] { new { key = "cost-center", value = "42" } } }))
            .GetProperty("instance_id").GetString()!;
        var bare = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = image })).GetProperty("instance_id").GetString()!;
        foreach (var id in new[] { web, batch, bare })
        {
            await _root.WaitForStateAsync(id, "running");
        }

        var day = DateTime.UtcNow.Date;
        var range = $"start={day:yyyy-MM-dd}&end={day.AddDays(2):yyyy-MM-dd}";
        foreach (var id in new[] { web, batch, bare })
        {
            await Eventually.TrueAsync(async () => await SecondsAsync(id, range) > 0m, TimeSpan.FromSeconds(90), $"{id} shows no usage");
        }

        await (await _root.PutAsync("/api/v1/s3/billing-tags-bucket", null)).AssertOkAsync();
        await (await _root.PostJsonAsync("/api/v1/billing/reports", new { report_name = "tagged", time_unit = "HOURLY", s3_bucket = "billing-tags-bucket" })).AssertOkAsync();
        var asOf = DateTime.UtcNow.AddHours(1); // the open month's file up to the next hour: this hour's running time in it
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<ISender>().Send(new DeliverCostReports(asOf)));
        }

        var month = new DateOnly(asOf.Year, asOf.Month, 1);
        var csv = await _root.GetByteArrayAsync($"/api/v1/s3/billing-tags-bucket/tagged/{month:yyyyMMdd}-{month.AddMonths(1):yyyyMMdd}/tagged-00001.csv");
        var lines = await BillingTests.PythonCsvAsync(csv, """
            import csv, json, sys
            rows = list(csv.DictReader(open(sys.argv[1], newline="")))
            print(json.dumps([k for k in rows[0].keys() if k.startswith("resourceTags/")]))
            for r in rows:
                print(json.dumps([r["lineItem/ResourceId"], r["resourceTags/user:Name"], r["resourceTags/user:cost-center"], r["resourceTags/user:team"]]))
            """);
        Assert.Equal("""["resourceTags/user:Name", "resourceTags/user:cost-center", "resourceTags/user:team"]""", lines[0]);
        var cells = lines.Skip(1).Select(l => System.Text.Json.JsonSerializer.Deserialize<string[]>(l)!).ToList();
        Assert.Equal(new[] { bare, batch, web }.Order(StringComparer.Ordinal), cells.Select(c => c[0]).Distinct().Order(StringComparer.Ordinal));
        Assert.All(cells.Where(c => c[0] == web), c => Assert.Equal(["web, \"front\"", "", "blue"], c[1..]));
        Assert.All(cells.Where(c => c[0] == batch), c => Assert.Equal(["", "42", ""], c[1..]));
        Assert.All(cells.Where(c => c[0] == bare), c => Assert.Equal(["", "", ""], c[1..]));
    }

    private async Task<decimal> SecondsAsync(string instanceId, string range)
    {
        var usage = await (await _root.GetAsync($"/api/v1/billing/usage?{range}&group_by=resource")).AssertOkAsync();
        return usage.GetProperty("groups").EnumerateArray().Where(g => g.GetProperty("key").GetString() == instanceId)
            .SelectMany(g => g.GetProperty("quantities").EnumerateArray()).Sum(q => q.GetProperty("amount").GetDecimal());
    }
}
