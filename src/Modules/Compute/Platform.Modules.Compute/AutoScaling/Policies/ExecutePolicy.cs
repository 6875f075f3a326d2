using System.Globalization;
using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.AutoScaling.Groups;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Compute.AutoScaling.Policies;

/// <summary>
/// Auto Scaling's ExecutePolicy for a step or simple policy: the new desired capacity by the policy's arithmetic
/// (<see cref="ScalingArithmetic"/>); a step policy needs the metric value and the breach threshold, as an alarm would give
/// them. A simple policy in its cooldown refuses with ScalingActivityInProgress when asked to honour it. A CloudWatch alarm's
/// action executes the policy the same way, <paramref name="TriggeredBy"/> naming it (never bound from a request's body).
/// </summary>
internal sealed record ExecutePolicy(string AutoScalingGroupName, string PolicyName, bool? HonorCooldown, double? MetricValue, double? BreachThreshold,
    AlarmTrigger? TriggeredBy = null)
    : IRequest<ScalingGroupResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:ExecutePolicy", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));
}

/// <summary>The alarm whose action executes a policy, and the state it went into, for the activity's cause as AWS words it.</summary>
internal sealed record AlarmTrigger(string AlarmName, string State);

internal sealed class ExecutePolicyHandler(ComputeDbContext db, ICallerContext caller, IOptions<PlatformOptions> platform, TimeProvider clock)
    : IRequestHandler<ExecutePolicy, ScalingGroupResponse>
{
    public async ValueTask<ScalingGroupResponse> Handle(ExecutePolicy request, CancellationToken cancellationToken) =>
        await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
            ScalingGroupLookup.EnsureNotDeleting(group);
            var policy = await db.ScalingPolicies.SingleOrDefaultAsync(p => p.GroupId == group.Id && p.Name == request.PolicyName, cancellationToken)
                ?? throw ApiErrors.ValidationError($"Policy '{request.PolicyName}' of group '{group.Name}' not found.");
            var now = clock.GetUtcNow().UtcDateTime;
            int next;
            switch (policy.PolicyType)
            {
                case PolicyTypes.Simple:
                    var cooldown = request.HonorCooldown == true ? TimeSpan.FromSeconds(policy.Cooldown ?? group.DefaultCooldown) : TimeSpan.Zero;
                    next = ScalingArithmetic.SimpleScaling(group.DesiredCapacity, policy.AdjustmentType!, policy.ScalingAdjustment!.Value, policy.MinAdjustmentMagnitude,
                        group.MinSize, group.MaxSize, now, policy.LastScaledAt, cooldown)
                        ?? throw new ApiException(400, "ScalingActivityInProgress", $"The policy {policy.Name} is in its cooldown until {Time(policy.LastScaledAt!.Value + cooldown)}.");
                    break;
                case PolicyTypes.Step:
                    if (request.MetricValue is not { } value || request.BreachThreshold is not { } threshold)
                    {
                        throw ApiErrors.ValidationError("A step scaling policy is executed with metric_value and breach_threshold.");
                    }

                    var steps = JsonSerializer.Deserialize<List<StepAdjustment>>(policy.StepAdjustments ?? "[]") ?? [];
                    var step = ScalingArithmetic.MatchingStep(steps, value, threshold)
                        ?? throw ApiErrors.ValidationError($"No step adjustment of {policy.Name} holds the metric value {value} for the threshold {threshold}.");
                    var warmup = TimeSpan.FromSeconds(policy.EstimatedInstanceWarmup ?? group.DefaultInstanceWarmup ?? 300);
                    var warming = await db.ScalingGroupInstances.AsNoTracking().Where(i => i.GroupId == group.Id
                            && (i.LifecycleState == LifecycleStates.Pending || i.LifecycleState == LifecycleStates.PendingWait || i.LifecycleState == LifecycleStates.PendingProceed
                                || (i.LifecycleState == LifecycleStates.InService && i.LaunchedAt != null)))
                        .ToListAsync(cancellationToken);
                    var warmingCount = warming.Count(i => LifecycleStates.IsPending(i.LifecycleState) || ScalingArithmetic.WarmingUp(i.LaunchedAt!.Value, now, warmup));
                    next = ScalingArithmetic.StepScaling(group.DesiredCapacity, warmingCount, policy.AdjustmentType!, step, policy.MinAdjustmentMagnitude,
                        group.MinSize, group.MaxSize);
                    break;
                default:
                    throw ApiErrors.ValidationError("Only step and simple scaling policies are executed; target tracking follows its metric on its own.");
            }

            if (next != group.DesiredCapacity)
            {
                group.CapacityChangeCause = request.TriggeredBy is { } alarm
                    ? $"At {Time(now)} a monitor alarm {alarm.AlarmName} in state {alarm.State} triggered policy {policy.Name} changing the desired capacity from {group.DesiredCapacity} to {next}."
                    : $"At {Time(now)} a user request executed policy {policy.Name} changing the desired capacity from {group.DesiredCapacity} to {next}.";
                group.DesiredCapacity = next;
                policy.LastScaledAt = now;
                group.Revision++;
                await db.SaveChangesAsync(cancellationToken);
            }

            return await ScalingGroupLookup.ResponseAsync(db, platform.Value.Region, group, cancellationToken);
        });

    private static string Time(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
