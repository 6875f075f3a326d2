using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Contracts;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Persistence;

namespace Platform.Modules.Database.Metering;

/// <summary>The DB instances as Billing samples them: one read, nothing changed.</summary>
internal sealed class DescribeMeteredDatabasesHandler(DatabaseDbContext db) : IRequestHandler<DescribeMeteredDatabases, IReadOnlyList<MeteredDatabase>>
{
    public async ValueTask<IReadOnlyList<MeteredDatabase>> Handle(DescribeMeteredDatabases request, CancellationToken cancellationToken) =>
        await db.Instances.AsNoTracking()
            .Where(i => i.Status != DbInstanceStatus.Stopped && i.Status != DbInstanceStatus.Failed)
            .OrderBy(i => i.ResourceId)
            .Select(i => new MeteredDatabase(i.AccountId, i.ResourceId, i.InstanceClass, i.CreatedAt))
            .ToListAsync(cancellationToken);
}
