using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Platform.Modules.Shared.Persistence.Outbox;

/// <summary>Publishes one module's stored notifications, oldest first; at least once, so handlers are idempotent.</summary>
public interface IOutboxProcessor
{
    string Module { get; }

    /// <returns>How many messages were published.</returns>
    Task<int> ProcessAsync(int batchSize, CancellationToken cancellationToken);
}

public sealed class OutboxProcessor<TContext>(TContext db, IPublisher publisher, ILogger<OutboxProcessor<TContext>> logger) : IOutboxProcessor
    where TContext : ModuleDbContext
{
    /// <summary>A message that failed this often is left for an operator (it stays in the table with its last error).</summary>
    public const int MaxAttempts = 10;

    public string Module => db.Schema;

    public async Task<int> ProcessAsync(int batchSize, CancellationToken cancellationToken)
    {
        var pending = await db.OutboxMessages
            .Where(m => m.ProcessedAt == null && m.Attempts < MaxAttempts)
            .OrderBy(m => m.OccurredAt)
            .Take(batchSize)
            .ToListAsync(cancellationToken);

        var published = 0;
        foreach (var message in pending)
        {
            try
            {
                await publisher.Publish(message.Open(), cancellationToken);
                message.ProcessedAt = DateTime.UtcNow;
                published++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                message.Attempts++;
                message.LastError = e.Message.Length > 2000 ? e.Message[..2000] : e.Message;
                logger.LogWarning(e, "Outbox message {Id} of {Module} failed (attempt {Attempt})", message.Id, Module, message.Attempts);
            }

            // Saved per message: a crash after publishing repeats at most this one message.
            await db.SaveChangesAsync(cancellationToken);
        }

        return published;
    }
}
