using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Alarms;

/// <summary>CloudWatch's DescribeAlarms: the caller's alarms, by names (at most 100) or a name prefix (not both), and by state.</summary>
internal sealed record DescribeAlarms(IReadOnlyList<string> AlarmNames, string? AlarmNamePrefix, string? StateValue)
    : IRequest<MetricAlarmsResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("cloudwatch:DescribeAlarms", AlarmLookup.Arn(region, caller.AccountId, "*"));

    public void Validate()
    {
        if (AlarmNames.Count > 0 && AlarmNamePrefix is not null)
        {
            throw AlarmLookup.InvalidCombination("AlarmNames and AlarmNamePrefix cannot be specified together.");
        }

        if (AlarmNames.Count > 100)
        {
            throw ApiErrors.InvalidParameterValue("The parameter AlarmNames holds at most 100 names.");
        }

        foreach (var name in AlarmNames)
        {
            AlarmLookup.EnsureWellFormedName(name, "AlarmNames");
        }

        if (AlarmNamePrefix is not null)
        {
            AlarmLookup.EnsureWellFormedName(AlarmNamePrefix, "AlarmNamePrefix");
        }

        if (StateValue is not null && StateValue is not (AlarmStates.Ok or AlarmStates.Alarm or AlarmStates.InsufficientData))
        {
            throw ApiErrors.InvalidParameterValue($"The state value '{StateValue}' is not one of OK, ALARM, INSUFFICIENT_DATA.");
        }
    }
}

internal sealed class DescribeAlarmsHandler(ComputeDbContext db, ICallerContext caller, IOptions<PlatformOptions> platform)
    : IRequestHandler<DescribeAlarms, MetricAlarmsResponse>
{
    public async ValueTask<MetricAlarmsResponse> Handle(DescribeAlarms request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var query = db.MetricAlarms.AsNoTracking().Where(a => a.AccountId == accountId);
        if (request.AlarmNames.Count > 0)
        {
            query = query.Where(a => request.AlarmNames.Contains(a.Name));
        }

        if (request.StateValue is { } state)
        {
            query = query.Where(a => a.StateValue == state);
        }

        var alarms = await query.ToListAsync(cancellationToken);
        return new MetricAlarmsResponse(alarms
            .Where(a => request.AlarmNamePrefix is null || a.Name.StartsWith(request.AlarmNamePrefix, StringComparison.Ordinal))
            .OrderBy(a => a.Name, StringComparer.Ordinal)
            .Select(a => AlarmLookup.Response(platform.Value.Region, a)).ToList());
    }
}
