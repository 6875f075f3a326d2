using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Network;

/// <summary>
/// Deletes what the context has marked removed, then looks for dependents inside the same transaction
/// and rolls back if any appeared. Checking only before deleting would let a launch that reads the
/// subnet just before the delete commits leave an interface in a subnet that no longer exists; writing
/// first means the check and any concurrent writer are ordered by the database's locks (SQLite's single
/// writer; SQL Server's row locks), and the creating side re-checks its parents after its own write.
/// </summary>
internal static class CheckedDelete
{
    public static Task RunAsync(NetworkDbContext db, Func<CancellationToken, Task<bool>> hasDependents, Func<ApiException> violation, CancellationToken cancellationToken) =>
        // SQL Server's retrying strategy allows user transactions only as a unit it can replay.
        db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            try
            {
                await db.SaveChangesAsync(acceptAllChangesOnSuccess: false, ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                // A guarded row (a VPC's or group's version) changed since it was read: something was added meanwhile.
                throw violation();
            }

            if (await hasDependents(ct))
            {
                await transaction.RollbackAsync(ct);
                throw violation();
            }

            await transaction.CommitAsync(ct);
            db.ChangeTracker.AcceptAllChanges();
        }, cancellationToken);
}
