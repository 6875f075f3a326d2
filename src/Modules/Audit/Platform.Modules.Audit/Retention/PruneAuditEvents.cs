using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Audit.Contracts;
using Platform.Modules.Audit.Persistence;

namespace Platform.Modules.Audit.Retention;

/// <summary>Deletes what is older than <see cref="AuditOptions.RetentionDays"/>: one statement per table, so running it twice or on two replicas deletes nothing twice.</summary>
internal sealed class PruneAuditEventsHandler(AuditDbContext db, IOptions<AuditOptions> options) : IRequestHandler<PruneAuditEvents, int>
{
    public async ValueTask<int> Handle(PruneAuditEvents request, CancellationToken cancellationToken)
    {
        var cutoff = request.AsOf.AddDays(-options.Value.RetentionDays);
        var deleted = await db.Events.Where(e => e.EventTime < cutoff).ExecuteDeleteAsync(cancellationToken);
        var day = DateOnly.FromDateTime(cutoff);
        await db.Deliveries.Where(d => d.Day < day).ExecuteDeleteAsync(cancellationToken);
        return deleted;
    }
}

internal sealed class AuditRetentionJob(ISender sender, TimeProvider clock)
{
    public const string RecurringJobId = "audit-retention";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task<int> RunAsync(CancellationToken cancellationToken) =>
        await sender.Send(new PruneAuditEvents(clock.GetUtcNow().UtcDateTime), cancellationToken);
}
