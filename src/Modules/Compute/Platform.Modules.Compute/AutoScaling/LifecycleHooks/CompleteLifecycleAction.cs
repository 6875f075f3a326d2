using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.AutoScaling.Groups;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.LifecycleHooks;

/// <summary>
/// Auto Scaling's CompleteLifecycleAction: the result of the action named by its token or by the instance. The result is set
/// by one conditional update (the action still open), so it races safely with the job's timeout and with a second call: the
/// later one is told no action is open. The group job applies it on its next pass.
/// </summary>
internal sealed record CompleteLifecycleAction(
    string AutoScalingGroupName,
    string LifecycleHookName,
    string? LifecycleActionToken,
    string? InstanceId,
    string? LifecycleActionResult) : IRequest<Unit>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:CompleteLifecycleAction", LifecycleHookLookup.GroupResource(region, caller.AccountId, AutoScalingGroupName));

    public void Validate()
    {
        OpenLifecycleAction.Validate(AutoScalingGroupName, LifecycleHookName, LifecycleActionToken, InstanceId);
        LifecycleHookLookup.EnsureResult(LifecycleActionResult, "lifecycleActionResult");
    }
}

internal sealed class CompleteLifecycleActionHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<CompleteLifecycleAction, Unit>
{
    public async ValueTask<Unit> Handle(CompleteLifecycleAction request, CancellationToken cancellationToken)
    {
        var action = await OpenLifecycleAction.FindAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, request.LifecycleHookName,
            request.LifecycleActionToken, request.InstanceId, cancellationToken);
        var result = request.LifecycleActionResult!;
        if (await db.LifecycleActions.Where(a => a.Token == action.Token && a.Result == null)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Result, result), cancellationToken) == 0)
        {
            throw OpenLifecycleAction.NotFound(request.LifecycleActionToken, request.InstanceId);
        }

        return Unit.Value;
    }
}

/// <summary>
/// Auto Scaling's RecordLifecycleActionHeartbeat: the open action's deadline moves to a full heartbeat timeout from now, never
/// past its global timeout.
/// </summary>
internal sealed record RecordLifecycleActionHeartbeat(
    string AutoScalingGroupName,
    string LifecycleHookName,
    string? LifecycleActionToken,
    string? InstanceId) : IRequest<Unit>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:RecordLifecycleActionHeartbeat", LifecycleHookLookup.GroupResource(region, caller.AccountId, AutoScalingGroupName));

    public void Validate() => OpenLifecycleAction.Validate(AutoScalingGroupName, LifecycleHookName, LifecycleActionToken, InstanceId);
}

internal sealed class RecordLifecycleActionHeartbeatHandler(ComputeDbContext db, ICallerContext caller, TimeProvider clock)
    : IRequestHandler<RecordLifecycleActionHeartbeat, Unit>
{
    public async ValueTask<Unit> Handle(RecordLifecycleActionHeartbeat request, CancellationToken cancellationToken)
    {
        var action = await OpenLifecycleAction.FindAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, request.LifecycleHookName,
            request.LifecycleActionToken, request.InstanceId, cancellationToken);
        var hook = await db.LifecycleHooks.AsNoTracking().SingleAsync(h => h.GroupId == action.GroupId && h.Name == action.HookName, cancellationToken);
        var wanted = clock.GetUtcNow().UtcDateTime.AddSeconds(hook.HeartbeatTimeout);
        var deadline = wanted < action.GlobalDeadline ? wanted : action.GlobalDeadline;
        if (await db.LifecycleActions.Where(a => a.Token == action.Token && a.Result == null)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Deadline, deadline), cancellationToken) == 0)
        {
            throw OpenLifecycleAction.NotFound(request.LifecycleActionToken, request.InstanceId);
        }

        return Unit.Value;
    }
}

/// <summary>Finds the action a caller names: of its group and hook, still open, its instance still waiting at that transition.</summary>
internal static class OpenLifecycleAction
{
    public static void Validate(string groupName, string hookName, string? token, string? instanceId)
    {
        ScalingGroupLookup.EnsureName(groupName);
        LifecycleHookLookup.EnsureHookName(hookName);
        if (token is null && instanceId is null)
        {
            throw ApiErrors.ValidationError("Either lifecycle_action_token or instance_id must be given.");
        }

        if (token is not null && (token.Length != 36 || !Guid.TryParse(token, out _)))
        {
            throw ApiErrors.ValidationError($"Value '{token}' at 'lifecycleActionToken' failed to satisfy constraint: Member must have length 36.");
        }

        if (instanceId is not null)
        {
            InstanceLookup.EnsureWellFormed(instanceId);
        }
    }

    public static ApiException NotFound(string? token, string? instanceId) => ApiErrors.ValidationError(token is not null
        ? $"No active Lifecycle Action found with token {token}"
        : $"No active Lifecycle Action found with instance ID {instanceId}");

    public static async Task<LifecycleAction> FindAsync(ComputeDbContext db, string accountId, string groupName, string hookName, string? token, string? instanceId,
        CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, accountId, groupName, cancellationToken);
        var open = await db.LifecycleActions.AsNoTracking()
            .Where(a => a.GroupId == group.Id && a.HookName == hookName && a.Result == null
                && (token == null || a.Token == token) && (instanceId == null || a.InstanceId == instanceId))
            .ToListAsync(cancellationToken);
        foreach (var action in open)
        {
            var waiting = action.Transition == LifecycleHookLookup.Launching ? LifecycleStates.PendingWait : LifecycleStates.TerminatingWait;
            if (await db.ScalingGroupInstances.AnyAsync(i => i.ClientToken == action.MemberToken && i.LifecycleState == waiting, cancellationToken))
            {
                return action;
            }
        }

        throw NotFound(token, instanceId);
    }
}
