using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.Groups;

/// <summary>
/// Auto Scaling's DeleteAutoScalingGroup: refused (ResourceInUse) while the group has instances, unless forced; forced, the
/// group shows <c>Delete in progress</c> while its job terminates its instances, and goes when none is left.
/// </summary>
internal sealed record DeleteAutoScalingGroup(string AutoScalingGroupName, bool ForceDelete) : IRequest, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:DeleteAutoScalingGroup", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate() => ScalingGroupLookup.EnsureName(AutoScalingGroupName);
}

internal sealed class DeleteAutoScalingGroupHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DeleteAutoScalingGroup>
{
    public async ValueTask<Unit> Handle(DeleteAutoScalingGroup request, CancellationToken cancellationToken) =>
        await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
            var members = await db.ScalingGroupInstances.CountAsync(i => i.GroupId == group.Id && i.LifecycleState != LifecycleStates.Terminated, cancellationToken);
            if (members > 0 && !request.ForceDelete)
            {
                throw new ApiException(400, "ResourceInUse", "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.");
            }

            group.Status = ScalingGroupLookup.DeleteInProgress;
            group.MinSize = 0;
            group.MaxSize = 0;
            group.DesiredCapacity = 0;
            group.Revision++;
            if (members == 0)
            {
                db.ScalingGroups.Remove(group);
                await db.ScalingActivities.Where(a => a.GroupId == group.Id).ExecuteDeleteAsync(cancellationToken);
                await db.ScheduledActions.Where(a => a.GroupId == group.Id).ExecuteDeleteAsync(cancellationToken);
                await db.LifecycleActions.Where(a => a.GroupId == group.Id).ExecuteDeleteAsync(cancellationToken);
                await db.LifecycleHooks.Where(h => h.GroupId == group.Id).ExecuteDeleteAsync(cancellationToken);
                await db.InstanceRefreshes.Where(r => r.GroupId == group.Id).ExecuteDeleteAsync(cancellationToken);
                await db.ScalingGroupInstances.Where(i => i.GroupId == group.Id).ExecuteDeleteAsync(cancellationToken);
            }

            await db.SaveChangesAsync(cancellationToken);
            return Unit.Value;
        });
}
