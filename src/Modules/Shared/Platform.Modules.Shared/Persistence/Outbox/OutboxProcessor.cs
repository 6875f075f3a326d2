using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Platform.Modules.Shared.Persistence.Outbox;

/// <summary>
/// Publishes one module's stored notifications, oldest first; at least once, so handlers are idempotent. Where modules
/// gather their handlers' work over a batch (<see cref="IOutboxBatch"/>), a batch's messages are marked processed
/// together once that work is stored, so a crash repeats at most the batch.
/// </summary>
public interface IOutboxProcessor
{
    string Module { get; }

    /// <returns>How many messages were published.</returns>
    Task<int> ProcessAsync(int batchSize, CancellationToken cancellationToken);
}

public sealed class OutboxProcessor<TContext>(TContext db, IPublisher publisher, IEnumerable<IOutboxBatch> batches, ILogger<OutboxProcessor<TContext>> logger)
    : IOutboxProcessor
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
        if (pending.Count == 0)
        {
            return 0;
        }

        var gathering = batches.ToList();
        return gathering.Count == 0 ? await OneByOneAsync(pending, cancellationToken) : await TogetherAsync(pending, gathering, cancellationToken);
    }

    /// <summary>
    /// The batch's notifications published with the gathering handlers' work stored at the end in one go, and the messages
    /// marked processed after it in one save. When storing the gathered work fails, the messages published are published
    /// again one by one, so only the one at fault is charged an attempt.
    /// </summary>
    private async Task<int> TogetherAsync(List<OutboxMessage> pending, List<IOutboxBatch> gathering, CancellationToken cancellationToken)
    {
        var published = new List<OutboxMessage>(pending.Count);
        foreach (var batch in gathering)
        {
            batch.Begin();
        }

        try
        {
            foreach (var message in pending)
            {
                if (await TryPublishAsync(message, cancellationToken))
                {
                    published.Add(message);
                }
            }

            foreach (var batch in gathering)
            {
                await batch.CompleteAsync(cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Storing a batch of {Module}'s outbox messages together failed; publishing them one by one", Module);
            foreach (var batch in gathering)
            {
                batch.Abandon();
            }

            await db.SaveChangesAsync(cancellationToken); // the attempts of those that failed to publish
            return await OneByOneAsync(published, cancellationToken);
        }
        finally
        {
            foreach (var batch in gathering)
            {
                batch.Abandon();
            }
        }

        var now = DateTime.UtcNow;
        foreach (var message in published)
        {
            message.ProcessedAt = now;
        }

        await db.SaveChangesAsync(cancellationToken);
        return published.Count;
    }

    private async Task<int> OneByOneAsync(List<OutboxMessage> pending, CancellationToken cancellationToken)
    {
        var published = 0;
        foreach (var message in pending)
        {
            if (await TryPublishAsync(message, cancellationToken))
            {
                message.ProcessedAt = DateTime.UtcNow;
                published++;
            }

            // Saved per message: a crash after publishing repeats at most this one message.
            await db.SaveChangesAsync(cancellationToken);
        }

        return published;
    }

    private async Task<bool> TryPublishAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await publisher.Publish(message.Open(), cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            message.Attempts++;
            message.LastError = e.Message.Length > 2000 ? e.Message[..2000] : e.Message;
            logger.LogWarning(e, "Outbox message {Id} of {Module} failed (attempt {Attempt})", message.Id, Module, message.Attempts);
            return false;
        }
    }
}
