using Microsoft.Data.Sqlite;

namespace Platform.Api.Tests.TestEngine;

/// <summary>
/// A fresh API migrates every module's schema on its empty SQLite file at start-up, about 1.3 s of CPU, and the suite
/// starts about a hundred. Instead, this process migrates one file once, with the API's own migration start-up tasks
/// (<see cref="PlatformApp"/> with nothing else to start), and a fresh data directory begins with a copy of it. The API
/// still runs its migrations at start-up: they find every one applied and apply only what the copy lacks.
/// Migrating an empty file stays tested: <c>MigrationTests</c> starts an API on one (<see cref="PlatformApp"/>'s
/// <c>freshDatabase</c>), and so does every test that sets the database up itself.
/// </summary>
internal static class MigratedDatabase
{
    public const string FileName = "platform.db";

    // Made on a thread-pool thread: no test's synchronization context is captured by the start-up the waiters block on.
    private static int _reported;

    private static readonly Lazy<string> Template = new(() => Task.Run(Create).GetAwaiter().GetResult(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>PLATFORM_TEST_FRESH_DATABASES=1: every API migrates its empty database itself, as before the copy (to compare).</summary>
    public static bool Disabled { get; } = Environment.GetEnvironmentVariable("PLATFORM_TEST_FRESH_DATABASES") == "1";

    /// <summary>
    /// Puts a migrated database in the data directory, unless one is there already (a restart on the same data) or the
    /// settings choose the database themselves (<c>Database:...</c>, <c>Database__...</c>).
    /// </summary>
    public static void CopyTo(string dataDirectory, IEnumerable<string> settingNames)
    {
        if (Disabled || settingNames.Any(name => name.StartsWith("Database:", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Database__", StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        var target = Path.Combine(dataDirectory, FileName);
        if (File.Exists(target))
        {
            return;
        }

        Directory.CreateDirectory(dataDirectory);
        string template;
        try
        {
            template = Template.Value;
        }
        catch (Exception e) when (!AppContext.TryGetSwitch("Platform.Tests.MigratedDatabaseRequired", out var required) || !required)
        {
            // An assembly that only borrows this harness (Platform.EndToEnd.Tests, through ApiProcess) may not host the API
            // in-process: its APIs then migrate their empty databases themselves, as they did before the copy. Once per process.
            if (Interlocked.Exchange(ref _reported, 1) == 0)
            {
                Console.Error.WriteLine($"No migrated database to copy; each API migrates its own: {e.Message}");
            }

            return;
        }

        try
        {
            File.Copy(template, target);
        }
        catch (IOException) when (File.Exists(target))
        {
            // Another start on the same directory put it there first.
        }
    }

    private static string Create()
    {
        var work = Directory.CreateTempSubdirectory("platform-migrated-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        };

        var app = PlatformApp.MigrationsOnly(Path.Combine(work, "data"));
        try
        {
            _ = app.Server;
            // The backup API copies a consistent database (what the WAL holds included) into a file of its own.
            var template = Path.Combine(work, FileName);
            using var source = new SqliteConnection($"Data Source={app.DatabasePath};Mode=ReadOnly;Pooling=False");
            using var copy = new SqliteConnection($"Data Source={template};Pooling=False");
            source.Open();
            copy.Open();
            source.BackupDatabase(copy);
            return template;
        }
        finally
        {
            app.Dispose();
        }
    }
}
