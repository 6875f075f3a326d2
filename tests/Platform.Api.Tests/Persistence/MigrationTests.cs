using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Platform.Api.Tests.TestEngine;
using Platform.Modules.Shared.Persistence;

namespace Platform.Api.Tests.Persistence;

/// <summary>
/// Every module context, for each provider, found by reflection so a new module is covered without
/// editing this file. No SQL Server runs here: model diffing and script generation need none.
/// </summary>
public sealed class MigrationTests
{
    public static TheoryData<string> ProviderContexts()
    {
        var data = new TheoryData<string>();
        foreach (var factory in DesignTimeFactories())
        {
            data.Add(factory.FullName!);
        }

        return data;
    }

    [Fact]
    public void Every_module_context_has_a_design_time_factory_per_provider()
    {
        var contexts = ModuleAssemblies().SelectMany(a => a.GetTypes())
            .Where(t => !t.IsAbstract && typeof(ModuleDbContext).IsAssignableFrom(t) && t.BaseType != typeof(ModuleDbContext))
            .ToList();
        Assert.NotEmpty(contexts);
        var factoryTargets = DesignTimeFactories().Select(f => ContextTypeOf(f)).ToHashSet();
        Assert.All(contexts, context => Assert.Contains(context, factoryTargets));
        Assert.All(contexts, context => Assert.True(context.Name.StartsWith("Sqlite", StringComparison.Ordinal) || context.Name.StartsWith("SqlServer", StringComparison.Ordinal), context.Name));
    }

    [Theory]
    [MemberData(nameof(ProviderContexts))]
    public void Given_a_provider_context_Then_its_migrations_match_the_model(string factoryName)
    {
        using var context = Create(factoryName);
        Assert.NotEmpty(context.Database.GetMigrations());
        Assert.False(context.Database.HasPendingModelChanges(),
            $"{context.GetType().Name} has model changes without a migration: run scripts/add-migration.sh");
    }

    [Theory]
    [MemberData(nameof(ProviderContexts))]
    public void Given_a_provider_context_Then_its_migration_script_generates(string factoryName)
    {
        using var context = Create(factoryName);
        // Operators apply SQL Server scripts by hand, so they must be re-runnable; SQLite cannot make idempotent ones.
        var options = context.Database.IsSqlServer() ? MigrationsSqlGenerationOptions.Idempotent : MigrationsSqlGenerationOptions.Default;
        var script = context.GetService<IMigrator>().GenerateScript(options: options);
        Assert.Contains("CREATE TABLE", script, StringComparison.Ordinal);
        var schema = ((ModuleDbContext)context).Schema;
        if (context.Database.IsSqlServer())
        {
            Assert.Contains($"[{schema}].[outbox_messages]", script, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains($"\"{schema}_outbox_messages\"", script, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The API's start-up applies every module's migrations to an empty SQLite file; and the migrated copy other tests'
    /// APIs start from (<see cref="MigratedDatabase"/>) leaves them with the same schema and migration history.
    /// </summary>
    [Fact]
    public async Task Given_an_empty_database_When_the_API_starts_Then_every_module_migration_is_applied_as_in_the_migrated_copy()
    {
        await using var fresh = new PlatformApp(runJobs: false, freshDatabase: true);
        await using var copied = new PlatformApp(runJobs: false);
        Assert.False(File.Exists(fresh.DatabasePath));
        _ = fresh.Server;
        _ = copied.Server;

        foreach (var factory in DesignTimeFactories().Where(f => ContextTypeOf(f).Name.StartsWith("Sqlite", StringComparison.Ordinal)))
        {
            using var context = Create(factory.FullName!);
            var schema = ((ModuleDbContext)context).Schema;
            var applied = await RowsAsync(fresh.DatabasePath, $"SELECT MigrationId FROM \"__{schema}_migrations\" ORDER BY MigrationId");
            Assert.Equal(context.Database.GetMigrations().Order(StringComparer.Ordinal), applied);
            Assert.Equal(applied, await RowsAsync(copied.DatabasePath, $"SELECT MigrationId FROM \"__{schema}_migrations\" ORDER BY MigrationId"));
        }

        const string Schema = "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name";
        var tables = await RowsAsync(fresh.DatabasePath, Schema);
        Assert.Contains(tables, t => t.StartsWith("table iam_", StringComparison.Ordinal));
        Assert.Equal(tables, await RowsAsync(copied.DatabasePath, Schema));
        foreach (var directory in new[] { fresh.DataDirectory, copied.DataDirectory })
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<List<string>> RowsAsync(string databasePath, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private static DbContext Create(string factoryName)
    {
        var factory = DesignTimeFactories().Single(f => f.FullName == factoryName);
        var instance = Activator.CreateInstance(factory, nonPublic: true)!;
        return (DbContext)factory.GetMethod("CreateDbContext")!.Invoke(instance, [Array.Empty<string>()])!;
    }

    private static IEnumerable<Type> DesignTimeFactories() =>
        ModuleAssemblies().SelectMany(a => a.GetTypes())
            .Where(t => !t.IsAbstract && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDesignTimeDbContextFactory<>)))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    private static Type ContextTypeOf(Type factory) =>
        factory.GetInterfaces().Single(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDesignTimeDbContextFactory<>)).GetGenericArguments()[0];

    private static IEnumerable<System.Reflection.Assembly> ModuleAssemblies() =>
        new[] { "Iam", "Compute", "Storage", "Network", "Database", "Billing", "Audit" }
            .Select(name => System.Reflection.Assembly.Load($"Platform.Modules.{name}"));
}
