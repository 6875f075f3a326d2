using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Hosting;

/// <summary>
/// <c>/readyz</c> says, unsigned and in JSON, whether this API can serve: each module's database takes writes, a job
/// server beats its heart, a server can take launches. 503 with the failing check's reason until then;
/// <c>/healthz</c> answers 200 throughout.
/// </summary>
public sealed class ReadinessTests : IAsyncLifetime, IDisposable
{
    private static readonly string[] Modules = ["iam", "compute", "storage", "network"];
    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?> { ["Compute:HeartbeatTimeout"] = "00:00:04" });
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _app.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Given_no_server_enrolled_Then_not_ready_with_that_reason_and_ready_once_one_enrols_and_not_ready_when_it_goes_silent()
    {
        var (status, checks) = await ReadyzAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(("failing", "no server enrolled"), checks["available-host"]);
        AssertDatabasesTakeWrites(checks);

        Assert.Equal("ok", checks["job-server"].Status);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/healthz")).StatusCode);

        var hostId = await EnrolServerAsync();
        (status, checks) = await ReadyzAsync();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(checks.Values, check => Assert.Equal("ok", check.Status));
        Assert.Equal("1 of 1 server(s) available", checks["available-host"].Detail);

        // No heartbeat after its enrolment: past the 4 s timeout the server is unreachable, and the API not ready.
        await Eventually.TrueAsync(async () => (await ReadyzAsync()).Status == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(90),
            $"{hostId} never turned unreachable");
        (_, checks) = await ReadyzAsync();
        Assert.Equal(("failing", "no server available: 1 unreachable (missed their heartbeats), 0 disabled"), checks["available-host"]);
    }

    [Fact]
    public async Task Given_the_database_locked_by_another_process_Then_not_ready_naming_the_lock_within_seconds_and_ready_again_once_released()
    {
        // (The server enrolled here sends no heartbeats and turns unreachable after 4 s: only the databases' checks are asserted.)
        AssertDatabasesTakeWrites((await ReadyzAsync()).Checks);

        await using (var other = new SqliteConnection($"Data Source={_app.DatabasePath};Pooling=false"))
        {
            await other.OpenAsync();
            await using (var begin = other.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE";
                await begin.ExecuteNonQueryAsync();
            }

            var started = DateTime.UtcNow;
            var (status, checks) = await ReadyzAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(10));
            foreach (var module in Modules)
            {
                Assert.Equal("failing", checks[$"database-{module}"].Status);
                Assert.Contains("database is locked", checks[$"database-{module}"].Detail, StringComparison.Ordinal);
            }

            Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/healthz")).StatusCode);
        }

        AssertDatabasesTakeWrites((await ReadyzAsync()).Checks);
    }

    [Fact]
    public async Task Given_the_database_file_gone_Then_not_ready()
    {
        var moved = _app.DatabasePath + ".away";
        File.Move(_app.DatabasePath, moved);
        try
        {
            var (status, checks) = await ReadyzAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("failing", checks["database-compute"].Status);
            // The check opens the file read-write, never creating it; but Hangfire's storage polls the same file every
            // 200 ms and its library creates an empty one in its place: then the module's tables are what is missing.
            var detail = checks["database-compute"].Detail;
            Assert.True(detail.Contains("unable to open database file", StringComparison.Ordinal) || detail.Contains("no such table", StringComparison.Ordinal), detail);
        }
        finally
        {
            File.Move(moved, _app.DatabasePath, overwrite: true);
        }
    }

    private static void AssertDatabasesTakeWrites(Dictionary<string, (string Status, string Detail)> checks)
    {
        foreach (var module in Modules)
        {
            Assert.Equal(("ok", "takes writes"), checks[$"database-{module}"]);
        }
    }

    private async Task<(HttpStatusCode Status, Dictionary<string, (string Status, string Detail)> Checks)> ReadyzAsync()
    {
        using var response = await _client.GetAsync("/readyz");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.RootElement;
        Assert.Equal(response.StatusCode == HttpStatusCode.OK ? "ready" : "not_ready", root.GetProperty("status").GetString());
        return (response.StatusCode, root.GetProperty("checks").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => (c.GetProperty("status").GetString()!, c.GetProperty("detail").GetString()!)));
    }

    private async Task<string> EnrolServerAsync()
    {
        using var operatorClient = _app.SignedClient(_app.RootCredentials);
        var token = (await (await operatorClient.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { })).AssertOkAsync())
            .GetProperty("join_token").GetString();
        var enrolled = await (await _client.PostJsonAsync("/api/v1/agent/enrol",
            new { join_token = token, host_name = "server-1", capacity = new { cpus = 2, memory_mib = 2048 }, host_secret = new string('s', 43) })).AssertOkAsync();
        return enrolled.GetProperty("host_id").GetString()!;
    }
}
