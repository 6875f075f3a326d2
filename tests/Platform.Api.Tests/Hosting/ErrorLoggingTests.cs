using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Hosting;

/// <summary>
/// A client's mistake is logged once at Information without a stack trace (request id, code, caller); a fault once at
/// Error with the request id and its exception. Before, a conformance run left hundreds of <c>fail:</c> entries.
/// </summary>
public sealed class ErrorLoggingTests : IAsyncLifetime, IDisposable
{
    private readonly CapturedLogs _logs = new();
    private readonly PlatformApp _app;

    public ErrorLoggingTests() => _app = new PlatformApp(logs: _logs);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public void Dispose() => _logs.Dispose();

    [Fact]
    public async Task Given_NoSuchKey_NotImplemented_and_403s_Then_each_is_one_Information_entry_with_request_id_code_and_caller_and_nothing_at_Warning_or_above()
    {
        var root = _app.RootCredentials;
        using var admin = _app.SignedClient(root);
        var user = await admin.CreateUserWithKeyAsync("no-rights", root.AccountId);
        using var s3 = S3Clients.For(_app, root);
        await s3.PutBucketAsync("logged");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "logged", Key = "here", ContentBody = "x" });
        var before = _logs.Entries.Count;

        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectAsync("logged", "not-here"));
        Assert.Equal("NoSuchKey", missing.ErrorCode);
        var notImplemented = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectTorrentAsync(new GetObjectTorrentRequest { BucketName = "logged", Key = "here" }));
        Assert.Equal("NotImplemented", notImplemented.ErrorCode);
        using var userS3 = S3Clients.For(_app, user);
        var denied = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => userS3.GetObjectAsync("logged", "here"));
        Assert.Equal("AccessDenied", denied.ErrorCode);
        using var userClient = _app.SignedClient(user);
        using var deniedNative = await userClient.GetAsync("/api/v1/iam/users");
        await deniedNative.AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        using var forged = _app.SignedClient(root with { SecretAccessKey = "not-the-secret-key-at-all-00000000000000" });
        using var badSignature = await forged.GetAsync("/api/v1/iam/users");
        await badSignature.AssertErrorAsync(HttpStatusCode.Forbidden, "SignatureDoesNotMatch");

        var entries = _logs.Entries.Skip(before).ToList();
        Assert.DoesNotContain(entries, e => e.Level >= LogLevel.Warning);
        Assert.DoesNotContain(entries, e => e.Exception is not null);
        Assert.Contains(entries, e => e.Level == LogLevel.Information && Has(e, missing.RequestId, "404 NoSuchKey", root.AccessKeyId, ":root"));
        Assert.Contains(entries, e => e.Level == LogLevel.Information && Has(e, notImplemented.RequestId, "501 NotImplemented", root.AccessKeyId));
        Assert.Contains(entries, e => e.Level == LogLevel.Information && Has(e, denied.RequestId, "403 AccessDenied", user.AccessKeyId, ":user/no-rights"));
        Assert.Contains(entries, e => e.Level == LogLevel.Information && Has(e, RequestId(deniedNative), "403 AccessDenied", user.AccessKeyId, ":user/no-rights"));
        Assert.Contains(entries, e => e.Level == LogLevel.Information && Has(e, RequestId(badSignature), "403 SignatureDoesNotMatch", $"unauthenticated ({root.AccessKeyId})"));
    }

    [Fact]
    public async Task Given_a_handler_that_throws_Then_500_InternalError_and_exactly_one_Error_entry_with_its_request_id_and_exception()
    {
        using var client = _app.SignedClient(_app.RootCredentials);
        await (await client.GetAsync("/api/v1/ec2/key-pairs")).AssertOkAsync();
        // A real fault under the handler: its table is gone.
        await using (var sabotage = new SqliteConnection($"Data Source={_app.DatabasePath};Pooling=false"))
        {
            await sabotage.OpenAsync();
            await using var drop = sabotage.CreateCommand();
            drop.CommandText = "DROP TABLE compute_key_pairs";
            await drop.ExecuteNonQueryAsync();
        }

        var before = _logs.Entries.Count;
        using var response = await client.GetAsync("/api/v1/ec2/key-pairs");
        await response.AssertErrorAsync(HttpStatusCode.InternalServerError, "InternalError");
        var requestId = RequestId(response);

        var errors = _logs.Entries.Skip(before).Where(e => e.Level >= LogLevel.Warning).ToList();
        var error = Assert.Single(errors);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains(requestId, error.Message, StringComparison.Ordinal);
        Assert.Contains("500 InternalError", error.Message, StringComparison.Ordinal);
        Assert.Contains("no such table", error.Exception?.ToString(), StringComparison.Ordinal);
    }

    private static string RequestId(HttpResponseMessage response) => response.Headers.GetValues("x-amz-request-id").Single();

    private static bool Has(LogEntry entry, string requestId, params string[] parts) =>
        entry.Message.Contains(requestId, StringComparison.Ordinal) && parts.All(p => entry.Message.Contains(p, StringComparison.Ordinal));
}
