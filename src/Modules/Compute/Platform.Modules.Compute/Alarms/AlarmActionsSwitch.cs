using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Alarms;

/// <summary>
/// CloudWatch's EnableAlarmActions / DisableAlarmActions: names of alarms the caller does not have are passed over, as
/// CloudWatch does. Disabled, an alarm still changes state and records it; it invokes nothing.
/// </summary>
internal sealed record SwitchAlarmActions(IReadOnlyList<string> AlarmNames, bool Enable) : IRequest<Unit>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new(Enable ? "cloudwatch:EnableAlarmActions" : "cloudwatch:DisableAlarmActions", AlarmLookup.Arn(region, caller.AccountId, AlarmNames.Count == 1 ? AlarmNames[0] : "*"));

    public void Validate()
    {
        if (AlarmNames.Count is 0 or > 100)
        {
            throw ApiErrors.InvalidParameterValue("The parameter AlarmNames must hold 1 to 100 names.");
        }

        foreach (var name in AlarmNames)
        {
            AlarmLookup.EnsureWellFormedName(name, "AlarmNames");
        }
    }
}

internal sealed class SwitchAlarmActionsHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<SwitchAlarmActions, Unit>
{
    public async ValueTask<Unit> Handle(SwitchAlarmActions request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var names = request.AlarmNames.ToList();
        // One statement, the version raised: a transition being saved at the same time by the job fails and is decided again.
        await db.MetricAlarms.Where(a => a.AccountId == accountId && names.Contains(a.Name))
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.ActionsEnabled, request.Enable)
                .SetProperty(a => a.ActionsDueFor, a => request.Enable ? a.ActionsDueFor : null)
                .SetProperty(a => a.Version, a => a.Version + 1), cancellationToken);
        return Unit.Value;
    }
}
