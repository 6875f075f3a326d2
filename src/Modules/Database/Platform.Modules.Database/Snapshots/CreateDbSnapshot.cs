using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Guests;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Database.Snapshots;

/// <summary>CreateDBSnapshot: of an available instance, which shows <c>backing-up</c> until its guest reports the backup.</summary>
internal sealed record CreateDbSnapshot(string Region, string? DbSnapshotIdentifier, string? DbInstanceIdentifier, IReadOnlyList<RdsTag>? Tags)
    : IRequest<DbSnapshotResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:CreateDBSnapshot", RdsArns.Snapshot(Region, caller.AccountId, DbSnapshotIdentifier?.ToLowerInvariant() ?? "*"));

    public void Validate()
    {
        RdsNames.Identifier(DbSnapshotIdentifier, "DBSnapshotIdentifier", 255);
        Shared.Messaging.Parameter.Required(DbInstanceIdentifier, "DBInstanceIdentifier");
        RdsNames.Tags(Tags);
    }
}

internal sealed class CreateDbSnapshotHandler(DatabaseDbContext db, ICallerContext caller, SnapshotTaker snapshots, DatabaseGuests guests) : IRequestHandler<CreateDbSnapshot, DbSnapshotResponse>
{
    public async ValueTask<DbSnapshotResponse> Handle(CreateDbSnapshot request, CancellationToken cancellationToken)
    {
        var instance = await db.FindAsync(caller.Identity.AccountId, request.DbInstanceIdentifier!, cancellationToken);
        if (!DbInstanceLifecycle.CanSnapshot(instance.Status))
        {
            throw RdsErrors.InvalidInstanceState($"Cannot create a snapshot because the database instance {instance.Identifier} is not currently in the available state.");
        }

        var snapshot = await snapshots.AddAsync(instance, RdsNames.Identifier(request.DbSnapshotIdentifier, "DBSnapshotIdentifier", 255), RdsNames.Tags(request.Tags), cancellationToken);
        instance.Status = DbInstanceStatus.BackingUp;
        instance.Version++;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw RdsErrors.InvalidInstanceState("The DB instance was changed by another request meanwhile; describe it and try again.");
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            throw RdsErrors.SnapshotAlreadyExists(snapshot.Identifier);
        }

        await guests.SignalAsync(instance.ResourceId, cancellationToken);
        return DbSnapshotResponse.From(snapshot, request.Region);
    }
}
