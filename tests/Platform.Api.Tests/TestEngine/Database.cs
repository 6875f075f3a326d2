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

    /// <summary>Changes the embedded database directly, for states an API cannot reach in a test's time (a 6 GiB object).</summary>
    public static async Task<int> ExecuteAsync(string databasePath, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync();
    }
}
