using Mediator;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.Instances.Power;

/// <summary>
/// StopDBInstance: only from <c>available</c>; <c>stopping</c> until its guest is powered off, then <c>stopped</c>. A
/// stopped instance is neither billed for instance hours nor backed up, and RDS starts it again after 7 days
/// (<see cref="StoppedInstanceRestartJob"/>).
/// </summary>
internal sealed record StopDbInstance(string Region, string DbInstanceIdentifier) : IRequest<DbInstanceResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:StopDBInstance", RdsArns.Instance(Region, caller.AccountId, DbInstanceIdentifier.ToLowerInvariant()));
}

internal sealed class StopDbInstanceHandler(DbInstancePower power, ICallerContext caller) : IRequestHandler<StopDbInstance, DbInstanceResponse>
{
    public async ValueTask<DbInstanceResponse> Handle(StopDbInstance request, CancellationToken cancellationToken) =>
        DbInstanceResponse.From(await power.ChangeAsync(caller.Identity.AccountId, request.DbInstanceIdentifier, ManagedInstancePower.Stop, cancellationToken), request.Region);
}
