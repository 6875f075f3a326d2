using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
        options.UseSqlite(connectionString, sqlite => sqlite.MigrationsHistoryTable($"__{schema}_migrations"));

    public static DbContextOptionsBuilder UseSqlServer(DbContextOptionsBuilder options, string connectionString, string schema) =>
        options.UseSqlServer(connectionString, sql => sql.MigrationsHistoryTable("__migrations", schema).EnableRetryOnFailure());
}

/// <summary>Ready only while the module's database answers.</summary>
internal sealed class ModuleDatabaseHealthCheck<TContext>(TContext db) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
    where TContext : ModuleDbContext
{
    public async Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy()
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy($"The {db.Schema} database does not answer.");
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
