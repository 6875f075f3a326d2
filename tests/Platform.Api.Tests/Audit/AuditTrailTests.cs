using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.Modules.Audit.Contracts;

namespace Platform.Api.Tests.Audit;

/// <summary>
/// The audit trail (issue 10, item 5): every mutating and every refused call, kept per account, read through
/// LookupEvents and delivered daily to the account's bucket as CloudTrail's gzipped JSON. Secrets and object bytes never appear.
/// </summary>
public sealed class AuditTrailTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    [Fact]
    public async Task Given_two_tenants_Then_each_sees_its_own_calls_and_refusals_and_nothing_of_the_others()
    {
        using var management = platform.RootClient();
        var tenantA = await management.CreateAccountAsync("audit-a");
        var tenantB = await management.CreateAccountAsync("audit-b");
        using var a = platform.App.SignedClient(tenantA);
        using var b = platform.App.SignedClient(tenantB);

        var vpc = await (await a.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.20.0.0/16" })).AssertOkAsync();
        var vpcId = vpc.GetProperty("vpc_id").GetString()!;
        await (await a.GetAsync("/api/v1/vpc/vpcs")).AssertOkAsync();
        var intern = await a.CreateUserWithKeyAsync("intern", tenantA.AccountId);
        using var internClient = platform.App.SignedClient(intern);
        await (await internClient.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.21.0.0/16" })).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        using var forged = platform.App.SignedClient(tenantA with { SecretAccessKey = "not-the-secret-of-this-key-000000000000" });
        await (await forged.DeleteAsync($"/api/v1/vpc/vpcs/{vpcId}")).AssertErrorAsync(HttpStatusCode.Forbidden, "SignatureDoesNotMatch");
        using var stranger = platform.App.SignedClient(new TestCredentials("AKIAUNKNOWNAUDIT0001", "x", "000000000000"));
        await (await stranger.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.22.0.0/16" })).AssertErrorAsync(HttpStatusCode.Forbidden, "InvalidAccessKeyId");

        await (await b.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.30.0.0/16" })).AssertOkAsync();
        await (await b.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.30.0.0/33" })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await b.DeleteAsync($"/api/v1/vpc/vpcs/{vpcId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVpcID.NotFound");

        var ofA = await a.EventsAsync();
        var created = Assert.Single(ofA, e => e.Str("event_name") == "CreateVpc" && e.Str("error_code") is null);
        Assert.Equal("ec2.amazonaws.com", created.Str("event_source"));
        Assert.Equal("root", created.Str("username"));
        Assert.Equal(tenantA.AccessKeyId, created.Str("access_key_id"));
        Assert.False(created.GetProperty("read_only").GetBoolean());
        var record = created.Record();
        Assert.Equal($"arn:aws:iam::{tenantA.AccountId}:root", record.GetProperty("userIdentity").GetProperty("arn").GetString());
        Assert.Equal(tenantA.AccountId, record.GetProperty("recipientAccountId").GetString());
        Assert.Equal("Succeeded", record.GetProperty("additionalEventData").GetProperty("outcome").GetString());
        Assert.False(string.IsNullOrEmpty(record.GetProperty("requestID").GetString()));
        Assert.True(record.TryGetProperty("sourceIPAddress", out _));

        var denied = Assert.Single(ofA, e => e.Str("error_code") == "AccessDenied");
        Assert.Equal("CreateVpc", denied.Str("event_name"));
        Assert.Equal("intern", denied.Str("username"));
        Assert.Equal(intern.AccessKeyId, denied.Str("access_key_id"));
        Assert.Contains("not authorized", denied.Str("error_message"), StringComparison.Ordinal);

        // A bad signature with A's key id is A's to see: it names A's key, though nobody was authenticated.
        var badSignature = Assert.Single(ofA, e => e.Str("error_code") == "SignatureDoesNotMatch");
        Assert.Equal(tenantA.AccessKeyId, badSignature.Str("access_key_id"));
        Assert.Null(badSignature.Str("username"));
        Assert.Equal("Unknown", badSignature.Record().GetProperty("userIdentity").GetProperty("type").GetString());

        // Reads that succeed are not recorded; a read refused would be.
        Assert.DoesNotContain(ofA, e => e.Str("event_name") == "DescribeVpcs");
        Assert.DoesNotContain(ofA, e => e.Str("error_code") is "InvalidParameterValue" or "InvalidAccessKeyId" or "InvalidVpcID.NotFound");
        Assert.All(ofA, e => Assert.Equal(tenantA.AccountId, e.Record().GetProperty("recipientAccountId").GetString()));

        var ofB = await b.EventsAsync();
        Assert.Contains(ofB, e => e.Str("event_name") == "CreateVpc" && e.Str("error_code") == "InvalidParameterValue");
        var notFound = Assert.Single(ofB, e => e.Str("error_code") == "InvalidVpcID.NotFound");
        Assert.Equal("DeleteVpc", notFound.Str("event_name"));
        Assert.All(ofB, e => Assert.Equal(tenantB.AccountId, e.Record().GetProperty("recipientAccountId").GetString()));
        Assert.DoesNotContain(ofB, e => e.GetRawText().Contains(tenantA.AccessKeyId, StringComparison.Ordinal) || e.GetRawText().Contains(tenantA.AccountId, StringComparison.Ordinal));
        Assert.DoesNotContain(ofA, e => e.GetRawText().Contains(tenantB.AccessKeyId, StringComparison.Ordinal) || e.GetRawText().Contains(tenantB.AccountId, StringComparison.Ordinal));

        // A key nobody issued: no account to name, so only the management account sees the attempt.
        Assert.DoesNotContain(ofA, e => e.Str("access_key_id") == "AKIAUNKNOWNAUDIT0001");
        Assert.DoesNotContain(ofB, e => e.Str("access_key_id") == "AKIAUNKNOWNAUDIT0001");
        var unknown = Assert.Single(await management.EventsAsync("access_key_id=AKIAUNKNOWNAUDIT0001"));
        Assert.Equal("InvalidAccessKeyId", unknown.Str("error_code"));
        Assert.Equal("POST /api/v1/vpc/vpcs", unknown.Str("event_name"));
        Assert.Equal("ec2.amazonaws.com", unknown.Str("event_source"));
        Assert.DoesNotContain(await management.EventsAsync(), e => e.GetRawText().Contains(tenantA.AccessKeyId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Given_calls_that_carry_secrets_and_object_bytes_Then_none_of_them_appears_in_the_trail_or_its_log_file()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("audit-secrets");
        using var client = platform.App.SignedClient(tenant);
        var user = await client.CreateUserWithKeyAsync("keeper", tenant.AccountId);
        var token = (await (await management.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { })).AssertOkAsync()).GetProperty("join_token").GetString()!;
        await (await client.PutAsync("/api/v1/s3/audit-secrets-bucket", null)).AssertOkAsync();
        const string objectBytes = "OBJECT-BYTES-THAT-MUST-NEVER-BE-AUDITED-7f3a";
        await (await client.PutAsync("/api/v1/s3/audit-secrets-bucket/notes.txt", new StringContent(objectBytes, Encoding.UTF8, "text/plain"))).AssertOkAsync();
        await (await client.PostRawAsync("/api/v1/iam/users", $"{{\"user_name\":\"x\",\"password\":\"{user.SecretAccessKey}\"}}")).AssertErrorAsync(HttpStatusCode.BadRequest, "UnknownParameter");
        await (await client.PutJsonAsync("/api/v1/cloudtrail/trails", new { s3_bucket_name = "audit-secrets-bucket" })).AssertOkAsync();

        var trail = await client.EventsAsync();
        Assert.Contains(trail, e => e.Str("event_name") == "PutObject" && e.Str("event_source") == "s3.amazonaws.com");
        Assert.Contains(trail, e => e.Str("event_name") == "CreateAccessKey");
        Assert.Contains(trail, e => e.Str("error_code") == "UnknownParameter");
        var everything = string.Join('\n', trail.Select(e => e.GetRawText()).Concat((await management.EventsAsync()).Select(e => e.GetRawText())));
        Assert.Contains(tenant.AccessKeyId, everything, StringComparison.Ordinal);
        Assert.Contains("CreateJoinToken", everything, StringComparison.Ordinal);
        foreach (var secret in new[] { user.SecretAccessKey, tenant.SecretAccessKey, platform.Root.SecretAccessKey, token, objectBytes })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(JsonSerializer.Serialize(secret).Trim('"'), everything, StringComparison.Ordinal);
        }

        await Deliver(DateOnly.FromDateTime(DateTime.UtcNow));
        var logFile = await LogFileAsync(client, "audit-secrets-bucket", tenant.AccountId);
        foreach (var secret in new[] { user.SecretAccessKey, tenant.SecretAccessKey, objectBytes })
        {
            Assert.DoesNotContain(secret, logFile, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Given_a_trail_Then_the_daily_delivery_writes_one_gzipped_CloudTrail_log_file_of_the_days_records_also_when_run_twice()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("audit-delivery");
        using var client = platform.App.SignedClient(tenant);
        var other = await management.CreateAccountAsync("audit-delivery-other");
        using var otherClient = platform.App.SignedClient(other);
        await (await otherClient.PutAsync("/api/v1/s3/audit-not-yours", null)).AssertOkAsync();

        await (await client.PutJsonAsync("/api/v1/cloudtrail/trails", new { s3_bucket_name = "audit-logs-missing" })).AssertErrorAsync(HttpStatusCode.BadRequest, "S3BucketDoesNotExistException");
        await (await client.PutJsonAsync("/api/v1/cloudtrail/trails", new { s3_bucket_name = "audit-not-yours" })).AssertErrorAsync(HttpStatusCode.Forbidden, "InsufficientS3BucketPolicyException");
        await (await client.GetAsync("/api/v1/cloudtrail/trails")).AssertErrorAsync(HttpStatusCode.NotFound, "TrailNotFoundException");
        await (await client.PutAsync("/api/v1/s3/audit-delivery-logs", null)).AssertOkAsync();
        var trail = await (await client.PutJsonAsync("/api/v1/cloudtrail/trails", new { s3_bucket_name = "audit-delivery-logs" })).AssertOkAsync();
        Assert.Equal($"arn:aws:cloudtrail:us-east-1:{tenant.AccountId}:trail/default", trail.GetProperty("trail_arn").GetString());
        await (await client.PostJsonAsync("/api/v1/iam/users", new { user_name = "delivered" })).AssertOkAsync();
        await (await client.DeleteAsync("/api/v1/iam/users/not-there")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchEntity");

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await Deliver(today);
        var key = $"AWSLogs/{tenant.AccountId}/CloudTrail/us-east-1/{today:yyyy/MM/dd}/{tenant.AccountId}_CloudTrail_us-east-1_{today:yyyyMMdd}T0000Z_daily.json.gz";
        var listing = await (await client.GetAsync($"/api/v1/s3/audit-delivery-logs?prefix=AWSLogs/")).AssertOkAsync();
        var first = Assert.Single(listing.GetProperty("objects").EnumerateArray());
        Assert.Equal(key, first.GetProperty("key").GetString());

        using var log = JsonDocument.Parse(await LogFileAsync(client, "audit-delivery-logs", tenant.AccountId));
        var records = log.RootElement.GetProperty("Records").EnumerateArray().ToList();
        Assert.Contains(records, r => r.GetProperty("eventName").GetString() == "CreateTrail" && r.GetProperty("eventSource").GetString() == "cloudtrail.amazonaws.com"
            && !r.TryGetProperty("errorCode", out _));
        Assert.Contains(records, r => r.GetProperty("eventName").GetString() == "CreateUser"
            && r.GetProperty("resources")[0].GetProperty("ARN").GetString() == $"arn:aws:iam::{tenant.AccountId}:user/delivered");
        Assert.Contains(records, r => r.GetProperty("eventName").GetString() == "DeleteUser" && r.GetProperty("errorCode").GetString() == "NoSuchEntity");
        Assert.Contains(records, r => r.TryGetProperty("errorCode", out var code) && code.GetString() == "S3BucketDoesNotExistException");
        Assert.All(records, r => Assert.Equal(tenant.AccountId, r.GetProperty("recipientAccountId").GetString()));
        Assert.Equal(records.OrderBy(r => r.GetProperty("eventTime").GetString(), StringComparer.Ordinal).Select(r => r.GetProperty("eventID").GetString()),
            records.Select(r => r.GetProperty("eventID").GetString()));

        // Twice, and twice at once as two replicas would: the day is delivered; nothing is written again.
        var again = await Task.WhenAll(Deliver(today), Deliver(today));
        Assert.All(again, written => Assert.Equal(0, written));
        var after = await (await client.GetAsync($"/api/v1/s3/audit-delivery-logs?prefix=AWSLogs/")).AssertOkAsync();
        var only = Assert.Single(after.GetProperty("objects").EnumerateArray());
        Assert.Equal(first.GetProperty("last_modified").GetString(), only.GetProperty("last_modified").GetString());
        Assert.Equal(first.GetProperty("etag").GetString(), only.GetProperty("etag").GetString());
        Assert.Empty((await (await otherClient.GetAsync("/api/v1/s3/audit-not-yours")).AssertOkAsync()).GetProperty("objects").EnumerateArray());
    }

    [Fact]
    public async Task Given_many_calls_Then_lookup_filters_by_time_name_user_key_and_resource_and_pages_through_all_of_them()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("audit-filters");
        using var client = platform.App.SignedClient(tenant);
        var before = DateTime.UtcNow.AddSeconds(-1);
        for (var i = 0; i < 5; i++)
        {
            await (await client.PostJsonAsync("/api/v1/iam/users", new { user_name = $"paged-{i}" })).AssertOkAsync();
        }

        var worker = await client.CreateUserWithKeyAsync("worker", tenant.AccountId);
        using var workerClient = platform.App.SignedClient(worker);
        await (await workerClient.DeleteAsync("/api/v1/iam/users/paged-3")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");

        var all = await client.EventsAsync();
        var pages = new List<JsonElement>();
        string? token = null;
        var pageCount = 0;
        do
        {
            var page = await (await client.GetAsync($"/api/v1/cloudtrail/events?max_results=2{(token is null ? "" : "&next_token=" + Uri.EscapeDataString(token))}")).AssertOkAsync();
            var events = page.GetProperty("events").EnumerateArray().ToList();
            Assert.InRange(events.Count, 1, 2);
            pages.AddRange(events.Select(e => e.Clone()));
            token = page.TryGetProperty("next_token", out var next) ? next.GetString() : null;
            pageCount++;
        }
        while (token is not null);
        Assert.Equal(all.Select(e => e.Str("event_id")), pages.Select(e => e.Str("event_id")));
        Assert.Equal(pages.Count, pages.Select(e => e.Str("event_id")).Distinct().Count());
        Assert.Equal((all.Count + 1) / 2, pageCount);
        Assert.Equal(all.OrderByDescending(e => e.GetProperty("event_time").GetDateTime()).Select(e => e.Str("event_id")), all.Select(e => e.Str("event_id")));

        Assert.Equal(6, (await client.EventsAsync("event_name=CreateUser")).Count);
        var byWorker = Assert.Single(await client.EventsAsync("username=worker"));
        Assert.Equal("DeleteUser", byWorker.Str("event_name"));
        Assert.Equal("AccessDenied", byWorker.Str("error_code"));
        Assert.Equal(byWorker.Str("event_id"), Assert.Single(await client.EventsAsync($"access_key_id={worker.AccessKeyId}")).Str("event_id"));
        var paged3 = await client.EventsAsync("resource_name=paged-3");
        Assert.Equal(["DeleteUser", "CreateUser"], paged3.Select(e => e.Str("event_name")));
        Assert.Equal(paged3.Select(e => e.Str("event_id")), (await client.EventsAsync($"resource_name=arn:aws:iam::{tenant.AccountId}:user/paged-3")).Select(e => e.Str("event_id")));
        Assert.Empty(await client.EventsAsync("resource_name=paged-"));
        Assert.Equal(all.Count, (await client.EventsAsync($"start_time={before:O}&end_time={DateTime.UtcNow.AddSeconds(5):O}")).Count);
        Assert.Empty(await client.EventsAsync($"start_time={DateTime.UtcNow.AddMinutes(5):O}"));
        Assert.Empty(await client.EventsAsync($"end_time={before:O}"));
        Assert.Empty(await client.EventsAsync($"event_name=CreateUser&username=worker&access_key_id={worker.AccessKeyId}"));

        await (await client.GetAsync($"/api/v1/cloudtrail/events?start_time={DateTime.UtcNow:O}&end_time={before:O}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidTimeRangeException");
        await (await client.GetAsync("/api/v1/cloudtrail/events?max_results=0")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidMaxResultsException");
        await (await client.GetAsync("/api/v1/cloudtrail/events?max_results=51")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidMaxResultsException");
        await (await client.GetAsync("/api/v1/cloudtrail/events?next_token=bm90LWEtdG9rZW4=")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidNextTokenException");
        await (await client.GetAsync("/api/v1/cloudtrail/events?start_time=yesterday")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
    }

    [Fact]
    public async Task Given_a_user_without_cloudtrail_LookupEvents_Then_it_reads_nothing_and_the_refusal_is_in_the_trail()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("audit-readers");
        using var client = platform.App.SignedClient(tenant);
        var reader = await client.CreateUserWithKeyAsync("reader", tenant.AccountId);
        using var readerClient = platform.App.SignedClient(reader);
        await (await readerClient.GetAsync("/api/v1/cloudtrail/events")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        using var wrongService = platform.App.SignedClient(tenant, service: "iam");
        await (await wrongService.GetAsync("/api/v1/cloudtrail/events")).AssertErrorAsync(HttpStatusCode.Forbidden, "SignatureDoesNotMatch");

        var policy = await client.CreatePolicyAsync("ReadTrail", IamSetup.Document(new { Effect = "Allow", Action = "cloudtrail:LookupEvents", Resource = "*" }));
        await client.AttachAsync("reader", policy);
        var seen = await readerClient.EventsAsync("username=reader");
        var refused = Assert.Single(seen);
        Assert.Equal("LookupEvents", refused.Str("event_name"));
        Assert.Equal("cloudtrail.amazonaws.com", refused.Str("event_source"));
        Assert.True(refused.GetProperty("read_only").GetBoolean());
        Assert.Equal("AccessDenied", refused.Str("error_code"));
    }

    [Fact]
    public async Task Given_a_mutating_call_under_way_Then_its_record_is_durable_before_its_effect_with_the_outcome_unknown()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("audit-intent");
        using var client = platform.App.SignedClient(tenant);
        await (await client.PutAsync("/api/v1/s3/audit-intent-bucket", null)).AssertOkAsync();

        // A PUT whose body is held back: the handler waits for it; nothing is stored yet.
        var body = new HeldBody();
        using var put = new HttpRequestMessage(HttpMethod.Put, "/api/v1/s3/audit-intent-bucket/held.txt") { Content = new StreamContent(body) };
        put.Content.Headers.ContentLength = HeldBody.Size;
        put.Headers.TryAddWithoutValidation("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD");
        var sending = client.SendAsync(put);

        var pending = default(JsonElement);
        await Eventually.TrueAsync(async () =>
        {
            pending = (await client.EventsAsync("event_source=s3.amazonaws.com")).FirstOrDefault(e => e.Str("event_name") == "PUT /api/v1/s3/audit-intent-bucket/held.txt");
            return pending.ValueKind != JsonValueKind.Undefined;
        }, TimeSpan.FromSeconds(90), "The PUT under way was not in the trail");
        Assert.Equal("Unknown", pending.Record().GetProperty("additionalEventData").GetProperty("outcome").GetString());
        Assert.Equal("root", pending.Str("username"));
        await (await client.GetAsync("/api/v1/s3/audit-intent-bucket/held.txt")).AssertErrorAsync(HttpStatusCode.NotFound, "NoSuchKey");

        body.Release();
        await (await sending).AssertOkAsync();
        var done = Assert.Single(await client.EventsAsync("event_name=PutObject"), e => e.Str("event_id") == pending.Str("event_id"));
        Assert.Equal("Succeeded", done.Record().GetProperty("additionalEventData").GetProperty("outcome").GetString());
        Assert.Equal(["arn:aws:s3:::audit-intent-bucket/held.txt"], done.GetProperty("resources").EnumerateArray().Select(r => r.Str("resource_name")));
    }

    [Fact]
    public async Task Given_calls_on_the_S3_listener_Then_they_and_their_refusals_are_in_the_callers_trail_with_S3s_error_codes()
    {
        using var management = platform.RootClient();
        var owner = await management.CreateAccountAsync("audit-s3-owner");
        var other = await management.CreateAccountAsync("audit-s3-other");
        using var s3 = S3.S3Clients.For(platform.App, owner);
        await s3.PutBucketAsync("audit-s3-listener");
        const string objectBytes = "S3-LISTENER-BYTES-NEVER-AUDITED-91c2";
        await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = "audit-s3-listener", Key = "k.txt", ContentBody = objectBytes });
        using var otherS3 = S3.S3Clients.For(platform.App, other);
        var denied = await Assert.ThrowsAsync<Amazon.S3.AmazonS3Exception>(() => otherS3.GetObjectAsync("audit-s3-listener", "k.txt"));
        Assert.Equal("AccessDenied", denied.ErrorCode);
        using var forged = S3.S3Clients.For(platform.App, owner with { SecretAccessKey = "not-the-secret-key-at-all-00000000000000" });
        var mismatch = await Assert.ThrowsAsync<Amazon.S3.AmazonS3Exception>(() => forged.DeleteObjectAsync("audit-s3-listener", "k.txt"));
        Assert.Equal("SignatureDoesNotMatch", mismatch.ErrorCode);

        using var ownerClient = platform.App.SignedClient(owner);
        var ofOwner = await ownerClient.EventsAsync("event_source=s3.amazonaws.com");
        Assert.Contains(ofOwner, e => e.Str("event_name") == "CreateBucket" && e.Str("error_code") is null);
        var put = Assert.Single(ofOwner, e => e.Str("event_name") == "PutObject");
        Assert.Equal(["arn:aws:s3:::audit-s3-listener/k.txt"], put.GetProperty("resources").EnumerateArray().Select(r => r.Str("resource_name")));
        Assert.Equal("PUT /audit-s3-listener/k.txt", put.Record().GetProperty("additionalEventData").GetProperty("operation").GetString());
        var forgedDelete = Assert.Single(ofOwner, e => e.Str("error_code") == "SignatureDoesNotMatch");
        Assert.Equal("DELETE /audit-s3-listener/k.txt", forgedDelete.Str("event_name"));
        Assert.Equal(owner.AccessKeyId, forgedDelete.Str("access_key_id"));
        Assert.DoesNotContain(ofOwner, e => e.Str("error_code") == "AccessDenied");

        using var otherClient = platform.App.SignedClient(other);
        var refusedRead = Assert.Single(await otherClient.EventsAsync("event_source=s3.amazonaws.com"));
        Assert.Equal("GetObject", refusedRead.Str("event_name"));
        Assert.Equal("AccessDenied", refusedRead.Str("error_code"));
        Assert.True(refusedRead.GetProperty("read_only").GetBoolean());
        Assert.DoesNotContain(objectBytes, string.Join('\n', ofOwner.Select(e => e.GetRawText())), StringComparison.Ordinal);
    }

    private Task<int> Deliver(DateOnly day) => SendAsync(new DeliverAuditLogs(day));

    private async Task<int> SendAsync(DeliverAuditLogs request)
    {
        await using var scope = platform.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(request);
    }

    private static async Task<string> LogFileAsync(HttpClient client, string bucket, string accountId)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var key = $"AWSLogs/{accountId}/CloudTrail/us-east-1/{today:yyyy/MM/dd}/{accountId}_CloudTrail_us-east-1_{today:yyyyMMdd}T0000Z_daily.json.gz";
        var response = await client.GetAsync($"/api/v1/s3/{bucket}/{key}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var gzip = new GZipStream(await response.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    /// <summary>A request body that sends its first byte, then waits until released.</summary>
    private sealed class HeldBody : Stream
    {
        public const int Size = 16;
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _sent;

        public void Release() => _released.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_sent == 1)
            {
                await _released.Task.WaitAsync(cancellationToken);
            }

            if (_sent >= Size)
            {
                return 0;
            }

            var count = _sent == 0 ? 1 : Math.Min(buffer.Length, Size - _sent);
            buffer.Span[..count].Fill((byte)'h');
            _sent += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
