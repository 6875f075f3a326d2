using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Sts;

namespace Platform.Modules.Iam.Tests.Sts;

/// <summary>
/// The expired-session cleanup job against the module's real database (SQLite) with a clock the test sets: only sessions
/// past their expiry plus the retention go, a second run finds nothing, and two runs at once (two replicas) delete each
/// row once between them and no live session.
/// </summary>
public sealed class ExpiredSessionCleanupJobTests : IAsyncLifetime
{
    private static readonly DateTime Now = new(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private readonly string _directory = Directory.CreateTempSubdirectory("iam-sessions-test-").FullName;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:DataDirectory"] = _directory,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IBackgroundJobClient, NoJobs>();
        services.AddIamModule(configuration);
        _services = services.BuildServiceProvider();
        await using var scope = _services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IamDbContext>().Database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Given_expired_and_live_sessions_When_the_job_runs_twice_Then_only_those_past_the_retention_are_deleted_once()
    {
        await SeedAsync("OLD", 3, Now - Retention - TimeSpan.FromSeconds(1));
        await SeedAsync("KEPT", 2, Now - Retention + TimeSpan.FromSeconds(1)); // expired, still within the retention
        await SeedAsync("LIVE", 2, Now + TimeSpan.FromMinutes(5));

        Assert.Equal(3, await RunAsync());
        Assert.Equal(0, await RunAsync());
        Assert.Equal(["KEPT0", "KEPT1", "LIVE0", "LIVE1"], await RemainingAsync());
    }

    [Fact]
    public async Task Given_many_expired_sessions_When_two_runs_race_Then_each_row_is_deleted_once_and_live_ones_stay()
    {
        const int Expired = ExpiredSessionCleanupJob.BatchSize * 2 + 17;
        await SeedAsync("OLD", Expired, Now - TimeSpan.FromDays(3));
        await SeedAsync("LIVE", 3, Now + TimeSpan.FromHours(1));

        var runs = await Task.WhenAll(Task.Run(RunAsync), Task.Run(RunAsync));
        Assert.Equal(Expired, runs.Sum());
        Assert.Equal(["LIVE0", "LIVE1", "LIVE2"], await RemainingAsync());
        Assert.Equal(0, await RunAsync());
    }

    private async Task<int> RunAsync()
    {
        await using var scope = _services.CreateAsyncScope();
        var job = new ExpiredSessionCleanupJob(scope.ServiceProvider.GetRequiredService<IamDbContext>(),
            Options.Create(new IamOptions { ExpiredSessionRetention = Retention }), new FixedClock(Now), NullLogger<ExpiredSessionCleanupJob>.Instance);
        return await job.RunAsync(CancellationToken.None);
    }

    private async Task SeedAsync(string prefix, int count, DateTime expiresAt)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IamDbContext>();
        for (var i = 0; i < count; i++)
        {
            db.SessionCredentials.Add(new SessionCredential
            {
                AccessKeyId = $"{prefix}{i}",
                AccountId = "123456789012",
                SessionName = "s",
                ProtectedSecret = "x",
                TokenHash = "0",
                ExpiresAt = expiresAt,
                CreatedAt = expiresAt - TimeSpan.FromHours(1),
            });
        }

        await db.SaveChangesAsync();
    }

    private async Task<List<string>> RemainingAsync()
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IamDbContext>().SessionCredentials.AsNoTracking()
            .OrderBy(s => s.AccessKeyId).Select(s => s.AccessKeyId).ToListAsync();
    }

    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now);
    }

    private sealed class NoJobs : IBackgroundJobClient
    {
        public string Create(Job job, IState state) => throw new InvalidOperationException("Nothing here enqueues jobs.");

        public bool ChangeState(string jobId, IState state, string expectedState) => false;
    }
}
