namespace Platform.Modules.Shared.Persistence;

public enum DatabaseProvider
{
    /// <summary>The embedded default: one file under the data directory, no setup.</summary>
    Sqlite,

    /// <summary>Production: every API replica on one SQL Server.</summary>
    SqlServer,
}

public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Required for SQL Server; for SQLite the default is platform.db in the data directory.</summary>
    public string? ConnectionString { get; set; }

    public string ResolveConnectionString(string dataDirectory) => Provider switch
    {
        DatabaseProvider.Sqlite => string.IsNullOrWhiteSpace(ConnectionString)
            ? $"Data Source={Path.Combine(dataDirectory, "platform.db")};Default Timeout=30"
            : ConnectionString,
        _ => string.IsNullOrWhiteSpace(ConnectionString)
            ? throw new InvalidOperationException($"{SectionName}:ConnectionString is required when {SectionName}:Provider is SqlServer.")
            : ConnectionString,
    };
}
