using Microsoft.Data.Sqlite;

namespace Platform.Api.Tests.TestEngine;

/// <summary>Reads the embedded database directly, to check what the API stored (or did not).</summary>
public static class Database
{
    public static async Task<T?> ScalarAsync<T>(string databasePath, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
