using Mediator;

namespace Platform.Modules.Audit.Contracts;

/// <summary>
/// Writes one UTC day's events of every account with a trail to its bucket as CloudTrail's gzipped JSON, once: a day
/// already delivered to an account is skipped. The daily job asks for yesterday. Returns the log files written.
/// </summary>
public sealed record DeliverAuditLogs(DateOnly Day) : IRequest<int>;

/// <summary>Deletes the events (and delivery marks) older than the retention before <paramref name="AsOf"/>. Returns the events deleted.</summary>
public sealed record PruneAuditEvents(DateTime AsOf) : IRequest<int>;
