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
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.Policies;

internal sealed record PredefinedMetricSpecification(string? PredefinedMetricType, string? ResourceLabel);

internal sealed record TargetTrackingConfiguration(PredefinedMetricSpecification? PredefinedMetricSpecification, double? TargetValue, bool? DisableScaleIn);

internal sealed record ScalingPolicyResponse(
    string PolicyArn,
    string PolicyName,
    string AutoScalingGroupName,
    string PolicyType,
    string? AdjustmentType,
    int? ScalingAdjustment,
    int? MinAdjustmentMagnitude,
    int? Cooldown,
    IReadOnlyList<StepAdjustment> StepAdjustments,
    int? EstimatedInstanceWarmup,
    TargetTrackingConfiguration? TargetTrackingConfiguration,
    bool Enabled);

internal sealed record ScalingPoliciesResponse(IReadOnlyList<ScalingPolicyResponse> ScalingPolicies);

internal static class PolicyTypes
{
    public const string TargetTracking = "TargetTrackingScaling";
    public const string Step = "StepScaling";
    public const string Simple = "SimpleScaling";

    /// <summary>The group metrics target tracking follows here; ALBRequestCountPerTarget waits for the load balancers' request counts.</summary>
    public static readonly IReadOnlyList<string> Metrics = ["ASGAverageCPUUtilization", "ASGAverageNetworkIn", "ASGAverageNetworkOut"];
}

/// <summary>
/// Auto Scaling's PutScalingPolicy (creates or replaces by name). Target tracking follows the group's average CPU or
/// network per instance, evaluated by the group job; step and simple policies act when ExecutePolicy (or an alarm) calls them.
/// </summary>
internal sealed record PutScalingPolicy(
    string AutoScalingGroupName,
    string? PolicyName,
    string? PolicyType,
    string? AdjustmentType,
    int? ScalingAdjustment,
    int? MinAdjustmentMagnitude,
    int? Cooldown,
    List<StepAdjustment>? StepAdjustments,
    int? EstimatedInstanceWarmup,
    TargetTrackingConfiguration? TargetTrackingConfiguration,
    bool? Enabled) : IRequest<ScalingPolicyResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:PutScalingPolicy", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        if (string.IsNullOrEmpty(PolicyName) || PolicyName.Length > 255 || PolicyName.Contains(':', StringComparison.Ordinal))
        {
            throw ApiErrors.ValidationError("policy_name must be 1 to 255 characters without ':'.");
        }

        if (Cooldown is < 0 or > 86400 || EstimatedInstanceWarmup is < 0 or > 86400)
        {
            throw ApiErrors.ValidationError("cooldown and estimated_instance_warmup are seconds from 0 to 86400.");
        }

        switch (PolicyType ?? PolicyTypes.Simple)
        {
            case PolicyTypes.TargetTracking:
                var metric = TargetTrackingConfiguration?.PredefinedMetricSpecification?.PredefinedMetricType;
                if (TargetTrackingConfiguration?.TargetValue is not > 0 || metric is null)
                {
                    throw ApiErrors.ValidationError("A target tracking policy needs target_tracking_configuration with a predefined_metric_specification and a target_value above 0.");
                }

                if (metric == "ALBRequestCountPerTarget")
                {
                    throw ApiErrors.ValidationError("ALBRequestCountPerTarget needs the load balancers' request counts, which this platform does not collect yet.");
                }

                if (!PolicyTypes.Metrics.Contains(metric))
                {
                    throw ApiErrors.ValidationError($"Predefined metric type '{metric}' is not one of {string.Join(", ", PolicyTypes.Metrics)}.");
                }

                break;
            case PolicyTypes.Step:
                EnsureAdjustmentType();
                if (StepAdjustments is not { Count: > 0 } steps)
                {
                    throw ApiErrors.ValidationError("A step scaling policy needs step_adjustments.");
                }

                EnsureSteps(steps);
                break;
            case PolicyTypes.Simple:
                EnsureAdjustmentType();
                if (ScalingAdjustment is null)
                {
                    throw ApiErrors.ValidationError("A simple scaling policy needs scaling_adjustment.");
                }

                break;
            default:
                throw ApiErrors.ValidationError($"Policy type '{PolicyType}' is not one of {PolicyTypes.TargetTracking}, {PolicyTypes.Step}, {PolicyTypes.Simple}.");
        }
    }

    private void EnsureAdjustmentType()
    {
        if (AdjustmentType is null || !AdjustmentTypes.All.Contains(AdjustmentType))
        {
            throw ApiErrors.ValidationError($"adjustment_type must be one of {string.Join(", ", AdjustmentTypes.All)}.");
        }

        if (MinAdjustmentMagnitude is not null && (AdjustmentType != AdjustmentTypes.PercentChangeInCapacity || MinAdjustmentMagnitude < 1))
        {
            throw ApiErrors.ValidationError("min_adjustment_magnitude is a positive number and only for PercentChangeInCapacity.");
        }
    }

    /// <summary>AWS's rules: intervals that do not overlap and leave no gap, at most one unbounded below and one above.</summary>
    private static void EnsureSteps(List<StepAdjustment> steps)
    {
        var ordered = steps.OrderBy(s => s.MetricIntervalLowerBound ?? double.NegativeInfinity).ToList();
        if (ordered.Any(s => s.MetricIntervalLowerBound is { } low && s.MetricIntervalUpperBound is { } high && high <= low))
        {
            throw ApiErrors.ValidationError("Each step's upper bound must be above its lower bound.");
        }

        for (var i = 1; i < ordered.Count; i++)
        {
            if (ordered[i - 1].MetricIntervalUpperBound != ordered[i].MetricIntervalLowerBound)
            {
                throw ApiErrors.ValidationError("Step adjustments must not overlap nor leave gaps between their bounds.");
            }
        }

        if (ordered.Count(s => s.MetricIntervalLowerBound is null) > 1 || ordered.Count(s => s.MetricIntervalUpperBound is null) > 1)
        {
            throw ApiErrors.ValidationError("At most one step may be unbounded below and one above.");
        }
    }
}

internal sealed class PutScalingPolicyHandler(ComputeDbContext db, ICallerContext caller, IOptions<PlatformOptions> platform, TimeProvider clock)
    : IRequestHandler<PutScalingPolicy, ScalingPolicyResponse>
{
    public async ValueTask<ScalingPolicyResponse> Handle(PutScalingPolicy request, CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
        ScalingGroupLookup.EnsureNotDeleting(group);
        var policy = await db.ScalingPolicies.SingleOrDefaultAsync(p => p.GroupId == group.Id && p.Name == request.PolicyName, cancellationToken);
        if (policy is null)
        {
            policy = new ScalingPolicy
            {
                Id = Guid.NewGuid().ToString(),
                GroupId = group.Id,
                AccountId = group.AccountId,
                Name = request.PolicyName!,
                PolicyType = "",
                CreatedAt = clock.GetUtcNow().UtcDateTime,
            };
            db.ScalingPolicies.Add(policy);
        }

        policy.PolicyType = request.PolicyType ?? PolicyTypes.Simple;
        policy.AdjustmentType = request.AdjustmentType;
        policy.ScalingAdjustment = request.ScalingAdjustment;
        policy.MinAdjustmentMagnitude = request.MinAdjustmentMagnitude;
        policy.Cooldown = request.Cooldown;
        policy.StepAdjustments = request.StepAdjustments is null ? null : JsonSerializer.Serialize(request.StepAdjustments);
        policy.EstimatedInstanceWarmup = request.EstimatedInstanceWarmup;
        policy.PredefinedMetricType = request.TargetTrackingConfiguration?.PredefinedMetricSpecification?.PredefinedMetricType;
        policy.TargetValue = request.TargetTrackingConfiguration?.TargetValue;
        policy.DisableScaleIn = request.TargetTrackingConfiguration?.DisableScaleIn ?? false;
        policy.Enabled = request.Enabled ?? true;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw new ApiException(400, "ResourceContention", "Another request changed this policy at the same time; try again.");
        }

        return PolicyLookup.Response(platform.Value.Region, group, policy);
    }
}

internal static class PolicyLookup
{
    public static ScalingPolicyResponse Response(string region, ScalingGroup group, ScalingPolicy p) => new(
        Arns.Build("autoscaling", region, group.AccountId, $"scalingPolicy:{p.Id}:autoScalingGroupName/{group.Name}:policyName/{p.Name}"),
        p.Name, group.Name, p.PolicyType, p.AdjustmentType, p.ScalingAdjustment, p.MinAdjustmentMagnitude, p.Cooldown,
        p.StepAdjustments is null ? [] : JsonSerializer.Deserialize<List<StepAdjustment>>(p.StepAdjustments) ?? [], p.EstimatedInstanceWarmup,
        p.PolicyType == PolicyTypes.TargetTracking ? new TargetTrackingConfiguration(new PredefinedMetricSpecification(p.PredefinedMetricType, null), p.TargetValue, p.DisableScaleIn) : null,
        p.Enabled);
}

/// <summary>Auto Scaling's DescribePolicies: one group's (a group the account lacks: ValidationError), or with none named the account's, as AWS lists them.</summary>
internal sealed record DescribePolicies(string? AutoScalingGroupName) : IRequest<ScalingPoliciesResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("autoscaling:DescribePolicies", "*");
}

internal sealed class DescribePoliciesHandler(ComputeDbContext db, ICallerContext caller, IOptions<PlatformOptions> platform)
    : IRequestHandler<DescribePolicies, ScalingPoliciesResponse>
{
    public async ValueTask<ScalingPoliciesResponse> Handle(DescribePolicies request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var groups = request.AutoScalingGroupName is { } name
            ? new[] { await ScalingGroupLookup.OwnedAsync(db, accountId, name, cancellationToken) }.ToDictionary(g => g.Id)
            : await db.ScalingGroups.AsNoTracking().Where(g => g.AccountId == accountId).ToDictionaryAsync(g => g.Id, cancellationToken);
        var ids = groups.Keys.ToList();
        var policies = await db.ScalingPolicies.AsNoTracking().Where(p => p.AccountId == accountId && ids.Contains(p.GroupId)).ToListAsync(cancellationToken);
        return new ScalingPoliciesResponse(policies.Select(p => PolicyLookup.Response(platform.Value.Region, groups[p.GroupId], p))
            .OrderBy(p => p.AutoScalingGroupName, StringComparer.Ordinal).ThenBy(p => p.PolicyName, StringComparer.Ordinal).ToList());
    }
}

/// <summary>Auto Scaling's DeletePolicy.</summary>
internal sealed record DeletePolicy(string AutoScalingGroupName, string PolicyName) : IRequest, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:DeletePolicy", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));
}

internal sealed class DeletePolicyHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DeletePolicy>
{
    public async ValueTask<Unit> Handle(DeletePolicy request, CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
        if (await db.ScalingPolicies.Where(p => p.GroupId == group.Id && p.Name == request.PolicyName).ExecuteDeleteAsync(cancellationToken) == 0)
        {
            throw ApiErrors.ValidationError($"Policy '{request.PolicyName}' of group '{group.Name}' not found.");
        }

        return Unit.Value;
    }
}
