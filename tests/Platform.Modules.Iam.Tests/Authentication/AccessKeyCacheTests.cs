using System.Security.Cryptography;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Iam.Authentication;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Authentication.SigV4;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Iam.Tests.Authentication;

/// <summary>
/// The access-key cache against the module's real database: a flood of made-up key ids, as anyone can send without
/// a key, leaves it bounded. Before, every unknown id asked for stayed in it for good.
/// </summary>
public sealed class AccessKeyCacheTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("iam-cache-test-").FullName;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:DataDirectory"] = _directory,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        // The outbox interceptor the module's contexts carry asks for a job client; nothing here enqueues.
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
    public async Task Given_a_flood_of_random_key_ids_Then_the_cache_stays_bounded_and_each_is_refused()
    {
        var authenticator = new AccessKeyAuthenticator(protector: null!, TimeProvider.System);
        const int Flood = AccessKeyAuthenticator.UnknownKeyCapacity * 3;
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IamDbContext>();
        for (var i = 0; i < Flood; i++)
        {
            var id = "AKIA" + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
            var refused = await Assert.ThrowsAsync<ApiException>(() => authenticator.AuthenticateAsync(db, Signed(id), CancellationToken.None).AsTask());
            Assert.Equal("InvalidAccessKeyId", refused.Code);
        }

        var (known, unknown) = authenticator.CachedEntries;
        Assert.Equal(0, known);
        Assert.InRange(unknown, 1, AccessKeyAuthenticator.UnknownKeyCapacity);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("AKIA\u0410AAAAAAAAAAAAAAA")]
    public async Task Given_an_id_IAM_could_never_issue_Then_it_is_refused_and_never_cached(string id)
    {
        var authenticator = new AccessKeyAuthenticator(protector: null!, TimeProvider.System);
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IamDbContext>();
        var refused = await Assert.ThrowsAsync<ApiException>(() => authenticator.AuthenticateAsync(db, Signed(id), CancellationToken.None).AsTask());
        Assert.Equal("InvalidAccessKeyId", refused.Code);
        Assert.Equal((0, 0), authenticator.CachedEntries);
    }

    [Fact]
    public async Task Given_a_huge_id_Then_it_is_refused_and_never_cached()
    {
        await Given_an_id_IAM_could_never_issue_Then_it_is_refused_and_never_cached("AKIA" + new string('A', 8_000));
    }

    private static SigV4ParsedRequest Signed(string accessKeyId) => new()
    {
        Form = SigV4Form.Header,
        AccessKeyId = accessKeyId,
        Scope = new SigV4Scope("20261205", "us-east-1", "iam"),
        RequestTime = DateTimeOffset.UtcNow,
        SignedHeaders = ["host"],
        Signature = new string('0', 64),
        PayloadHash = SigV4Verifier.UnsignedPayload,
        CanonicalRequest = "",
        StringToSign = "",
    };

    private sealed class NoJobs : IBackgroundJobClient
    {
        public string Create(Job job, IState state) => Guid.NewGuid().ToString();

        public bool ChangeState(string jobId, IState state, string expectedState) => true;
    }
}
