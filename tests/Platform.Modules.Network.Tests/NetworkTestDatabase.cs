using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Network.Tests;

/// <summary>
/// The module as the API wires it (pooled contexts on a SQLite file in WAL mode, migrations applied),
/// with handlers called directly as a given account. Each test class gets its own database file.
/// </summary>
public sealed class NetworkTestDatabase : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("network-test-").FullName;

    public static readonly string[] Zones = ["test-1a", "test-1b", "test-1c"];

    /// <summary>The public address pool (RFC 5737's TEST-NET-3): elastic IPs are 203.0.113.2 to .254.</summary>
    public const string PublicCidr = "203.0.113.0/24";

    internal ServiceProvider Services { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:DataDirectory"] = _directory,
            ["Platform:Region"] = "test-1",
            ["Platform:AvailabilityZones:0"] = Zones[0],
            ["Platform:AvailabilityZones:1"] = Zones[1],
            ["Platform:AvailabilityZones:2"] = Zones[2],
            ["Network:PublicAddresses:Cidr"] = PublicCidr,
            ["Network:PublicAddresses:Gateway"] = "203.0.113.1",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IBackgroundJobClient, NoJobs>();
        services.AddScoped<CallerContext>();
        services.AddScoped<ICallerContext>(sp => sp.GetRequiredService<CallerContext>());
        services.AddNetworkModule(configuration);
        Services = services.BuildServiceProvider();

        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NetworkDbContext>();
        await db.Database.OpenConnectionAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        await db.Database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Validates and handles one request in its own scope, as the given account (null: no caller, as for contract requests).</summary>
    public async Task<TResponse> SendAsync<TResponse>(string? accountId, IRequest<TResponse> request)
    {
        (request as IValidatable)?.Validate();
        await using var scope = Services.CreateAsyncScope();
        if (accountId is not null)
        {
            scope.ServiceProvider.GetRequiredService<CallerContext>().Authenticate(
                new CallerIdentity(accountId, $"arn:aws:iam::{accountId}:root", accountId, null, "AKIATEST"), new Dictionary<string, string>());
        }

        var handlerInterface = typeof(IRequestHandler<,>).MakeGenericType(request.GetType(), typeof(TResponse));
        var handlerType = typeof(NetworkModule).Assembly.GetTypes().Single(t => !t.IsAbstract && handlerInterface.IsAssignableFrom(t));
        var handler = ActivatorUtilities.CreateInstance(scope.ServiceProvider, handlerType);
        var handle = handlerInterface.GetMethod("Handle")!;
        return await (ValueTask<TResponse>)handle.Invoke(handler, [request, CancellationToken.None])!;
    }

    /// <summary>Reads the database directly, for assertions on what handlers do not return.</summary>
    internal async Task<T> QueryAsync<T>(Func<NetworkDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<NetworkDbContext>());
    }

    private sealed class NoJobs : IBackgroundJobClient
    {
        public string Create(Job job, IState state) => Guid.NewGuid().ToString();

        public bool ChangeState(string jobId, IState state, string expectedState) => true;
    }
}
