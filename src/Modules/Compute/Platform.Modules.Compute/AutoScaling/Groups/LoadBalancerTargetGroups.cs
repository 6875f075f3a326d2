using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.Groups;

/// <summary>
/// Auto Scaling's AttachLoadBalancerTargetGroups: the target groups (the account's, in the group's VPC, of instances) join
/// the group's; the group's job registers its instances in service there on its next pass. All or nothing.
/// </summary>
internal sealed record AttachLoadBalancerTargetGroups(string AutoScalingGroupName, List<string>? TargetGroupArns)
    : IRequest<Unit>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:AttachLoadBalancerTargetGroups", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate() => TargetGroupList.Ensure(AutoScalingGroupName, TargetGroupArns);
}

internal sealed class AttachLoadBalancerTargetGroupsHandler(ComputeDbContext db, ISender sender, ICallerContext caller)
    : IRequestHandler<AttachLoadBalancerTargetGroups, Unit>
{
    public async ValueTask<Unit> Handle(AttachLoadBalancerTargetGroups request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        return await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var group = await ScalingGroupLookup.OwnedAsync(db, accountId, request.AutoScalingGroupName, cancellationToken);
            ScalingGroupLookup.EnsureNotDeleting(group);
            var asked = request.TargetGroupArns!.Distinct(StringComparer.Ordinal).ToList();
            await GroupSettings.EnsureTargetGroupsAsync(sender, accountId, group.VpcId!, asked, cancellationToken);
            var arns = ScalingGroupLookup.Json<string>(group.TargetGroupArns).Union(asked, StringComparer.Ordinal).ToList();
            if (arns.Count > TargetGroupList.Max)
            {
                throw ApiErrors.ValidationError($"A group takes at most {TargetGroupList.Max} target groups; this would make it {arns.Count}.");
            }

            group.TargetGroupArns = JsonSerializer.Serialize(arns);
            group.Revision++;
            await db.SaveChangesAsync(cancellationToken);
            return Unit.Value;
        });
    }
}

/// <summary>
/// Auto Scaling's DetachLoadBalancerTargetGroups: the target groups leave the group's, and its instances are deregistered
/// from them (they drain for the target group's deregistration delay and keep running). Target groups the group does not
/// have are ignored, as AWS does.
/// </summary>
internal sealed record DetachLoadBalancerTargetGroups(string AutoScalingGroupName, List<string>? TargetGroupArns)
    : IRequest<Unit>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:DetachLoadBalancerTargetGroups", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate() => TargetGroupList.Ensure(AutoScalingGroupName, TargetGroupArns);
}

internal sealed class DetachLoadBalancerTargetGroupsHandler(ComputeDbContext db, ISender sender, ICallerContext caller)
    : IRequestHandler<DetachLoadBalancerTargetGroups, Unit>
{
    public async ValueTask<Unit> Handle(DetachLoadBalancerTargetGroups request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var (group, removed) = await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var group = await ScalingGroupLookup.OwnedAsync(db, accountId, request.AutoScalingGroupName, cancellationToken);
            var current = ScalingGroupLookup.Json<string>(group.TargetGroupArns);
            var removed = current.Intersect(request.TargetGroupArns!, StringComparer.Ordinal).ToList();
            group.TargetGroupArns = JsonSerializer.Serialize(current.Except(removed, StringComparer.Ordinal).ToList());
            group.Revision++;
            await db.SaveChangesAsync(cancellationToken);
            return (group, removed);
        });

        // After the save: the group's job no longer registers anything there, so the deregistration stays.
        var instanceIds = await db.ScalingGroupInstances.AsNoTracking()
            .Where(i => i.GroupId == group.Id && i.InstanceId != null && i.LifecycleState != LifecycleStates.Terminated)
            .Select(i => i.InstanceId!).ToListAsync(cancellationToken);
        foreach (var arn in removed)
        {
            try
            {
                await sender.Send(new DeregisterGroupTargets(accountId, arn, instanceIds), cancellationToken);
            }
            catch (ApiException)
            {
                // The target group was deleted: nothing registered there any more.
            }
        }

        return Unit.Value;
    }
}

/// <summary>
/// Auto Scaling's DescribeLoadBalancerTargetGroups: each target group of the group with its state, as AWS words it:
/// <c>InService</c> once one of the group's instances passes its health checks there, <c>Added</c> when all the group's
/// instances in service are registered, <c>Adding</c> before.
/// </summary>
internal sealed record DescribeLoadBalancerTargetGroups(string AutoScalingGroupName)
    : IRequest<LoadBalancerTargetGroupsResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("autoscaling:DescribeLoadBalancerTargetGroups", "*");
}

internal sealed record LoadBalancerTargetGroupState(string LoadBalancerTargetGroupArn, string State);

internal sealed record LoadBalancerTargetGroupsResponse(IReadOnlyList<LoadBalancerTargetGroupState> LoadBalancerTargetGroups);

internal sealed class DescribeLoadBalancerTargetGroupsHandler(ComputeDbContext db, ISender sender, ICallerContext caller)
    : IRequestHandler<DescribeLoadBalancerTargetGroups, LoadBalancerTargetGroupsResponse>
{
    public async ValueTask<LoadBalancerTargetGroupsResponse> Handle(DescribeLoadBalancerTargetGroups request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var group = await ScalingGroupLookup.OwnedAsync(db, accountId, request.AutoScalingGroupName, cancellationToken);
        var inService = await db.ScalingGroupInstances.AsNoTracking()
            .Where(i => i.GroupId == group.Id && i.InstanceId != null && i.LifecycleState == LifecycleStates.InService)
            .Select(i => i.InstanceId!).ToListAsync(cancellationToken);
        var states = new List<LoadBalancerTargetGroupState>();
        foreach (var arn in ScalingGroupLookup.Json<string>(group.TargetGroupArns))
        {
            IReadOnlyList<GroupTargetHealth> health;
            try
            {
                health = await sender.Send(new DescribeGroupTargetHealth(accountId, arn), cancellationToken);
            }
            catch (ApiException)
            {
                health = [];
            }

            var mine = health.Where(h => inService.Contains(h.InstanceId) && h.State != "draining").ToList();
            var state = mine.Any(h => h.State == "healthy") ? "InService"
                : inService.All(i => mine.Any(h => h.InstanceId == i)) ? "Added"
                : "Adding";
            states.Add(new LoadBalancerTargetGroupState(arn, state));
        }

        return new LoadBalancerTargetGroupsResponse(states);
    }
}

internal static class TargetGroupList
{
    public const int Max = 50;

    public static void Ensure(string groupName, List<string>? arns)
    {
        ScalingGroupLookup.EnsureName(groupName);
        if (arns is not { Count: > 0 })
        {
            throw ApiErrors.ValidationError("The request must contain target_group_arns (1 to 50 target group ARNs).");
        }

        GroupSettings.EnsureOthers(null, null, null, null, null, arns);
    }
}
