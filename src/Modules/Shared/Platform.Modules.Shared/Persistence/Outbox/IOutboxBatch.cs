namespace Platform.Modules.Shared.Persistence.Outbox;

/// <summary>
/// Work a module's notification handlers gather over one outbox batch and store together (one transaction), instead of
/// one commit per notification. The batch's messages count as processed only after <see cref="CompleteAsync"/> has
/// stored it: a crash before then delivers the whole batch again, which the handlers' idempotency keys make harmless.
/// Registered scoped, so the handlers resolved for the batch's notifications find the same instance.
/// </summary>
public interface IOutboxBatch
{
    /// <summary>From now until <see cref="CompleteAsync"/> or <see cref="Abandon"/>, the module's handlers gather instead of storing.</summary>
    void Begin();

    /// <summary>Stores what was gathered; throws when it could not, having stored none of it. Gathering ends either way.</summary>
    Task CompleteAsync(CancellationToken cancellationToken);

    /// <summary>Forgets what was gathered; the handlers store each notification as it comes again.</summary>
    void Abandon();
}
