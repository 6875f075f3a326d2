using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.AutoScaling.Groups;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.LifecycleHooks;

/// <summary>
/// Auto Scaling's PutLifecycleHook: creates the group's hook (a transition is then required) or changes the one of that name.
/// Instances already waiting keep the deadline they have; the new timeout applies to the next heartbeat and the next wait.
/// </summary>
internal sealed record PutLifecycleHook(
    string AutoScalingGroupName,
    string LifecycleHookName,
    string? LifecycleTransition,
    int? HeartbeatTimeout,
    string? DefaultResult,
    string? NotificationMetadata) : IRequest<Unit>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:PutLifecycleHook", LifecycleHookLookup.GroupResource(region, caller.AccountId, AutoScalingGroupName));

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        LifecycleHookLookup.EnsureHookName(LifecycleHookName);
        if (LifecycleTransition is not (null or LifecycleHookLookup.Launching or LifecycleHookLookup.Terminating))
        {
            throw ApiErrors.ValidationError(
                $"Invalid Lifecycle Transition: '{LifecycleTransition}'. It must be {LifecycleHookLookup.Launching} or {LifecycleHookLookup.Terminating}.");
        }

        if (HeartbeatTimeout is < LifecycleHookLookup.MinHeartbeatTimeout or > LifecycleHookLookup.MaxHeartbeatTimeout)
        {
            throw ApiErrors.ValidationError(
                $"Heartbeat timeout must be between {LifecycleHookLookup.MinHeartbeatTimeout} and {LifecycleHookLookup.MaxHeartbeatTimeout} seconds.");
        }

        if (DefaultResult is not null)
        {
            LifecycleHookLookup.EnsureResult(DefaultResult, "defaultResult");
        }

        if (NotificationMetadata is { Length: > 4000 } || NotificationMetadata?.Any(char.IsControl) == true)
        {
            throw ApiErrors.ValidationError("notification_metadata must be at most 4000 printable characters.");
        }
    }
}

internal sealed class PutLifecycleHookHandler(ComputeDbContext db, ICallerContext caller, TimeProvider clock) : IRequestHandler<PutLifecycleHook, Unit>
{
    public async ValueTask<Unit> Handle(PutLifecycleHook request, CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
        ScalingGroupLookup.EnsureNotDeleting(group);
        var hook = await db.LifecycleHooks.SingleOrDefaultAsync(h => h.GroupId == group.Id && h.Name == request.LifecycleHookName, cancellationToken);
        if (hook is null)
        {
            if (request.LifecycleTransition is null)
            {
                throw ApiErrors.ValidationError("A new lifecycle hook needs its lifecycle_transition.");
            }

            if (await db.LifecycleHooks.CountAsync(h => h.GroupId == group.Id, cancellationToken) >= LifecycleHookLookup.MaxPerGroup)
            {
                throw new ApiException(400, "LimitExceeded",
                    $"Auto Scaling group {group.Name} already has {LifecycleHookLookup.MaxPerGroup} lifecycle hooks, the most it can have.");
            }

            db.LifecycleHooks.Add(new LifecycleHook
            {
                Id = Guid.NewGuid().ToString(),
                GroupId = group.Id,
                AccountId = group.AccountId,
                Name = request.LifecycleHookName,
                Transition = request.LifecycleTransition,
                HeartbeatTimeout = request.HeartbeatTimeout ?? LifecycleHookLookup.DefaultHeartbeatTimeout,
                DefaultResult = request.DefaultResult ?? LifecycleHookLookup.Abandon,
                NotificationMetadata = request.NotificationMetadata,
                CreatedAt = clock.GetUtcNow().UtcDateTime,
            });
        }
        else
        {
            hook.Transition = request.LifecycleTransition ?? hook.Transition;
            hook.HeartbeatTimeout = request.HeartbeatTimeout ?? hook.HeartbeatTimeout;
            hook.DefaultResult = request.DefaultResult ?? hook.DefaultResult;
            hook.NotificationMetadata = request.NotificationMetadata ?? hook.NotificationMetadata;
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two creations of one name at once: the unique index keeps one; the other caller is told to try again, as AWS does.
            throw new ApiException(500, "ResourceContention", $"The lifecycle hook {request.LifecycleHookName} is being changed by another request; try again.");
        }

        return Unit.Value;
    }
}

/// <summary>Auto Scaling's DescribeLifecycleHooks: the group's hooks, or those named (names it lacks are left out).</summary>
internal sealed record DescribeLifecycleHooks(string AutoScalingGroupName, IReadOnlyList<string> LifecycleHookNames)
    : IRequest<LifecycleHooksResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("autoscaling:DescribeLifecycleHooks", "*");

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        if (LifecycleHookNames.Count > LifecycleHookLookup.MaxPerGroup)
        {
            throw ApiErrors.ValidationError($"At most {LifecycleHookLookup.MaxPerGroup} lifecycle hook names may be given.");
        }

        foreach (var name in LifecycleHookNames)
        {
            LifecycleHookLookup.EnsureHookName(name);
        }
    }
}

internal sealed class DescribeLifecycleHooksHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DescribeLifecycleHooks, LifecycleHooksResponse>
{
    public async ValueTask<LifecycleHooksResponse> Handle(DescribeLifecycleHooks request, CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
        var names = request.LifecycleHookNames.ToList();
        var hooks = await db.LifecycleHooks.AsNoTracking().Where(h => h.GroupId == group.Id && (names.Count == 0 || names.Contains(h.Name)))
            .OrderBy(h => h.Name).ToListAsync(cancellationToken);
        return new LifecycleHooksResponse(hooks.Select(h => LifecycleHookLookup.Response(h, group.Name)).ToList());
    }
}

/// <summary>
/// Auto Scaling's DeleteLifecycleHook. Instances waiting at it stop waiting: the group job finds their actions' hook gone and
/// applies ABANDON to a launch and CONTINUE to a termination, as AWS does for outstanding actions of a deleted hook.
/// </summary>
internal sealed record DeleteLifecycleHook(string AutoScalingGroupName, string LifecycleHookName) : IRequest<Unit>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:DeleteLifecycleHook", LifecycleHookLookup.GroupResource(region, caller.AccountId, AutoScalingGroupName));

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        LifecycleHookLookup.EnsureHookName(LifecycleHookName);
    }
}

internal sealed class DeleteLifecycleHookHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DeleteLifecycleHook, Unit>
{
    public async ValueTask<Unit> Handle(DeleteLifecycleHook request, CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
        var deleted = await db.LifecycleHooks.Where(h => h.GroupId == group.Id && h.Name == request.LifecycleHookName).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            throw ApiErrors.ValidationError($"No Lifecycle Hook found with name {request.LifecycleHookName} for group {group.Name}");
        }

        return Unit.Value;
    }
}
