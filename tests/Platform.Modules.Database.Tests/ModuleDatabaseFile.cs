using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Database.Tests;

/// <summary>The module's SQLite database in a temporary file, migrated as the API migrates it; contexts on it at will.</summary>
internal sealed class ModuleDatabaseFile : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rds-tests-").FullName;

    public ModuleDatabaseFile()
    {
        using var db = Open();
        db.Database.Migrate();
    }

    public DatabaseDbContext Open(params IInterceptor[] interceptors) =>
        new SqliteDatabaseDbContext((DbContextOptions<SqliteDatabaseDbContext>)ModuleDatabase.UseSqlite(
            new DbContextOptionsBuilder<SqliteDatabaseDbContext>().AddInterceptors(interceptors), $"Data Source={Path.Combine(_directory, "platform.db")};Pooling=False",
            DatabaseDbContext.SchemaName).Options);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
