using System.Net;
using System.Text.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Compute.Contracts;

namespace Platform.Api.Tests.Billing;

/// <summary>
/// Metering, prices, usage and invoices through the API, with Compute's instance state facts delivered as its outbox
/// delivers them (Mediator's publish) at chosen times: so a run of 95.7 s is seen billed its 96 whole seconds, twice-delivered facts
/// once, and months long past can be closed. Each test has its own accounts and its own month.
/// </summary>
public sealed class BillingTests(BillingPlatform platform) : IClassFixture<BillingPlatform>
{
    private static readonly DateTime March2025 = new(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Given_two_runs_across_a_stop_and_start_delivered_twice_Then_each_is_billed_its_whole_seconds_with_60_at_least_once()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("billing-runs");
        using var client = platform.App.SignedClient(tenant);
        var t0 = new DateTime(2025, 1, 10, 8, 0, 0, DateTimeKind.Utc).AddMilliseconds(400);
        var facts = Run(tenant.AccountId, "i-0aaaaaaaaaaaaaaa1", "t3.micro", t0, t0.AddSeconds(95.7))
            .Concat(Run(tenant.AccountId, "i-0aaaaaaaaaaaaaaa1", "t3.micro", t0.AddMinutes(10), t0.AddMinutes(10).AddSeconds(20)))
            .ToList();

        await PublishAsync(facts);
        await PublishAsync(facts); // a redelivery of every fact
        await PublishAsync([facts[1]]); // and one more of the first stop

        var usage = await UsageAsync(client, "2025-01-01", "2025-02-01", "resource");
        var group = Assert.Single(usage.GetProperty("groups").EnumerateArray());
        Assert.Equal("i-0aaaaaaaaaaaaaaa1", group.GetProperty("key").GetString());
        var seconds = Assert.Single(group.GetProperty("quantities").EnumerateArray());
        Assert.Equal("Seconds", seconds.GetProperty("unit").GetString());
        // 08:00:00.4 to 08:01:36.1 is billed as the whole seconds 08:00:00 to 08:01:36 (96 s); 20 s, as the 60 s minimum.
        Assert.Equal(96m + 60m, seconds.GetProperty("amount").GetDecimal());
        // t3.micro at 0.0104 an hour: 156 s cost 0.0104 * 156 / 3600.
        Assert.Equal(decimal.Round(0.0104m * 156m / 3600m, 6), group.GetProperty("cost").GetDecimal());
        Assert.Equal(group.GetProperty("cost").GetDecimal(), usage.GetProperty("total_cost").GetDecimal());

        var byType = await UsageAsync(client, "2025-01-01", "2025-02-01", "usage_type");
        Assert.Equal("BoxUsage:t3.micro", Assert.Single(byType.GetProperty("groups").EnumerateArray()).GetProperty("key").GetString());
        var byService = await UsageAsync(client, "2025-01-01", "2025-02-01", null);
        Assert.Equal("AmazonEC2", Assert.Single(byService.GetProperty("groups").EnumerateArray()).GetProperty("key").GetString());
    }

    [Fact]
    public async Task Given_a_run_across_a_month_end_Then_each_month_holds_its_seconds_and_a_managed_instance_is_not_EC2_usage()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("billing-month-end");
        using var client = platform.App.SignedClient(tenant);
        var end = new DateTime(2025, 2, 1, 0, 0, 0, DateTimeKind.Utc);
        await PublishAsync(Run(tenant.AccountId, "i-0bbbbbbbbbbbbbbb1", "m5.large", end.AddSeconds(-30), end.AddSeconds(70)));
        await PublishAsync(Run(tenant.AccountId, "i-0bbbbbbbbbbbbbbb2", "t3.nano", end.AddSeconds(-5), end.AddSeconds(5)));
        await PublishAsync(Run(tenant.AccountId, "i-0bbbbbbbbbbbbbbb3", "t3.nano", end.AddHours(-1), end.AddHours(1), managedBy: "rds"));

        Assert.Equal(30m + 5m, Seconds(await UsageAsync(client, "2025-01-01", "2025-02-01", "service")));
        // 70 s of the first; the second ran 10 s: its 50 s shortfall is charged with its last part.
        Assert.Equal(70m + 55m, Seconds(await UsageAsync(client, "2025-02-01", "2025-03-01", "service")));
    }

    [Fact]
    public async Task Given_two_concurrent_closes_of_a_month_Then_each_account_gets_one_invoice_whose_lines_add_up_to_the_cent()
    {
        using var management = platform.RootClient();
        var first = await management.CreateAccountAsync("billing-invoice-a");
        var second = await management.CreateAccountAsync("billing-invoice-b");
        var month = March2025;
        // Many small runs of three types: each line's amount is rounded to the cent, the total is their sum.
        var facts = new List<InstanceStateChanged>();
        string[] types = ["t3.micro", "m5.xlarge", "c5.large"];
        for (var n = 0; n < 30; n++)
        {
            var start = month.AddHours(n * 7).AddSeconds(n * 13.37);
            facts.AddRange(Run(n % 2 == 0 ? first.AccountId : second.AccountId, $"i-0cccccccccccc{n:x4}", types[n % 3], start, start.AddSeconds(61 + (n * 977))));
        }

        // One instance still running at the month's end: the close records its March part.
        facts.Add(Fact(first.AccountId, "i-0cccccccccccdddd", "t3.small", null, "pending", month.AddDays(30)));
        facts.Add(Fact(first.AccountId, "i-0cccccccccccdddd", "t3.small", "pending", "running", month.AddDays(30).AddHours(23)));
        await PublishAsync(facts);

        var closes = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => CloseAsync(DateOnly.FromDateTime(month)))));
        Assert.Equal(2, closes.Sum());
        Assert.Equal(0, await CloseAsync(DateOnly.FromDateTime(month)));

        foreach (var account in new[] { first, second })
        {
            using var client = platform.App.SignedClient(account);
            var list = (await (await client.GetAsync("/api/v1/billing/invoices")).AssertOkAsync()).GetProperty("invoices");
            var listed = Assert.Single(list.EnumerateArray());
            Assert.Equal("2025-03", listed.GetProperty("billing_period").GetString());
            var invoice = await (await client.GetAsync($"/api/v1/billing/invoices/{listed.GetProperty("invoice_id").GetString()}")).AssertOkAsync();
            var lines = invoice.GetProperty("lines").EnumerateArray().ToList();
            Assert.Equal(account == first ? 4 : 3, lines.Count);
            Assert.All(lines, l => Assert.Equal(decimal.Round(l.GetProperty("amount").GetDecimal(), 2), l.GetProperty("amount").GetDecimal()));
            Assert.Equal(lines.Sum(l => l.GetProperty("amount").GetDecimal()), invoice.GetProperty("total").GetDecimal());
            Assert.True(invoice.GetProperty("total").GetDecimal() > 0);

            // The lines are the month's usage at its prices, rounded once per line.
            var usage = await UsageAsync(client, "2025-03-01", "2025-04-01", "usage_type");
            foreach (var line in lines)
            {
                var group = usage.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("key").GetString() == line.GetProperty("usage_type").GetString());
                Assert.Equal(decimal.Round(group.GetProperty("cost").GetDecimal(), 2, MidpointRounding.AwayFromZero), line.GetProperty("amount").GetDecimal());
            }
        }

        // The running instance's March part: from 23:00 on the 31st to the month's end, once, however often the month is closed.
        using (var owner = platform.App.SignedClient(first))
        {
            var running = (await UsageAsync(owner, "2025-03-01", "2025-04-01", "resource")).GetProperty("groups").EnumerateArray()
                .Single(g => g.GetProperty("key").GetString() == "i-0cccccccccccdddd");
            Assert.Equal(3600m, running.GetProperty("quantities")[0].GetProperty("amount").GetDecimal());
        }

        // The management account sees both accounts' invoices; another tenant sees neither, even by id.
        using var outsider = platform.App.SignedClient(await management.CreateAccountAsync("billing-outsider"));
        var all = (await (await management.GetAsync("/api/v1/billing/invoices")).AssertOkAsync()).GetProperty("invoices").EnumerateArray()
            .Select(i => i.GetProperty("account_id").GetString()).ToList();
        Assert.Contains(first.AccountId, all);
        Assert.Contains(second.AccountId, all);
        Assert.Empty((await (await outsider.GetAsync("/api/v1/billing/invoices")).AssertOkAsync()).GetProperty("invoices").EnumerateArray());
        using var firstClient = platform.App.SignedClient(first);
        var id = (await (await firstClient.GetAsync("/api/v1/billing/invoices")).AssertOkAsync()).GetProperty("invoices")[0].GetProperty("invoice_id").GetString();
        await (await outsider.GetAsync($"/api/v1/billing/invoices/{id}")).AssertErrorAsync(HttpStatusCode.NotFound, "ResourceNotFoundException");
        await (await outsider.GetAsync("/api/v1/billing/invoices/not-an-invoice")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        Assert.Empty((await UsageAsync(outsider, "2025-03-01", "2025-04-01", "service")).GetProperty("groups").EnumerateArray());
        await (await outsider.GetAsync($"/api/v1/billing/usage?start=2025-03-01&end=2025-04-01&account_id={first.AccountId}"))
            .AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        var seen = await (await management.GetAsync($"/api/v1/billing/usage?start=2025-03-01&end=2025-04-01&group_by=linked_account&account_id={first.AccountId}")).AssertOkAsync();
        Assert.Equal(first.AccountId, Assert.Single(seen.GetProperty("groups").EnumerateArray()).GetProperty("key").GetString());
    }

    [Fact]
    public async Task Given_a_volume_and_a_bucket_When_storage_is_sampled_three_times_two_at_once_Then_the_hour_is_recorded_once_in_GiB_seconds()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("billing-storage");
        using var client = platform.App.SignedClient(tenant);
        var volume = (await (await client.PostJsonAsync("/api/v1/ec2/volumes", new { availability_zone = "us-east-1a", size = 2 })).AssertOkAsync())
            .GetProperty("volume_id").GetString()!;
        await (await client.PutAsync("/api/v1/s3/billing-storage-bucket", null)).AssertOkAsync();
        await (await client.PutAsync("/api/v1/s3/billing-storage-bucket/one-mib", new ByteArrayContent(new byte[1 << 20]))).AssertOkAsync();

        var asOf = DateTime.UtcNow;
        var samples = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => SampleAsync(asOf))));
        Assert.Equal(0, await SampleAsync(asOf)); // a retried job in the same hour
        Assert.Equal(2, samples.Sum()); // the volume and the bucket, once between the two samples

        var hour = new DateTime(asOf.Year, asOf.Month, asOf.Day, asOf.Hour, 0, 0, DateTimeKind.Utc).AddHours(-1);
        var usage = await UsageAsync(client, $"{hour:yyyy-MM-ddTHH:mm:ssZ}", $"{hour.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}", "usage_type");
        var groups = usage.GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("key").GetString()!);
        Assert.Equal(["EBS:VolumeUsage.gp3", "TimedStorage-ByteHrs"], groups.Keys.Order());
        var gp3 = groups["EBS:VolumeUsage.gp3"];
        Assert.Equal(("GiB-Seconds", 2m * 3600m), (gp3.GetProperty("quantities")[0].GetProperty("unit").GetString(), gp3.GetProperty("quantities")[0].GetProperty("amount").GetDecimal()));
        // gp3 at 0.08 a GiB-month of 730 hours.
        Assert.Equal(decimal.Round(7200m / (730m * 3600m) * 0.08m, 6), gp3.GetProperty("cost").GetDecimal());
        Assert.Equal(3600m / 1024m, groups["TimedStorage-ByteHrs"].GetProperty("quantities")[0].GetProperty("amount").GetDecimal());
        var byResource = await UsageAsync(client, $"{hour:yyyy-MM-ddTHH:mm:ssZ}", $"{hour.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}", "resource");
        Assert.Equal([volume, "billing-storage-bucket"], byResource.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("key").GetString()).OrderDescending());
    }

    [Fact]
    public async Task Given_an_elastic_IP_When_resource_hours_are_sampled_three_times_two_at_once_Then_its_seconds_in_the_hour_are_recorded_once()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("billing-hours");
        using var client = platform.App.SignedClient(tenant);
        var before = DateTime.UtcNow;
        var allocation = (await (await client.PostJsonAsync("/api/v1/vpc/addresses", new { })).AssertOkAsync()).GetProperty("allocation_id").GetString()!;
        var after = DateTime.UtcNow;

        // Sampled as of the next hour: the hour billed is the one the address was allocated in.
        var hour = new DateTime(after.Year, after.Month, after.Day, after.Hour, 0, 0, DateTimeKind.Utc);
        if (before < hour)
        {
            before = hour; // allocated across the hour's start: what matters is its part of this hour
        }

        var samples = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => SampleHoursAsync(hour.AddHours(1)))));
        Assert.Equal(0, await SampleHoursAsync(hour.AddHours(1).AddMinutes(30))); // a retried job in the same hour
        // The class's other tests share this API, so the two racing runs may also sample their resources: what shows that
        // this address's hour was recorded once is its seconds below (twice would double them).
        Assert.InRange(samples.Sum(), 1, int.MaxValue);

        var usage = await UsageAsync(client, $"{hour:yyyy-MM-ddTHH:mm:ssZ}", $"{hour.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}", "resource");
        var group = Assert.Single(usage.GetProperty("groups").EnumerateArray());
        Assert.Equal(allocation, group.GetProperty("key").GetString());
        var seconds = group.GetProperty("quantities")[0].GetProperty("amount").GetDecimal();
        // From the allocation's whole second to the hour's end.
        Assert.InRange(seconds, (decimal)Math.Floor((hour.AddHours(1) - after).TotalSeconds), (decimal)Math.Ceiling((hour.AddHours(1) - before).TotalSeconds));
        Assert.Equal(decimal.Round(seconds / 3600m * 0.005m, 6), group.GetProperty("cost").GetDecimal());
        var byType = await UsageAsync(client, $"{hour:yyyy-MM-ddTHH:mm:ssZ}", $"{hour.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}", "usage_type");
        Assert.Equal("ElasticIP:IdleAddress", Assert.Single(byType.GetProperty("groups").EnumerateArray()).GetProperty("key").GetString());
    }

    [Fact]
    public async Task Given_reserved_instance_offerings_When_a_tenant_buys_one_Then_it_is_described_to_it_alone_and_bad_purchases_change_nothing()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("billing-reserved");
        var other = await management.CreateAccountAsync("billing-reserved-other");
        using var client = platform.App.SignedClient(tenant);
        using var otherClient = platform.App.SignedClient(other);

        var offerings = (await (await client.GetAsync("/api/v1/billing/reserved-instances-offerings?instance_type=t3.micro&offering_type=Partial%20Upfront&duration=31536000"))
            .AssertOkAsync()).GetProperty("reserved_instances_offerings").EnumerateArray().ToList();
        var regional = Assert.Single(offerings, o => o.GetProperty("scope").GetString() == "Region");
        Assert.Contains(offerings, o => o.GetProperty("scope").GetString() == "Availability Zone");
        Assert.Equal(decimal.Round(0.0104m * 0.59m * 8760m / 2m, 2), regional.GetProperty("fixed_price").GetDecimal());
        Assert.Equal(decimal.Round(0.0104m * 0.59m / 2m, 6), regional.GetProperty("recurring_charges")[0].GetProperty("amount").GetDecimal());
        var offeringId = regional.GetProperty("reserved_instances_offering_id").GetString()!;

        async Task Refused(HttpClient who, object body, string code) =>
            await (await who.PostJsonAsync("/api/v1/billing/reserved-instances", body)).AssertErrorAsync(HttpStatusCode.BadRequest, code);
        await Refused(client, new { reserved_instances_offering_id = offeringId, instance_count = -1 }, "InvalidParameterValue");
        await Refused(client, new { reserved_instances_offering_id = offeringId, instance_count = 0 }, "InvalidParameterValue");
        await Refused(client, new { reserved_instances_offering_id = offeringId }, "InvalidParameterValue");
        await Refused(client, new { reserved_instances_offering_id = "00000000-0000-0000-0000-000000000000", instance_count = 1 }, "InvalidReservedInstancesOfferingId");
        await Refused(client, new { instance_count = 1 }, "MissingParameter");
        await (await client.GetAsync("/api/v1/billing/reserved-instances-offerings?offering_type=Heavy%20Utilization")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await client.GetAsync("/api/v1/billing/reserved-instances-offerings?duration=100")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        Assert.Empty((await (await client.GetAsync("/api/v1/billing/reserved-instances")).AssertOkAsync()).GetProperty("reserved_instances").EnumerateArray());

        var before = DateTime.UtcNow.AddSeconds(-1);
        var bought = await (await client.PostJsonAsync("/api/v1/billing/reserved-instances", new { reserved_instances_offering_id = offeringId, instance_count = 2, client_token = "buy-1" })).AssertOkAsync();
        var again = await (await client.PostJsonAsync("/api/v1/billing/reserved-instances", new { reserved_instances_offering_id = offeringId, instance_count = 2, client_token = "buy-1" })).AssertOkAsync();
        var id = bought.GetProperty("reserved_instances_id").GetString()!;
        Assert.Equal(id, again.GetProperty("reserved_instances_id").GetString());
        await Refused(client, new { reserved_instances_offering_id = offeringId, instance_count = 3, client_token = "buy-1" }, "IdempotentParameterMismatch");
        Assert.Equal(("active", 2, "t3.micro", "Region", 31536000L), (bought.GetProperty("state").GetString(), bought.GetProperty("instance_count").GetInt32(),
            bought.GetProperty("instance_type").GetString(), bought.GetProperty("scope").GetString(), bought.GetProperty("duration").GetInt64()));
        var start = bought.GetProperty("start").GetDateTime();
        Assert.InRange(start, before, DateTime.UtcNow);
        Assert.Equal(start.AddSeconds(31536000), bought.GetProperty("end").GetDateTime());

        var mine = (await (await client.GetAsync("/api/v1/billing/reserved-instances")).AssertOkAsync()).GetProperty("reserved_instances");
        Assert.Equal(id, Assert.Single(mine.EnumerateArray()).GetProperty("reserved_instances_id").GetString());
        Assert.Empty((await (await otherClient.GetAsync("/api/v1/billing/reserved-instances")).AssertOkAsync()).GetProperty("reserved_instances").EnumerateArray());
        await (await otherClient.GetAsync($"/api/v1/billing/reserved-instances?reserved_instances_id={id}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidReservedInstancesId");
        Assert.Contains((await (await management.GetAsync($"/api/v1/billing/reserved-instances?reserved_instances_id={id}")).AssertOkAsync())
            .GetProperty("reserved_instances").EnumerateArray(), r => r.GetProperty("account_id").GetString() == tenant.AccountId);
    }

    [Fact]
    public async Task Given_bad_prices_or_a_tenant_Then_AWS_errors_answer_and_the_price_list_stays_as_it_was()
    {
        using var management = platform.RootClient();
        var before = await (await management.GetAsync("/api/v1/billing/prices")).AssertOkAsync();
        Assert.Equal("USD", before.GetProperty("currency").GetString());
        var micro = PriceOf(before, "BoxUsage:t3.micro");
        Assert.Equal(0.0104m, micro);

        async Task Refused(HttpClient client, object body, HttpStatusCode status, string code) =>
            await (await client.PutJsonAsync("/api/v1/billing/prices", body)).AssertErrorAsync(status, code);
        object Prices(decimal price, string usageType = "BoxUsage:t3.micro", string? effectiveFrom = null) =>
            new { effective_from = effectiveFrom, prices = new[] { new { service = "AmazonEC2", usage_type = usageType, price_per_unit = price } } };

        await Refused(management, Prices(-0.01m), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await Refused(management, Prices(0.00000000001m), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await Refused(management, Prices(1m, "BoxUsage:z9.huge"), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await Refused(management, Prices(1m, effectiveFrom: "2020-01-01"), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await Refused(management, Prices(1m, effectiveFrom: "soon"), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await Refused(management, new { prices = Array.Empty<object>() }, HttpStatusCode.BadRequest, "InvalidParameterValue");
        var tenant = await management.CreateAccountAsync("billing-prices-tenant");
        using var client = platform.App.SignedClient(tenant);
        await Refused(client, Prices(0.001m), HttpStatusCode.Forbidden, "AccessDenied");
        await (await client.GetAsync("/api/v1/billing/usage?start=2025-02-01&end=2025-01-01")).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationException");
        await (await client.GetAsync("/api/v1/billing/usage?start=2025-01-01")).AssertErrorAsync(HttpStatusCode.BadRequest, "MissingParameter");
        await (await client.GetAsync("/api/v1/billing/usage?start=2025-01-01&end=2025-02-01&group_by=tag")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");

        var after = await (await management.GetAsync("/api/v1/billing/prices")).AssertOkAsync();
        Assert.Equal(before.GetProperty("prices").GetRawText(), after.GetProperty("prices").GetRawText());
        Assert.Equal(before.GetProperty("versions").GetRawText(), after.GetProperty("versions").GetRawText());

        // A good change is a new version from its effective time; the time before keeps the old price.
        var from = DateTime.UtcNow.AddDays(400).Date;
        var changed = await (await management.PutJsonAsync("/api/v1/billing/prices", Prices(0.02m, "EBS:VolumeUsage.gp3", from.ToString("O")))).AssertOkAsync();
        Assert.Equal(0.02m, PriceOf(changed, "EBS:VolumeUsage.gp3"));
        Assert.Equal(0.08m, PriceOf(await (await management.GetAsync("/api/v1/billing/prices")).AssertOkAsync(), "EBS:VolumeUsage.gp3"));
        Assert.Equal(0.02m, PriceOf(await (await client.GetAsync($"/api/v1/billing/prices?at={from.AddDays(1):yyyy-MM-dd}")).AssertOkAsync(), "EBS:VolumeUsage.gp3"));
        await Refused(management, Prices(0.03m, "EBS:VolumeUsage.gp3", from.ToString("O")), HttpStatusCode.Conflict, "ConflictException");
    }

    [Fact]
    public async Task Given_a_report_in_the_tenants_bucket_When_delivered_twice_at_once_and_again_Then_the_closed_months_CSV_parses_and_its_costs_sum_to_the_invoice()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("billing-cur");
        var other = await management.CreateAccountAsync("billing-cur-other");
        using var client = platform.App.SignedClient(tenant);
        using var otherClient = platform.App.SignedClient(other);
        await (await client.PutAsync("/api/v1/s3/billing-cur-bucket", null)).AssertOkAsync();
        await (await otherClient.PutAsync("/api/v1/s3/billing-cur-other-bucket", null)).AssertOkAsync();

        // May 2025: runs of three types over hours and days, one of them twice delivered; the month closed.
        var may = new DateTime(2025, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        var facts = new List<InstanceStateChanged>();
        string[] types = ["t3.micro", "m5.large", "c5.large"];
        for (var n = 0; n < 12; n++)
        {
            var start = may.AddHours(n * 31).AddSeconds(n * 17.3);
            facts.AddRange(Run(tenant.AccountId, $"i-0eeeeeeeeeeee{n:x4}", types[n % 3], start, start.AddSeconds(45 + (n * 7_919))));
        }

        await PublishAsync(facts);
        await PublishAsync(facts.Take(3));
        await CloseAsync(DateOnly.FromDateTime(may));
        var invoice = Assert.Single((await (await client.GetAsync("/api/v1/billing/invoices")).AssertOkAsync()).GetProperty("invoices").EnumerateArray());

        async Task Refused(HttpClient who, object body, string code = "ValidationException") =>
            await (await who.PostJsonAsync("/api/v1/billing/reports", body)).AssertErrorAsync(HttpStatusCode.BadRequest, code);
        await Refused(client, new { report_name = "cur", time_unit = "MONTHLY", s3_bucket = "billing-cur-bucket" });
        await Refused(client, new { report_name = "a report", time_unit = "HOURLY", s3_bucket = "billing-cur-bucket" });
        await Refused(client, new { report_name = "cur", time_unit = "HOURLY" });
        await Refused(client, new { report_name = "cur", time_unit = "HOURLY", s3_bucket = "billing-cur-bucket", s3_prefix = "/rooted" });
        await Refused(client, new { report_name = "cur", time_unit = "HOURLY", s3_bucket = "billing-cur-other-bucket" }); // another account's
        await Refused(client, new { report_name = "cur", time_unit = "HOURLY", s3_bucket = "billing-cur-no-such-bucket" });
        // A user of the account may name only a prefix it could write to itself, as S3 would decide its PutObject.
        var user = await client.CreateUserWithKeyAsync("cur-writer", tenant.AccountId);
        await client.AttachAsync("cur-writer", await client.CreatePolicyAsync("cur-writer", """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cur:*","Resource":"*"},
              {"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::billing-cur-bucket/allowed/*"}]}
            """));
        using var userClient = platform.App.SignedClient(user);
        await Refused(userClient, new { report_name = "cur", time_unit = "DAILY", s3_bucket = "billing-cur-bucket", s3_prefix = "denied" });
        Assert.Empty((await (await client.GetAsync("/api/v1/billing/reports")).AssertOkAsync()).GetProperty("report_definitions").EnumerateArray());
        var daily = await (await userClient.PostJsonAsync("/api/v1/billing/reports", new { report_name = "daily", time_unit = "DAILY", s3_bucket = "billing-cur-bucket", s3_prefix = "allowed" })).AssertOkAsync();
        Assert.Equal(("allowed", "DAILY"), (daily.GetProperty("s3_prefix").GetString(), daily.GetProperty("time_unit").GetString()));

        var report = await (await client.PostJsonAsync("/api/v1/billing/reports", new { report_name = "hourly", time_unit = "HOURLY", s3_bucket = "billing-cur-bucket", s3_prefix = "cur/" })).AssertOkAsync();
        Assert.Equal("cur", report.GetProperty("s3_prefix").GetString());
        await Refused(client, new { report_name = "hourly", time_unit = "DAILY", s3_bucket = "billing-cur-bucket" }, "DuplicateReportNameException");
        Assert.Empty((await (await otherClient.GetAsync("/api/v1/billing/reports")).AssertOkAsync()).GetProperty("report_definitions").EnumerateArray());
        await (await otherClient.GetAsync("/api/v1/billing/reports/hourly")).AssertErrorAsync(HttpStatusCode.NotFound, "ResourceNotFoundException");
        await (await otherClient.DeleteAsync("/api/v1/billing/reports/hourly")).AssertErrorAsync(HttpStatusCode.NotFound, "ResourceNotFoundException");

        // A report whose bucket is deleted before its delivery: its status says so, and the others are written still.
        await (await client.PutAsync("/api/v1/s3/billing-cur-gone", null)).AssertOkAsync();
        await (await client.PostJsonAsync("/api/v1/billing/reports", new { report_name = "gone", time_unit = "DAILY", s3_bucket = "billing-cur-gone" })).AssertOkAsync();
        Assert.True((await client.DeleteAsync("/api/v1/s3/billing-cur-gone")).IsSuccessStatusCode);

        // Two replicas at once, then a retry in the same hour: the same keys and bytes.
        var asOf = DateTime.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => DeliverAsync(asOf))));
        const string key = "cur/hourly/20250501-20250601/hourly-00001.csv";
        var thisMonth = new DateOnly(asOf.Year, asOf.Month, 1);
        var openKey = $"cur/hourly/{thisMonth:yyyyMMdd}-{thisMonth.AddMonths(1):yyyyMMdd}/hourly-00001.csv";
        var first = await client.GetByteArrayAsync($"/api/v1/s3/billing-cur-bucket/{key}");
        var firstOpen = await client.GetByteArrayAsync($"/api/v1/s3/billing-cur-bucket/{openKey}");
        await DeliverAsync(asOf);
        Assert.Equal(first, await client.GetByteArrayAsync($"/api/v1/s3/billing-cur-bucket/{key}"));
        Assert.Equal(firstOpen, await client.GetByteArrayAsync($"/api/v1/s3/billing-cur-bucket/{openKey}"));
        Assert.NotEmpty(await client.GetByteArrayAsync("/api/v1/s3/billing-cur-bucket/allowed/daily/20250501-20250601/daily-00001.csv"));

        // Python's csv module reads it; its costs add up to the invoice's total to the cent, and its items are May's, by the hour.
        var parsed = await PythonCsvAsync(first, """
            import csv, sys
            from decimal import Decimal
            rows = list(csv.DictReader(open(sys.argv[1], newline="")))
            print(sum(Decimal(r["lineItem/UnblendedCost"]) for r in rows))
            print(len(rows))
            print(",".join(sorted({r["lineItem/LineItemType"] for r in rows})))
            print(",".join(sorted({r["bill/InvoiceId"] for r in rows})))
            print(min(r["lineItem/UsageStartDate"] for r in rows), max(r["lineItem/UsageEndDate"] for r in rows))
            print(",".join(sorted({r["product/instanceType"] for r in rows})))
            """);
        Assert.Equal(invoice.GetProperty("total").GetDecimal(), decimal.Parse(parsed[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(int.Parse(parsed[1], System.Globalization.CultureInfo.InvariantCulture) > 12);
        Assert.Equal("Usage", parsed[2]);
        Assert.Equal(invoice.GetProperty("invoice_id").GetString(), parsed[3]);
        Assert.StartsWith("2025-05-01T00:00:00Z 2025-05-", parsed[4]);
        Assert.Equal("c5.large,m5.large,t3.micro", parsed[5]);
        // This month's file so far: the header and nothing of this tenant's (it ran nothing this month).
        Assert.Equal("1", (await PythonCsvAsync(firstOpen, "import csv, sys\nprint(len(list(csv.reader(open(sys.argv[1], newline='')))))"))[0]);

        var described = await (await client.GetAsync("/api/v1/billing/reports/hourly")).AssertOkAsync();
        Assert.Equal("SUCCESS", described.GetProperty("report_status").GetProperty("last_status").GetString());
        Assert.Equal("ERROR_NO_BUCKET", (await (await client.GetAsync("/api/v1/billing/reports/gone")).AssertOkAsync()).GetProperty("report_status").GetProperty("last_status").GetString());
        Assert.Equal(3, (await (await client.GetAsync("/api/v1/billing/reports")).AssertOkAsync()).GetProperty("report_definitions").GetArrayLength());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/v1/billing/reports/hourly")).StatusCode);
        await (await client.GetAsync("/api/v1/billing/reports/hourly")).AssertErrorAsync(HttpStatusCode.NotFound, "ResourceNotFoundException");
    }

    [Fact]
    public async Task Given_a_budget_When_evaluated_twice_at_once_and_again_Then_its_actual_threshold_alarms_once_and_another_account_cannot_see_it()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("billing-budget");
        var other = await management.CreateAccountAsync("billing-budget-other");
        using var client = platform.App.SignedClient(tenant);
        using var otherClient = platform.App.SignedClient(other);

        object Budget(string name = "monthly", decimal amount = 0.01m, string timeUnit = "MONTHLY", string type = "ACTUAL", int count = 1) => new
        {
            budget_name = name,
            budget_limit = new { amount, unit = "USD" },
            time_unit = timeUnit,
            budget_type = "COST",
            notifications = Enumerable.Range(0, count).Select(n => new { notification_type = type, comparison_operator = "GREATER_THAN", threshold = 10m + n, threshold_type = "PERCENTAGE" })
                .Append(new { notification_type = "FORECASTED", comparison_operator = "GREATER_THAN", threshold = 1_000_000m, threshold_type = "ABSOLUTE_VALUE" }).ToArray(),
        };
        async Task Refused(object body, string code = "InvalidParameterException") =>
            await (await client.PostJsonAsync("/api/v1/billing/budgets", body)).AssertErrorAsync(HttpStatusCode.BadRequest, code);
        await Refused(Budget(amount: -1m));
        await Refused(Budget(amount: 0.001m));
        await Refused(Budget(timeUnit: "QUARTERLY"));
        await Refused(Budget(type: "SOMETIMES"));
        await Refused(Budget(name: "a:b"));
        await Refused(Budget(count: 5));
        Assert.Empty((await (await client.GetAsync("/api/v1/billing/budgets")).AssertOkAsync()).GetProperty("budgets").EnumerateArray());

        var created = await (await client.PostJsonAsync("/api/v1/billing/budgets", Budget())).AssertOkAsync();
        Assert.All(created.GetProperty("notifications").EnumerateArray(), n => Assert.Equal("OK", n.GetProperty("notification_state").GetString()));
        await Refused(Budget(), "DuplicateRecordException");

        // This month: 10 minutes of m5.xlarge (60 s at least), over 10 % of the budget's 0.01.
        var now = DateTime.UtcNow;
        var monthStart = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var start = now.AddMinutes(-10) > monthStart ? now.AddMinutes(-10) : monthStart;
        await PublishAsync(Run(tenant.AccountId, "i-0fffffffffffff01", "m5.xlarge", start, now.AddSeconds(-1)));
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => EvaluateAsync(now))));
        var evaluated = await (await client.GetAsync("/api/v1/billing/budgets/monthly")).AssertOkAsync();
        await EvaluateAsync(now.AddSeconds(1));
        var again = await (await client.GetAsync("/api/v1/billing/budgets/monthly")).AssertOkAsync();

        var notifications = again.GetProperty("notifications").EnumerateArray().ToList();
        Assert.Equal(("ALARM", "OK"), (notifications[0].GetProperty("notification_state").GetString(), notifications[1].GetProperty("notification_state").GetString()));
        // Triggered once: the retry and the second replica left the first time as it was.
        Assert.Equal(evaluated.GetProperty("notifications")[0].GetProperty("triggered_at").GetDateTime(), notifications[0].GetProperty("triggered_at").GetDateTime());
        var spend = again.GetProperty("calculated_spend");
        var actual = spend.GetProperty("actual_spend").GetProperty("amount").GetDecimal();
        Assert.True(actual > 0m, $"actual spend {actual}");
        Assert.True(spend.GetProperty("forecasted_spend").GetProperty("amount").GetDecimal() >= actual);

        Assert.Empty((await (await otherClient.GetAsync("/api/v1/billing/budgets")).AssertOkAsync()).GetProperty("budgets").EnumerateArray());
        await (await otherClient.GetAsync("/api/v1/billing/budgets/monthly")).AssertErrorAsync(HttpStatusCode.NotFound, "NotFoundException");
        await (await otherClient.DeleteAsync("/api/v1/billing/budgets/monthly")).AssertErrorAsync(HttpStatusCode.NotFound, "NotFoundException");
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/v1/billing/budgets/monthly")).StatusCode);
        await (await client.GetAsync("/api/v1/billing/budgets/monthly")).AssertErrorAsync(HttpStatusCode.NotFound, "NotFoundException");
    }

    [Fact]
    public async Task Given_a_budget_When_updated_Then_its_amount_and_notifications_change_an_unchanged_alarm_stays_and_bad_or_foreign_updates_change_nothing()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("billing-budget-update");
        var other = await management.CreateAccountAsync("billing-budget-update-other");
        using var client = platform.App.SignedClient(tenant);
        using var otherClient = platform.App.SignedClient(other);

        static object Notification(decimal threshold, string type = "ACTUAL") =>
            new { notification_type = type, comparison_operator = "GREATER_THAN", threshold, threshold_type = "PERCENTAGE" };
        await (await client.PostJsonAsync("/api/v1/billing/budgets", new
        {
            budget_name = "team", budget_limit = new { amount = 0.01m, unit = "USD" }, time_unit = "MONTHLY", budget_type = "COST",
            notifications = new[] { Notification(10m), Notification(20m) },
        })).AssertOkAsync();
        await (await otherClient.PostJsonAsync("/api/v1/billing/budgets", new { budget_name = "team", budget_limit = new { amount = 7m } })).AssertOkAsync();
        await (await otherClient.PostJsonAsync("/api/v1/billing/budgets", new { budget_name = "other-only", budget_limit = new { amount = 8m } })).AssertOkAsync();

        // Spend this month above both thresholds: both alarm.
        var now = DateTime.UtcNow;
        var monthStart = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var start = now.AddMinutes(-10) > monthStart ? now.AddMinutes(-10) : monthStart;
        await PublishAsync(Run(tenant.AccountId, "i-0fffffffffffff02", "m5.xlarge", start, now.AddSeconds(-1)));
        await EvaluateAsync(now);
        var before = await (await client.GetAsync("/api/v1/billing/budgets/team")).AssertOkAsync();
        Assert.All(before.GetProperty("notifications").EnumerateArray(), n => Assert.Equal("ALARM", n.GetProperty("notification_state").GetString()));

        async Task Refused(HttpClient who, string name, object body, HttpStatusCode status, string code) =>
            await (await who.PutJsonAsync($"/api/v1/billing/budgets/{name}", body)).AssertErrorAsync(status, code);
        await Refused(client, "team", new { budget_limit = new { amount = -5m } }, HttpStatusCode.BadRequest, "InvalidParameterException");
        await Refused(client, "team", new { budget_limit = new { amount = 5.001m } }, HttpStatusCode.BadRequest, "InvalidParameterException");
        await Refused(client, "team", new { }, HttpStatusCode.BadRequest, "InvalidParameterException");
        await Refused(client, "team", new { budget_limit = new { amount = 5m, unit = "EUR" } }, HttpStatusCode.BadRequest, "InvalidParameterException");
        await Refused(client, "team", new { budget_limit = new { amount = 5m }, time_unit = "ANNUALLY" }, HttpStatusCode.BadRequest, "InvalidParameterException");
        await Refused(client, "team", new { budget_name = "renamed", budget_limit = new { amount = 5m } }, HttpStatusCode.BadRequest, "InvalidParameterException");
        await Refused(client, "team", new { budget_limit = new { amount = 5m }, notifications = new[] { Notification(10m, "SOMETIMES") } },
            HttpStatusCode.BadRequest, "InvalidParameterException");
        await Refused(client, "team", new { budget_limit = new { amount = 5m }, notifications = Enumerable.Range(1, 6).Select(n => Notification(n)).ToArray() },
            HttpStatusCode.BadRequest, "InvalidParameterException");
        await Refused(client, "missing", new { budget_limit = new { amount = 5m } }, HttpStatusCode.NotFound, "NotFoundException");
        // Another account's budget is not reachable: it stays as it was, and so does this one.
        await Refused(client, "other-only", new { budget_limit = new { amount = 5m } }, HttpStatusCode.NotFound, "NotFoundException");
        Assert.Equal(8m, (await (await otherClient.GetAsync("/api/v1/billing/budgets/other-only")).AssertOkAsync()).GetProperty("budget_limit").GetProperty("amount").GetDecimal());
        Assert.Equal(before.GetRawText(), (await (await client.GetAsync("/api/v1/billing/budgets/team")).AssertOkAsync()).GetRawText());

        // A new amount, the first notification kept (its alarm with it), the second replaced by one not crossed yet.
        var updated = await (await client.PutJsonAsync("/api/v1/billing/budgets/team", new
        {
            budget_name = "team", budget_limit = new { amount = 0.02m, unit = "USD" }, notifications = new[] { Notification(10m), Notification(900m) },
        })).AssertOkAsync();
        Assert.Equal(0.02m, updated.GetProperty("budget_limit").GetProperty("amount").GetDecimal());
        var notifications = updated.GetProperty("notifications").EnumerateArray().ToList();
        Assert.Equal([(10m, "ALARM"), (900m, "OK")], notifications.Select(n => (n.GetProperty("threshold").GetDecimal(), n.GetProperty("notification_state").GetString())));
        Assert.Equal(before.GetProperty("notifications")[0].GetProperty("triggered_at").GetDateTime(), notifications[0].GetProperty("triggered_at").GetDateTime());
        static object View(JsonElement budget) => (budget.GetProperty("budget_limit").GetProperty("amount").GetDecimal(), string.Join(",",
            budget.GetProperty("notifications").EnumerateArray().Select(n => $"{n.GetProperty("threshold").GetDecimal():G29}/{n.GetProperty("notification_state").GetString()}")));
        Assert.Equal(View(updated), View(await (await client.GetAsync("/api/v1/billing/budgets/team")).AssertOkAsync()));

        // Without notifications the amount alone changes; the other account's budget is untouched throughout.
        var amountOnly = await (await client.PutJsonAsync("/api/v1/billing/budgets/team", new { budget_limit = new { amount = 3m } })).AssertOkAsync();
        Assert.Equal((3m, 2), (amountOnly.GetProperty("budget_limit").GetProperty("amount").GetDecimal(), amountOnly.GetProperty("notifications").GetArrayLength()));
        var theirs = await (await otherClient.GetAsync("/api/v1/billing/budgets/team")).AssertOkAsync();
        Assert.Equal((7m, 0), (theirs.GetProperty("budget_limit").GetProperty("amount").GetDecimal(), theirs.GetProperty("notifications").GetArrayLength()));
    }

    [Fact]
    public async Task Given_a_credit_and_an_adjustment_for_an_open_month_Then_its_invoice_shows_them_as_lines_of_their_own_and_an_issued_invoice_takes_none()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("billing-credit");
        var other = await management.CreateAccountAsync("billing-credit-other");
        using var client = platform.App.SignedClient(tenant);
        using var otherClient = platform.App.SignedClient(other);
        var july = new DateTime(2025, 7, 1, 0, 0, 0, DateTimeKind.Utc);
        await PublishAsync(Run(tenant.AccountId, "i-0eeeeeeeeeeeee01", "m5.large", july.AddDays(3), july.AddDays(3).AddHours(10)));

        object Adjustment(string kind = "Credit", decimal? amount = 1.50m, string period = "2025-07", string? account = null, string reason = "outage credit",
            string? token = null, string? service = "AmazonEC2") =>
            new { account_id = account ?? tenant.AccountId, kind, amount, reason, billing_period = period, service, client_token = token };
        async Task Refused(HttpClient who, object body, HttpStatusCode status, string code) =>
            await (await who.PostJsonAsync("/api/v1/billing/adjustments", body)).AssertErrorAsync(status, code);
        await Refused(management, Adjustment(amount: -1.50m), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await Refused(management, Adjustment(kind: "Adjustment", amount: 0m), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await Refused(management, Adjustment(amount: 1.001m), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await Refused(management, Adjustment(amount: null), HttpStatusCode.BadRequest, "MissingParameter");
        await Refused(management, Adjustment(kind: "Refund"), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await Refused(management, Adjustment(period: "2025-13"), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await Refused(management, Adjustment(period: "2099-01"), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await Refused(management, Adjustment(reason: ""), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await Refused(management, Adjustment(service: "AmazonNothing"), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await Refused(management, Adjustment(account: "999999999999"), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await Refused(management, new { kind = "Credit", amount = 1m, reason = "r", billing_period = "2025-07" }, HttpStatusCode.BadRequest, "MissingParameter");
        // A tenant records nothing, for itself or another account, and reads only its own.
        await Refused(client, Adjustment(), HttpStatusCode.Forbidden, "AccessDenied");
        await Refused(otherClient, Adjustment(), HttpStatusCode.Forbidden, "AccessDenied");
        await (await otherClient.GetAsync($"/api/v1/billing/adjustments?account_id={tenant.AccountId}")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        Assert.Empty((await (await client.GetAsync("/api/v1/billing/adjustments")).AssertOkAsync()).GetProperty("adjustments").EnumerateArray());

        var credit = await (await management.PostJsonAsync("/api/v1/billing/adjustments", Adjustment(token: "credit-1"))).AssertOkAsync();
        var retried = await (await management.PostJsonAsync("/api/v1/billing/adjustments", Adjustment(token: "credit-1"))).AssertOkAsync();
        Assert.Equal(credit.GetProperty("adjustment_id").GetString(), retried.GetProperty("adjustment_id").GetString());
        Assert.Equal((-1.50m, "2025-07"), (credit.GetProperty("amount").GetDecimal(), credit.GetProperty("billing_period").GetString()));
        await Refused(management, Adjustment(amount: 2m, token: "credit-1"), HttpStatusCode.BadRequest, "IdempotentParameterMismatch");
        await (await management.PostJsonAsync("/api/v1/billing/adjustments", Adjustment(kind: "Adjustment", amount: 0.25m, reason: "support billed late", service: null)))
            .AssertOkAsync();

        Assert.Equal(1, await CloseAsync(DateOnly.FromDateTime(july)));
        var id = Assert.Single((await (await client.GetAsync("/api/v1/billing/invoices")).AssertOkAsync()).GetProperty("invoices").EnumerateArray())
            .GetProperty("invoice_id").GetString();
        var invoice = await (await client.GetAsync($"/api/v1/billing/invoices/{id}")).AssertOkAsync();
        var lines = invoice.GetProperty("lines").EnumerateArray().ToList();
        // 10 h of m5.large (0.96), the credit and the adjustment.
        Assert.Equal([("BoxUsage:m5.large", 0.96m), ("Credit", -1.50m), ("Adjustment", 0.25m)],
            lines.Select(l => (l.GetProperty("usage_type").GetString(), l.GetProperty("amount").GetDecimal())));
        Assert.Equal(("outage credit", credit.GetProperty("adjustment_id").GetString()),
            (lines[1].GetProperty("description").GetString(), lines[1].GetProperty("adjustment_id").GetString()));
        Assert.Equal(-0.29m, invoice.GetProperty("total").GetDecimal());

        // The issued invoice never changes: a correction now is refused for July and goes on August's.
        await Refused(management, Adjustment(reason: "late"), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await management.PostJsonAsync("/api/v1/billing/adjustments", Adjustment(period: "2025-08", reason: "July's correction"))).AssertOkAsync();
        Assert.Equal(invoice.GetRawText(), (await (await client.GetAsync($"/api/v1/billing/invoices/{id}")).AssertOkAsync()).GetRawText());
        var mine = (await (await client.GetAsync("/api/v1/billing/adjustments")).AssertOkAsync()).GetProperty("adjustments").EnumerateArray().ToList();
        Assert.Equal([("2025-07", id), ("2025-07", id), ("2025-08", null)],
            mine.Select(a => (a.GetProperty("billing_period").GetString(), a.TryGetProperty("invoice_id", out var i) ? i.GetString() : null)));
        Assert.Empty((await (await otherClient.GetAsync("/api/v1/billing/adjustments")).AssertOkAsync()).GetProperty("adjustments").EnumerateArray());
        Assert.Equal(3, (await (await management.GetAsync($"/api/v1/billing/adjustments?account_id={tenant.AccountId}")).AssertOkAsync())
            .GetProperty("adjustments").GetArrayLength());
    }

    private static decimal PriceOf(JsonElement list, string usageType) =>
        list.GetProperty("prices").EnumerateArray().Single(p => p.GetProperty("usage_type").GetString() == usageType).GetProperty("price_per_unit").GetDecimal();

    private static decimal Seconds(JsonElement usage) =>
        usage.GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("quantities").EnumerateArray())
            .Where(q => q.GetProperty("unit").GetString() == "Seconds").Sum(q => q.GetProperty("amount").GetDecimal());

    private static async Task<JsonElement> UsageAsync(HttpClient client, string start, string end, string? groupBy) =>
        await (await client.GetAsync($"/api/v1/billing/usage?start={start}&end={end}{(groupBy is null ? "" : $"&group_by={groupBy}")}")).AssertOkAsync();

    private static IEnumerable<InstanceStateChanged> Run(string account, string instanceId, string type, DateTime start, DateTime stop, string? managedBy = null) =>
    [
        Fact(account, instanceId, type, "pending", "running", start, managedBy),
        Fact(account, instanceId, type, "running", "stopping", stop, managedBy),
        Fact(account, instanceId, type, "stopping", "stopped", stop.AddSeconds(3), managedBy),
    ];

    private static InstanceStateChanged Fact(string account, string instanceId, string type, string? previous, string state, DateTime at, string? managedBy = null) =>
        new(account, instanceId, type, "us-east-1a", previous, state, at, managedBy);

    private async Task PublishAsync(IEnumerable<InstanceStateChanged> facts)
    {
        await using var scope = platform.App.Services.CreateAsyncScope();
        var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
        foreach (var fact in facts)
        {
            await publisher.Publish(fact);
        }
    }

    private async Task<int> SampleAsync(DateTime asOf)
    {
        await using var scope = platform.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new SampleStorage(asOf));
    }

    private async Task<int> SampleHoursAsync(DateTime asOf)
    {
        await using var scope = platform.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new SampleResourceHours(asOf));
    }

    private async Task<int> DeliverAsync(DateTime asOf)
    {
        await using var scope = platform.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new DeliverCostReports(asOf));
    }

    private async Task<int> EvaluateAsync(DateTime asOf)
    {
        await using var scope = platform.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new EvaluateBudgets(asOf));
    }

    /// <summary>Runs a Python script on the CSV (its path is argv[1]) and answers its output's lines.</summary>
    internal static async Task<string[]> PythonCsvAsync(byte[] csv, string script)
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(path, csv);
            var start = new System.Diagnostics.ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "-c", script, path })
            {
                start.ArgumentList.Add(argument);
            }

            using var python = System.Diagnostics.Process.Start(start)!;
            var output = await python.StandardOutput.ReadToEndAsync();
            var error = await python.StandardError.ReadToEndAsync();
            await python.WaitForExitAsync();
            Assert.True(python.ExitCode == 0, error);
            return output.TrimEnd('\n').Split('\n');
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Given_a_close_interrupted_after_some_accounts_Then_their_invoices_stand_and_the_next_close_issues_the_rest_once()
    {
        // 150 accounts with a month of usage each (2024-09, no other test's): written straight into Billing's table.
        const int accounts = 150;
        var month = new DateOnly(2024, 9, 1);
        var ids = Enumerable.Range(0, accounts).Select(a => $"{310000000000 + a}").ToList();
        foreach (var (account, n) in ids.Select((a, n) => (a, n)))
        {
            for (var r = 0; r < 4; r++)
            {
                await Database.ExecuteAsync(platform.App.DatabasePath,
                    "INSERT INTO billing_usage_records (idempotency_key, account_id, service, usage_type, resource_id, usage_start, usage_end, quantity, unit, "
                    + "recorded_at, availability_zone) VALUES ($key, $account, 'AmazonEC2', 'BoxUsage:t3.micro', $resource, $start, $end, $quantity, 'Seconds', $end, 'us-east-1a')",
                    ("$key", $"interrupt:{account}:{r}"), ("$account", account), ("$resource", $"i-0{n:x8}{r:x8}"),
                    ("$start", $"2024-09-{r + 2:00} 10:00:00"), ("$end", $"2024-09-{r + 2:00} 11:00:00"), ("$quantity", 3600 + n));
            }
        }

        // The close is cancelled once its first invoices are in (a process stopped mid-close): what it issued stands.
        using var interrupt = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!interrupt.IsCancellationRequested
                && await Database.ScalarAsync<long>(platform.App.DatabasePath, "SELECT count(*) FROM billing_invoices WHERE period = '2024-09-01'") < 3)
            {
                await Task.Delay(10);
            }

            await interrupt.CancelAsync();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CloseAsync(month, interrupt.Token));
        await watcher;
        var first = await InvoicesAsync();
        Assert.InRange(first.Count, 3, accounts - 1);
        Assert.Equal(first.Count, first.Select(i => i.Account).Distinct().Count());

        // The next run issues the rest, each once; the first run's invoices are the ones that stand.
        Assert.Equal(accounts - first.Count, await CloseAsync(month));
        Assert.Equal(0, await CloseAsync(month));
        var all = await InvoicesAsync();
        Assert.Equal(ids.Order(StringComparer.Ordinal), all.Select(i => i.Account).Order(StringComparer.Ordinal));
        Assert.All(first, i => Assert.Contains(i, all));

        // Each invoice is its account's month: 4 hours and its n seconds each at t3.micro's price.
        foreach (var (account, n) in ids.Select((a, n) => (a, n)).Where(a => a.n % 37 == 0))
        {
            Assert.Equal(decimal.Round(0.0104m * 4 * (3600 + n) / 3600m, 2, MidpointRounding.AwayFromZero),
                await Database.ScalarAsync<decimal>(platform.App.DatabasePath, $"SELECT total FROM billing_invoices WHERE account_id = '{account}' AND period = '2024-09-01'"));
        }

        async Task<List<(string Account, string Id)>> InvoicesAsync()
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={platform.App.DatabasePath};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT account_id, invoice_id FROM billing_invoices WHERE period = '2024-09-01'";
            var invoices = new List<(string, string)>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                invoices.Add((reader.GetString(0), reader.GetString(1)));
            }

            return invoices;
        }
    }

    [Fact]
    public async Task Given_a_tagged_volume_snapshot_and_bucket_When_their_report_is_delivered_Then_their_tags_are_resourceTags_user_columns()
    {
        using var management = platform.RootClient();
        var account = await management.CreateAccountAsync("billing-storage-tags");
        using var client = platform.App.SignedClient(account);
        var volume = (await (await client.PostJsonAsync("/api/v1/ec2/volumes", new
        {
            availability_zone = "us-east-1a", size = 1, tags = new[] { new { key = "team", value = "data, \"lake\"" } },
        })).AssertOkAsync()).GetProperty("volume_id").GetString()!;
        var snapshot = (await (await client.PostJsonAsync("/api/v1/ec2/snapshots", new { volume_id = volume })).AssertOkAsync())
            .GetProperty("snapshot_id").GetString()!;
        await (await client.PostJsonAsync($"/api/v1/ec2/snapshots/{snapshot}/tags", new { tags = new[] { new { key = "backup", value = "daily" } } })).AssertOkAsync();
        var bare = (await (await client.PostJsonAsync("/api/v1/ec2/volumes", new { availability_zone = "us-east-1a", size = 1 })).AssertOkAsync())
            .GetProperty("volume_id").GetString()!;
        var bucket = $"billing-storage-tags-{account.AccountId}";
        await (await client.PutAsync($"/api/v1/s3/{bucket}", null)).AssertOkAsync();
        using (var s3 = Platform.Api.Tests.S3.S3Clients.For(platform.App, account))
        {
            await s3.PutBucketTaggingAsync(new Amazon.S3.Model.PutBucketTaggingRequest
            {
                BucketName = bucket,
                TagSet = [new Amazon.S3.Model.Tag { Key = "team", Value = "web" }, new Amazon.S3.Model.Tag { Key = "cost-center", Value = "42" }],
            });
        }

        // An hour of each held, as the storage sample records it (written straight into Billing's table), and a gone volume's.
        var hour = DateTime.UtcNow.Date.AddHours(DateTime.UtcNow.Hour).AddHours(-1);
        if (hour.Month != DateTime.UtcNow.Month)
        {
            hour = hour.AddHours(1);
        }

        foreach (var (service, type, resource) in new[]
        {
            ("AmazonEC2", "EBS:VolumeUsage.gp3", volume), ("AmazonEC2", "EBS:VolumeUsage.gp3", bare), ("AmazonEC2", "EBS:SnapshotUsage", snapshot),
            ("AmazonS3", "TimedStorage-ByteHrs", bucket), ("AmazonEC2", "EBS:VolumeUsage.gp3", "vol-0ffffffffffffffff"),
        })
        {
            await Database.ExecuteAsync(platform.App.DatabasePath,
                "INSERT INTO billing_usage_records (idempotency_key, account_id, service, usage_type, resource_id, usage_start, usage_end, quantity, unit, recorded_at) "
                + "VALUES ($key, $account, $service, $type, $resource, $start, $end, 3600, 'GiB-Seconds', $end)",
                ("$key", $"storage-tags:{resource}"), ("$account", account.AccountId), ("$service", service), ("$type", type), ("$resource", resource),
                ("$start", hour.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)),
                ("$end", hour.AddHours(1).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)));
        }

        await (await client.PostJsonAsync("/api/v1/billing/reports", new { report_name = "storage-tags", time_unit = "HOURLY", s3_bucket = bucket })).AssertOkAsync();
        var asOf = DateTime.UtcNow.AddHours(1);
        await using (var scope = platform.App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ISender>().Send(new DeliverCostReports(asOf));
        }

        var month = new DateOnly(hour.Year, hour.Month, 1);
        var csv = await client.GetByteArrayAsync($"/api/v1/s3/{bucket}/storage-tags/{month:yyyyMMdd}-{month.AddMonths(1):yyyyMMdd}/storage-tags-00001.csv");
        var lines = await PythonCsvAsync(csv, """
            import csv, json, sys
            rows = list(csv.DictReader(open(sys.argv[1], newline="")))
            print(json.dumps([k for k in rows[0].keys() if k.startswith("resourceTags/")]))
            for r in rows:
                print(json.dumps([r["lineItem/ResourceId"], r["resourceTags/user:backup"], r["resourceTags/user:cost-center"], r["resourceTags/user:team"]]))
            """);
        Assert.Equal("""["resourceTags/user:backup", "resourceTags/user:cost-center", "resourceTags/user:team"]""", lines[0]);
        var cells = lines.Skip(1).Select(l => JsonSerializer.Deserialize<string[]>(l)!).ToDictionary(c => c[0], c => c[1..]);
        Assert.Equal(new[] { volume, bare, snapshot, bucket, "vol-0ffffffffffffffff" }.Order(StringComparer.Ordinal), cells.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["", "", "data, \"lake\""], cells[volume]);
        Assert.Equal(["daily", "", ""], cells[snapshot]);
        Assert.Equal(["", "42", "web"], cells[bucket]);
        Assert.Equal(["", "", ""], cells[bare]);
        Assert.Equal(["", "", ""], cells["vol-0ffffffffffffffff"]);
    }

    private async Task<int> CloseAsync(DateOnly month, CancellationToken cancellationToken = default)
    {
        await using var scope = platform.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new CloseMonth(month), cancellationToken);
    }
}
