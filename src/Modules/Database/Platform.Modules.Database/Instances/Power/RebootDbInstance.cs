using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.Instances.Power;

/// <summary>
/// RebootDBInstance: from <c>available</c> (or <c>storage-full</c>); <c>rebooting</c> until its guest's next report, then
/// as that report says. <c>force_failover</c> fails a Multi-AZ instance over to its standby (<see cref="MultiAzFailover"/>): on a
/// Single-AZ instance InvalidParameterCombination, and InvalidDBInstanceState while the standby does not stream synchronously
/// (a promotion then could lose commits).
/// </summary>
internal sealed record RebootDbInstance(string Region, string DbInstanceIdentifier, bool? ForceFailover) : IRequest<DbInstanceResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:RebootDBInstance", RdsArns.Instance(Region, caller.AccountId, DbInstanceIdentifier.ToLowerInvariant()));

    public void Validate()
    {
    }
}

internal sealed class RebootDbInstanceHandler(DbInstancePower power, MultiAzFailover failover, DatabaseDbContext db, ICallerContext caller)
    : IRequestHandler<RebootDbInstance, DbInstanceResponse>
{
    public async ValueTask<DbInstanceResponse> Handle(RebootDbInstance request, CancellationToken cancellationToken)
    {
        if (request.ForceFailover != true)
        {
            return DbInstanceResponse.From(await power.ChangeAsync(caller.Identity.AccountId, request.DbInstanceIdentifier, ManagedInstancePower.Reboot, cancellationToken), request.Region);
        }

        var instance = await db.FindAsync(caller.Identity.AccountId, request.DbInstanceIdentifier, cancellationToken);
        if (!instance.MultiAz)
        {
            throw RdsErrors.InvalidParameterCombination("Cannot reboot a non-Multi-AZ DB instance with force failover.");
        }

        if (instance.Status is not (DbInstanceStatus.Available or DbInstanceStatus.StorageFull))
        {
            throw RdsErrors.InvalidInstanceState($"Instance {instance.Identifier} is not in available state.");
        }

        if (!instance.StandbySynchronous)
        {
            throw RdsErrors.InvalidInstanceState($"Instance {instance.Identifier} cannot fail over now: its standby is not streaming synchronously.");
        }

        if (!await failover.FailOverAsync(instance, "Failing over to the standby (reboot with failover).", cancellationToken))
        {
            throw RdsErrors.InvalidInstanceState("The DB instance was changed by another request meanwhile; describe it and try again.");
        }

        return DbInstanceResponse.From(await db.Instances.AsNoTracking().SingleAsync(i => i.ResourceId == instance.ResourceId, cancellationToken), request.Region);
    }
}
