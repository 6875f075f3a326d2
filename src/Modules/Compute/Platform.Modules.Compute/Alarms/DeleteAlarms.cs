using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Alarms;

/// <summary>CloudWatch's DeleteAlarms: all the named alarms or, when one of them does not exist, none (ResourceNotFound). Their history stays.</summary>
internal sealed record DeleteAlarms(IReadOnlyList<string> AlarmNames) : IRequest<Unit>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("cloudwatch:DeleteAlarms", AlarmLookup.Arn(region, caller.AccountId, AlarmNames.Count == 1 ? AlarmNames[0] : "*"));

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

internal sealed class DeleteAlarmsHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DeleteAlarms, Unit>
{
    public async ValueTask<Unit> Handle(DeleteAlarms request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var names = request.AlarmNames.Distinct(StringComparer.Ordinal).ToList();
        var alarms = await db.MetricAlarms.Where(a => a.AccountId == accountId && names.Contains(a.Name)).ToListAsync(cancellationToken);
        if (names.FirstOrDefault(n => alarms.All(a => a.Name != n)) is { } missing)
        {
            throw AlarmLookup.NotFound(missing);
        }

        db.MetricAlarms.RemoveRange(alarms);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
