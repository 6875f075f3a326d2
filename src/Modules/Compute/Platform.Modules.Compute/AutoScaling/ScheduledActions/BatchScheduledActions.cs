using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.AutoScaling.Groups;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.ScheduledActions;

internal sealed record FailedScheduledAction(string ScheduledActionName, string ErrorCode, string ErrorMessage);

internal sealed record FailedScheduledActionsResponse(IReadOnlyList<FailedScheduledAction> FailedScheduledActions);

/// <summary>
/// Auto Scaling's BatchPutScheduledUpdateGroupAction: up to 50 actions of one group; an entry that breaks a rule is answered
/// in the failed list with its code and message, the others are saved together.
/// </summary>
internal sealed record BatchPutScheduledUpdateGroupAction(string AutoScalingGroupName, List<ScheduledActionSettings>? ScheduledUpdateGroupActions)
    : IRequest<FailedScheduledActionsResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:BatchPutScheduledUpdateGroupAction", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        if (ScheduledUpdateGroupActions is not { Count: > 0 and <= 50 } actions)
        {
            throw ApiErrors.ValidationError("scheduled_update_group_actions must hold 1 to 50 actions.");
        }

        if (actions.GroupBy(a => a.ScheduledActionName).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw ApiErrors.ValidationError($"The scheduled action '{twice.Key}' is named more than once.");
        }
    }
}

internal sealed class BatchPutScheduledUpdateGroupActionHandler(ComputeDbContext db, ICallerContext caller, TimeProvider clock)
    : IRequestHandler<BatchPutScheduledUpdateGroupAction, FailedScheduledActionsResponse>
{
    public async ValueTask<FailedScheduledActionsResponse> Handle(BatchPutScheduledUpdateGroupAction request, CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
        ScalingGroupLookup.EnsureNotDeleting(group);
        var now = clock.GetUtcNow().UtcDateTime;
        var failed = new List<FailedScheduledAction>();
        foreach (var settings in request.ScheduledUpdateGroupActions!)
        {
            try
            {
                settings.Validate();
                await ScheduledActionLookup.PutAsync(db, group, settings, now, cancellationToken);
            }
            catch (ApiException e)
            {
                failed.Add(new FailedScheduledAction(settings.ScheduledActionName ?? "", e.Code, e.Message));
            }
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw ScheduledActionLookup.Contention();
        }

        return new FailedScheduledActionsResponse(failed);
    }
}

/// <summary>Auto Scaling's BatchDeleteScheduledAction: names the group lacks come back in the failed list; the others are deleted.</summary>
internal sealed record BatchDeleteScheduledAction(string AutoScalingGroupName, List<string>? ScheduledActionNames)
    : IRequest<FailedScheduledActionsResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:BatchDeleteScheduledAction", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        if (ScheduledActionNames is not { Count: > 0 and <= 50 })
        {
            throw ApiErrors.ValidationError("scheduled_action_names must hold 1 to 50 names.");
        }
    }
}

internal sealed class BatchDeleteScheduledActionHandler(ComputeDbContext db, ICallerContext caller)
    : IRequestHandler<BatchDeleteScheduledAction, FailedScheduledActionsResponse>
{
    public async ValueTask<FailedScheduledActionsResponse> Handle(BatchDeleteScheduledAction request, CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
        var names = request.ScheduledActionNames!.Distinct(StringComparer.Ordinal).ToList();
        var failed = new List<FailedScheduledAction>();
        foreach (var name in names)
        {
            if (await db.ScheduledActions.Where(a => a.GroupId == group.Id && a.Name == name).ExecuteDeleteAsync(cancellationToken) == 0)
            {
                var error = ScheduledActionLookup.NotFound(name);
                failed.Add(new FailedScheduledAction(name, error.Code, error.Message));
            }
        }

        return new FailedScheduledActionsResponse(failed);
    }
}
