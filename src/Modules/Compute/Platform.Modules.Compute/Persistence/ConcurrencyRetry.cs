using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.Compute.Persistence;

/// <summary>
/// Runs a read-change-save against a host's version until it commits: changes for one host serialize on
/// its <c>desired_version</c>, so two launches never both take the host's last free room.
/// </summary>
internal static class ConcurrencyRetry
{
    public static async Task<T> RunAsync<T>(ComputeDbContext db, Func<Task<T>> attempt, int maxAttempts = 20)
    {
        for (var tried = 1; ; tried++)
        {
            db.ChangeTracker.Clear();
            try
            {
                return await attempt();
            }
            catch (DbUpdateConcurrencyException) when (tried < maxAttempts)
            {
                await Task.Delay(Random.Shared.Next(1, 5 * tried));
            }
        }
    }
}
