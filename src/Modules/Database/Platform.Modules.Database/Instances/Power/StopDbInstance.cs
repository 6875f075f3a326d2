using Mediator;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.Instances.Power;

/// <summary>
/// StopDBInstance: only from <c>available</c>; <c>stopping</c> until its guest is powered off, then <c>stopped</c>. A
/// stopped instance is neither billed for instance hours nor backed up, and RDS starts it again after 7 days
/// (<see cref="StoppedInstanceRestartJob"/>). With <c>DBSnapshotIdentifier</c> a manual snapshot is taken first, as RDS
/// does: the instance is <c>stopping</c> at once, and its guest is powered off once the snapshot's backup is reported
/// (available or failed: the stop goes on either way, the snapshot's status tells).
/// </summary>
internal sealed record StopDbInstance(string Region, string DbInstanceIdentifier, string? DbSnapshotIdentifier = null)
    : IRequest<DbInstanceResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:StopDBInstance", RdsArns.Instance(Region, caller.AccountId, DbInstanceIdentifier.ToLowerInvariant()));

    public void Validate()
    {
        if (DbSnapshotIdentifier is not null)
        {
            RdsNames.Identifier(DbSnapshotIdentifier, "DBSnapshotIdentifier", 255);
        }
    }
}

internal sealed class StopDbInstanceHandler(DbInstancePower power, ICallerContext caller) : IRequestHandler<StopDbInstance, DbInstanceResponse>
{
    public async ValueTask<DbInstanceResponse> Handle(StopDbInstance request, CancellationToken cancellationToken) =>
        DbInstanceResponse.From(
            await power.ChangeAsync(caller.Identity.AccountId, request.DbInstanceIdentifier, ManagedInstancePower.Stop, cancellationToken, request.DbSnapshotIdentifier), request.Region);
}
