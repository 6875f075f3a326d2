using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.HostAgent.Protocol;
using Platform.Modules.Database.Contracts;
using Platform.Modules.Database.Persistence;

namespace Platform.Modules.Database.Metrics;

/// <summary>
/// Keeps the figures of each database guest's report (free storage, connections, and a Multi-AZ guest's replication lag in
/// seconds) as 1-minute statistic sets, the minute
/// by the API's clock, for <see cref="Retention"/> (as Compute keeps EC2's). Two reports of one minute on two replicas at
/// once: the second insert fails on the key and is applied again to the row the first made.
/// </summary>
internal sealed class DatabaseMetricsRecorder(DatabaseDbContext db, TimeProvider clock) : INotificationHandler<DatabaseGuestReported>
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    public async ValueTask Handle(DatabaseGuestReported notification, CancellationToken cancellationToken)
    {
        var metrics = JsonSerializer.Deserialize<DatabaseReport>(notification.ReportJson, AgentApi.Json)?.Metrics;
        if (metrics is null)
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var minute = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var accountId = await db.Instances.AsNoTracking().Where(i => i.ResourceId == notification.ResourceId).Select(i => i.AccountId).FirstOrDefaultAsync(cancellationToken);
            if (accountId is null)
            {
                return;
            }

            var row = await db.InstanceMetrics.SingleOrDefaultAsync(m => m.ResourceId == notification.ResourceId && m.PeriodStart == minute, cancellationToken);
            if (row is null)
            {
                row = new DbInstanceMetricMinute
                {
                    ResourceId = notification.ResourceId,
                    PeriodStart = minute,
                    AccountId = accountId,
                    FreeStorageMinimum = metrics.FreeStorageBytes,
                    FreeStorageMaximum = metrics.FreeStorageBytes,
                    ConnectionsMinimum = metrics.Connections,
                    ConnectionsMaximum = metrics.Connections,
                };
                db.InstanceMetrics.Add(row);
            }

            row.Samples++;
            row.FreeStorageSum += metrics.FreeStorageBytes;
            row.FreeStorageMinimum = Math.Min(row.FreeStorageMinimum, metrics.FreeStorageBytes);
            row.FreeStorageMaximum = Math.Max(row.FreeStorageMaximum, metrics.FreeStorageBytes);
            row.ConnectionsSum += metrics.Connections;
            row.ConnectionsMinimum = Math.Min(row.ConnectionsMinimum, metrics.Connections);
            row.ConnectionsMaximum = Math.Max(row.ConnectionsMaximum, metrics.Connections);
            if (metrics.ReplicaLagSeconds is { } lag && double.IsFinite(lag) && lag >= 0)
            {
                row.ReplicaLagMinimum = row.ReplicaLagSamples == 0 ? lag : Math.Min(row.ReplicaLagMinimum, lag);
                row.ReplicaLagMaximum = row.ReplicaLagSamples == 0 ? lag : Math.Max(row.ReplicaLagMaximum, lag);
                row.ReplicaLagSamples++;
                row.ReplicaLagSum += lag;
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                break;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another replica made or changed the minute's row meanwhile: apply this report to what is there now.
            }
        }

        var cutoff = now - Retention;
        await db.InstanceMetrics.Where(m => m.ResourceId == notification.ResourceId && m.PeriodStart < cutoff).ExecuteDeleteAsync(cancellationToken);
    }
}

internal sealed class GetDatabaseMetricMinutesHandler(DatabaseDbContext db) : IRequestHandler<GetDatabaseMetricMinutes, DatabaseMetricMinutes>
{
    public async ValueTask<DatabaseMetricMinutes> Handle(GetDatabaseMetricMinutes request, CancellationToken cancellationToken)
    {
        var resourceId = await db.Instances.AsNoTracking().Where(i => i.AccountId == request.AccountId && i.Identifier == request.DbInstanceIdentifier)
            .Select(i => i.ResourceId).FirstOrDefaultAsync(cancellationToken);
        if (resourceId is null || request.MetricName is not ("FreeStorageSpace" or "DatabaseConnections" or "ReplicaLag"))
        {
            return new DatabaseMetricMinutes(resourceId, []);
        }

        var rows = await db.InstanceMetrics.AsNoTracking()
            .Where(m => m.ResourceId == resourceId && m.AccountId == request.AccountId && m.PeriodStart >= request.From && m.PeriodStart < request.To)
            .OrderBy(m => m.PeriodStart).ToListAsync(cancellationToken);
        if (request.MetricName == "ReplicaLag")
        {
            return new DatabaseMetricMinutes(resourceId, [.. rows.Where(r => r.ReplicaLagSamples > 0)
                .Select(r => new DatabaseMetricMinute(r.PeriodStart, r.ReplicaLagSamples, r.ReplicaLagSum, r.ReplicaLagMinimum, r.ReplicaLagMaximum))]);
        }

        var free = request.MetricName == "FreeStorageSpace";
        return new DatabaseMetricMinutes(resourceId, [.. rows.Where(r => r.Samples > 0).Select(r => free
            ? new DatabaseMetricMinute(r.PeriodStart, r.Samples, r.FreeStorageSum, r.FreeStorageMinimum, r.FreeStorageMaximum)
            : new DatabaseMetricMinute(r.PeriodStart, r.Samples, r.ConnectionsSum, r.ConnectionsMinimum, r.ConnectionsMaximum))]);
    }
}

internal sealed class ListDatabaseMetricSourcesHandler(DatabaseDbContext db) : IRequestHandler<ListDatabaseMetricSources, IReadOnlyList<DatabaseMetricSource>>
{
    public async ValueTask<IReadOnlyList<DatabaseMetricSource>> Handle(ListDatabaseMetricSources request, CancellationToken cancellationToken)
    {
        var instances = await db.Instances.AsNoTracking().Where(i => i.AccountId == request.AccountId)
            .Select(i => new
            {
                i.Identifier,
                i.ResourceId,
                Reported = db.InstanceMetrics.Any(m => m.ResourceId == i.ResourceId && m.AccountId == request.AccountId && m.Samples > 0),
                Lagged = db.InstanceMetrics.Any(m => m.ResourceId == i.ResourceId && m.AccountId == request.AccountId && m.ReplicaLagSamples > 0),
            })
            .ToListAsync(cancellationToken);
        return [.. instances.Select(i => new DatabaseMetricSource(i.Identifier, i.ResourceId, i.Reported, i.Lagged))];
    }
}
