using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.Shared.Persistence;

/// <summary>
/// Whether a failed save broke a unique index (another request or replica got there first), as opposed to any other
/// failure (a busy database, a lost connection), which must not be mistaken for "already there".
/// </summary>
public static class UniqueViolation
{
    private const int SqliteConstraint = 19;
    private const int SqlServerDuplicateKey = 2601;
    private const int SqlServerUniqueConstraint = 2627;

    public static bool Is(DbUpdateException exception) => exception.InnerException switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == SqliteConstraint,
        Microsoft.Data.SqlClient.SqlException sql => sql.Number is SqlServerDuplicateKey or SqlServerUniqueConstraint,
        _ => false,
    };
}
