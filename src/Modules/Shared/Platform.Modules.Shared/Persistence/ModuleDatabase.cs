using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Persistence.Outbox;

namespace Platform.Modules.Shared.Persistence;

/// <summary>How a module's DbContext is wired to the configured provider, at run time and at design time.</summary>
public static class ModuleDatabase
{

    /// <summary>
    /// Registers a module's context for the configured provider: <typeparamref name="TContext"/> resolves
    /// to the SQLite or SQL Server subclass, whose migrations are applied at start-up.
    /// </summary>
    public static IServiceCollection AddModuleDatabase<TContext, TSqliteContext, TSqlServerContext>(
        this IServiceCollection services, IConfiguration configuration, string schema)
        where TContext : ModuleDbContext
        where TSqliteContext : TContext
        where TSqlServerContext : TContext
    {
        var database = configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var platform = configuration.GetSection(PlatformOptions.SectionName).Get<PlatformOptions>() ?? new PlatformOptions();
        var connectionString = database.ResolveConnectionString(platform.DataDirectory);

        // Pooled: building a context's options per request costs more than the query it serves.
        services.TryAddSingleton<OutboxSignalInterceptor>();
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            services.AddDbContextPool<TContext, TSqliteContext>((provider, options) =>
                UseSqlite(options, connectionString, schema).AddInterceptors(provider.GetRequiredService<OutboxSignalInterceptor>(), SqliteConnectionKeeper.Instance));
        }
        else
        {
            services.AddDbContextPool<TContext, TSqlServerContext>((provider, options) =>
                UseSqlServer(options, connectionString, schema).AddInterceptors(provider.GetRequiredService<OutboxSignalInterceptor>()));
        }

        services.AddScoped<IOutboxProcessor, OutboxProcessor<TContext>>();
        services.AddHealthChecks().AddCheck<ModuleDatabaseHealthCheck<TContext>>($"database-{schema}");
        services.AddSingleton<IStartupTask, MigrateModuleDatabase<TContext>>();
        return services;
    }

    public static DbContextOptionsBuilder UseSqlite(DbContextOptionsBuilder options, string connectionString, string schema) =>
        QuietFailures(options.UseSqlite(connectionString, sqlite => sqlite.MigrationsHistoryTable($"__{schema}_migrations")));

    public static DbContextOptionsBuilder UseSqlServer(DbContextOptionsBuilder options, string connectionString, string schema) =>
        QuietFailures(options.UseSqlServer(connectionString, sql => sql.MigrationsHistoryTable("__migrations", schema).EnableRetryOnFailure()));

    /// <summary>
    /// A failed command or query surfaces as its exception, which the request's one Error entry carries (with the request
    /// id) and a job's failure too; EF's own Error entries would say it twice more. They stay at Debug, SQL included.
    /// </summary>
    private static DbContextOptionsBuilder QuietFailures(DbContextOptionsBuilder options) =>
        options.ConfigureWarnings(warnings => warnings.Log(
            (RelationalEventId.CommandError, LogLevel.Debug),
            (CoreEventId.QueryIterationFailed, LogLevel.Debug),
            (CoreEventId.SaveChangesFailed, LogLevel.Debug)));
}

/// <summary>
/// Ready only while the module's database takes writes. A SQLite file answers a mere connect even when another
/// process holds its lock or the file is gone, so there the check takes the write lock (and lets it go) on a
/// connection of its own that waits at most 2 s for the lock, and reads the module's migrations table.
/// </summary>
internal sealed class ModuleDatabaseHealthCheck<TContext>(TContext db) : IHealthCheck
    where TContext : ModuleDbContext
{
    private const int LockWaitSeconds = 2;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (db.Database.ProviderName != "Microsoft.EntityFrameworkCore.Sqlite")
            {
                return await db.Database.CanConnectAsync(cancellationToken)
                    ? HealthCheckResult.Healthy("answers")
                    : HealthCheckResult.Unhealthy($"The {db.Schema} database does not answer.");
            }

            var builder = new SqliteConnectionStringBuilder(db.Database.GetConnectionString())
            {
                Mode = SqliteOpenMode.ReadWrite, // never create an empty file in place of a missing one
                DefaultTimeout = LockWaitSeconds,
                Pooling = false,
            };
            await using var connection = new SqliteConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            foreach (var sql in (string[])["BEGIN IMMEDIATE", $"SELECT count(*) FROM \"__{db.Schema}_migrations\"", "ROLLBACK"])
            {
                await using var command = connection.CreateCommand();
                command.CommandText = sql;
                await command.ExecuteScalarAsync(cancellationToken);
            }

            return HealthCheckResult.Healthy("takes writes");
        }
        catch (DbException e)
        {
            return HealthCheckResult.Unhealthy($"The {db.Schema} database does not take writes: {e.Message}");
        }
    }
}

/// <summary>Applies a module's migrations before the API serves.</summary>
internal sealed class MigrateModuleDatabase<TContext>(IServiceScopeFactory scopes) : IStartupTask
    where TContext : ModuleDbContext
{
    public int Order => 0;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        if (db.Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite")
        {
            await SqliteFile.PrepareAsync(db, cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);
    }
}

internal static class SqliteFile
{
    /// <summary>Creates the data directory and turns on WAL, so readers never wait for a writer.</summary>
    public static async Task PrepareAsync(DbContext db, CancellationToken cancellationToken)
    {
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString());
        if (Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
