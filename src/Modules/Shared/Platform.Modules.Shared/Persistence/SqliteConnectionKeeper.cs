using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Platform.Modules.Shared.Persistence;

/// <summary>
/// Keeps each pooled context's SQLite connection open between requests. EF Core would close it after
/// every query and, on the next open, register its SQL functions on the connection again; that costs
/// more than the query itself and leaves finalizers behind. An idle SQLite connection in WAL mode holds
/// no lock; it is closed when its context leaves the pool.
/// </summary>
internal sealed class SqliteConnectionKeeper : DbConnectionInterceptor
{
    public static readonly SqliteConnectionKeeper Instance = new();

    public override InterceptionResult ConnectionClosing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
        InterceptionResult.Suppress();

    public override ValueTask<InterceptionResult> ConnectionClosingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
        ValueTask.FromResult(InterceptionResult.Suppress());
}
