using Mediator;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.Instances.Power;

/// <summary>StartDBInstance: only from <c>stopped</c>; <c>starting</c> until its guest reports the database up again, then <c>available</c>.</summary>
internal sealed record StartDbInstance(string Region, string DbInstanceIdentifier) : IRequest<DbInstanceResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:StartDBInstance", RdsArns.Instance(Region, caller.AccountId, DbInstanceIdentifier.ToLowerInvariant()));
}

internal sealed class StartDbInstanceHandler(DbInstancePower power, ICallerContext caller) : IRequestHandler<StartDbInstance, DbInstanceResponse>
{
    public async ValueTask<DbInstanceResponse> Handle(StartDbInstance request, CancellationToken cancellationToken) =>
        DbInstanceResponse.From(await power.ChangeAsync(caller.Identity.AccountId, request.DbInstanceIdentifier, ManagedInstancePower.Start, cancellationToken), request.Region);
}
