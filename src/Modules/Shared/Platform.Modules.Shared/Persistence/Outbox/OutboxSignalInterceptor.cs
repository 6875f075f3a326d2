using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Platform.Modules.Shared.Persistence.Outbox;

/// <summary>
/// Enqueues the outbox job as soon as a save that stored notifications has committed, so they go out
/// at once rather than on the next sweep. A crash between the commit and the enqueue only delays
/// them until the recurring sweep.
/// </summary>
public sealed class OutboxSignalInterceptor(IBackgroundJobClient jobs) : SaveChangesInterceptor
{
    private bool _pending;

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        _pending |= eventData.Context?.ChangeTracker.Entries<OutboxMessage>().Any(e => e.State == EntityState.Added) == true;
        return base.SavingChangesAsync(eventData, result, cancellationToken);
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (_pending && eventData.Context?.Database.CurrentTransaction is null)
        {
            _pending = false;
            jobs.Enqueue<OutboxDispatchJob>(job => job.RunAsync(CancellationToken.None));
        }

        return base.SavedChangesAsync(eventData, result, cancellationToken);
    }
}
