using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.Shared.Persistence;

/// <summary>
/// Whether a failed save broke a unique index (another request or replica got there first), as opposed to any other
/// failure (a busy database, a lost connection), which must not be mistaken for "already there".
/// </summary>
public static class UniqueViolation
{
    // SQLite's extended result codes: every constraint failure is 19 (SQLITE_CONSTRAINT); only these two are a duplicate.
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;
    private const int SqlServerDuplicateKey = 2601;
    private const int SqlServerUniqueConstraint = 2627;

    public static bool Is(DbUpdateException exception) => exception.InnerException switch
    {
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is SqliteConstraintPrimaryKey or SqliteConstraintUnique,
        Microsoft.Data.SqlClient.SqlException sql => sql.Number is SqlServerDuplicateKey or SqlServerUniqueConstraint,
        _ => false,
    };
}
