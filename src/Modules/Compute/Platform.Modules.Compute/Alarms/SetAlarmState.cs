using System.Text.Json;
using Mediator;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Alarms;

/// <summary>
/// CloudWatch's SetAlarmState, for testing: the alarm takes the state until its next evaluation decides again. A change
/// of state is recorded and its actions run (on the alarm job's next pass), as CloudWatch's do.
/// </summary>
internal sealed record SetAlarmState(string AlarmName, string? StateValue, string? StateReason, string? StateReasonData)
    : IRequest<MetricAlarmResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("cloudwatch:SetAlarmState", AlarmLookup.Arn(region, caller.AccountId, AlarmName));

    public void Validate()
    {
        AlarmLookup.EnsureWellFormedName(AlarmName);
        if (StateValue is not (AlarmStates.Ok or AlarmStates.Alarm or AlarmStates.InsufficientData))
        {
            throw ApiErrors.InvalidParameterValue($"The state value '{StateValue}' is not one of OK, ALARM, INSUFFICIENT_DATA.");
        }

        if (string.IsNullOrEmpty(StateReason) || StateReason.Length > 1023)
        {
            throw ApiErrors.InvalidParameterValue("The parameter StateReason must be 1 to 1023 characters.");
        }

        if (StateReasonData is not null)
        {
            try
            {
                using var _ = JsonDocument.Parse(StateReasonData);
            }
            catch (JsonException)
            {
                throw new ApiException(400, "InvalidFormat", "The parameter StateReasonData is not well-formed JSON.");
            }
        }
    }
}

internal sealed class SetAlarmStateHandler(ComputeDbContext db, ICallerContext caller, IOptions<PlatformOptions> platform, TimeProvider clock)
    : IRequestHandler<SetAlarmState, MetricAlarmResponse>
{
    public async ValueTask<MetricAlarmResponse> Handle(SetAlarmState request, CancellationToken cancellationToken) =>
        await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var alarm = await AlarmLookup.OwnedAsync(db, caller.Identity.AccountId, request.AlarmName, cancellationToken);
            if (alarm.StateValue != request.StateValue)
            {
                AlarmLookup.Transition(db, alarm, request.StateValue!, request.StateReason!, request.StateReasonData, clock.GetUtcNow().UtcDateTime);
                await db.SaveChangesAsync(cancellationToken);
            }

            return AlarmLookup.Response(platform.Value.Region, alarm);
        });
}
