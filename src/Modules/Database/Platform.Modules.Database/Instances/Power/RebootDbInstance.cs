using Mediator;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.Instances.Power;

/// <summary>
/// RebootDBInstance: from <c>available</c> (or <c>storage-full</c>); <c>rebooting</c> until its guest's next report, then
/// as that report says. <c>force_failover</c> needs Multi-AZ, which no instance has here: InvalidParameterCombination.
/// </summary>
internal sealed record RebootDbInstance(string Region, string DbInstanceIdentifier, bool? ForceFailover) : IRequest<DbInstanceResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:RebootDBInstance", RdsArns.Instance(Region, caller.AccountId, DbInstanceIdentifier.ToLowerInvariant()));

    public void Validate()
    {
        if (ForceFailover == true)
        {
            throw RdsErrors.InvalidParameterCombination("Cannot reboot a non-Multi-AZ DB instance with force failover.");
        }
    }
}

internal sealed class RebootDbInstanceHandler(DbInstancePower power, ICallerContext caller) : IRequestHandler<RebootDbInstance, DbInstanceResponse>
{
    public async ValueTask<DbInstanceResponse> Handle(RebootDbInstance request, CancellationToken cancellationToken) =>
        DbInstanceResponse.From(await power.ChangeAsync(caller.Identity.AccountId, request.DbInstanceIdentifier, ManagedInstancePower.Reboot, cancellationToken), request.Region);
}
