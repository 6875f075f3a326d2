using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.AutoScaling.Groups;

internal sealed record GroupLaunchTemplate(string? LaunchTemplateId, string? LaunchTemplateName, string? Version);

internal sealed record GroupTag(string? Key, string? Value, bool? PropagateAtLaunch);

internal sealed record GroupTagResponse(string ResourceId, string ResourceType, string Key, string Value, bool PropagateAtLaunch);

internal sealed record SuspendedProcess(string ProcessName, string SuspensionReason);

/// <summary>A metric collected for the group (EnableMetricsCollection), as DescribeAutoScalingGroups lists it.</summary>
internal sealed record EnabledMetric(string Metric, string Granularity);

internal sealed record GroupInstanceResponse(
    string InstanceId,
    string AutoScalingGroupName,
    string AvailabilityZone,
    string LifecycleState,
    string HealthStatus,
    GroupLaunchTemplate LaunchTemplate,
    bool ProtectedFromScaleIn);

internal sealed record ScalingGroupResponse(
    string AutoScalingGroupName,
    string AutoScalingGroupArn,
    GroupLaunchTemplate LaunchTemplate,
    int MinSize,
    int MaxSize,
    int DesiredCapacity,
    int DefaultCooldown,
    IReadOnlyList<string> AvailabilityZones,
    string HealthCheckType,
    int HealthCheckGracePeriod,
    IReadOnlyList<GroupInstanceResponse> Instances,
    DateTime CreatedTime,
    IReadOnlyList<SuspendedProcess> SuspendedProcesses,
    string VpcZoneIdentifier,
    IReadOnlyList<string> TerminationPolicies,
    bool NewInstancesProtectedFromScaleIn,
    IReadOnlyList<GroupTagResponse> Tags,
    IReadOnlyList<string> TargetGroupArns,
    string? Status,
    int? DefaultInstanceWarmup,
    IReadOnlyList<EnabledMetric> EnabledMetrics);

/// <summary>Auto Scaling's lifecycle states for a group's instances.</summary>
internal static class LifecycleStates
{
    public const string Pending = "Pending";

    /// <summary>Launched, waiting at the group's launch lifecycle hooks until each action completes or times out.</summary>
    public const string PendingWait = "Pending:Wait";

    /// <summary>Every launch action completed with CONTINUE: in service once the instance runs.</summary>
    public const string PendingProceed = "Pending:Proceed";
    public const string InService = "InService";
    public const string Terminating = "Terminating";

    /// <summary>
    /// Deregistered from the group's target groups and draining for their deregistration delay, then waiting at the group's
    /// termination lifecycle hooks; terminated after both.
    /// </summary>
    public const string TerminatingWait = "Terminating:Wait";
    public const string Terminated = "Terminated";

    /// <summary>Launched or launching, not yet in service: counted in the group's capacity and as warming up.</summary>
    public static bool IsPending(string state) => state is Pending or PendingWait or PendingProceed;
}

/// <summary>The processes a group can suspend, as Auto Scaling names them.</summary>
internal static class ScalingProcesses
{
    public const string Launch = nameof(Launch);
    public const string Terminate = nameof(Terminate);
    public const string HealthCheck = nameof(HealthCheck);
    public const string ReplaceUnhealthy = nameof(ReplaceUnhealthy);
    public const string AZRebalance = nameof(AZRebalance);
    public const string AlarmNotification = nameof(AlarmNotification);
    public const string ScheduledActions = nameof(ScheduledActions);
    public const string AddToLoadBalancer = nameof(AddToLoadBalancer);
    public const string InstanceRefresh = nameof(InstanceRefresh);

    public static readonly IReadOnlyList<string> All =
        [Launch, Terminate, HealthCheck, ReplaceUnhealthy, AZRebalance, AlarmNotification, ScheduledActions, AddToLoadBalancer, InstanceRefresh];
}

internal static partial class ScalingGroupLookup
{
    public const string DeleteInProgress = "Delete in progress";

    public static readonly IReadOnlyList<string> TerminationPolicyNames =
        ["Default", "OldestInstance", "NewestInstance", "OldestLaunchTemplate", "OldestLaunchConfiguration", "ClosestToNextInstanceHour", "AllocationStrategy"];

    public static string Arn(string region, ScalingGroup group) =>
        Arns.Build("autoscaling", region, group.AccountId, $"autoScalingGroup:{group.Id}:autoScalingGroupName/{group.Name}");

    public static void EnsureName(string? name)
    {
        if (name is null || !Name().IsMatch(name))
        {
            throw ApiErrors.ValidationError("auto_scaling_group_name must be 1 to 255 characters, without ':' or control characters.");
        }
    }

    /// <summary>The account's group; another account's is as absent as a missing one, in Auto Scaling's words.</summary>
    public static async Task<ScalingGroup> OwnedAsync(ComputeDbContext db, string accountId, string? name, CancellationToken cancellationToken)
    {
        EnsureName(name);
        return await db.ScalingGroups.SingleOrDefaultAsync(g => g.AccountId == accountId && g.Name == name, cancellationToken)
            ?? throw NotFound(name!);
    }

    public static void EnsureNotDeleting(ScalingGroup group)
    {
        if (group.Status == DeleteInProgress)
        {
            throw new ApiException(400, "ScalingActivityInProgress", $"The group {group.Name} is being deleted.");
        }
    }

    public static ApiException NotFound(string name) => ApiErrors.ValidationError($"AutoScalingGroup name not found - AutoScalingGroup '{name}' not found");

    public static IReadOnlyList<T> Json<T>(string json) => JsonSerializer.Deserialize<List<T>>(json) ?? [];

    public static async Task<ScalingGroupResponse> ResponseAsync(ComputeDbContext db, string region, ScalingGroup group, CancellationToken cancellationToken)
    {
        var template = await db.LaunchTemplates.AsNoTracking().Where(t => t.Id == group.LaunchTemplateId).Select(t => t.Name).SingleOrDefaultAsync(cancellationToken);
        var members = await db.ScalingGroupInstances.AsNoTracking()
            .Where(i => i.GroupId == group.Id && i.InstanceId != null && i.LifecycleState != LifecycleStates.Terminated)
            .OrderBy(i => i.CreatedAt).ToListAsync(cancellationToken);
        var launchTemplate = new GroupLaunchTemplate(group.LaunchTemplateId, template, group.LaunchTemplateVersion);
        // An instance refresh's desired configuration may have launched some from another template.
        var otherIds = members.Where(m => m.LaunchTemplateId is not null && m.LaunchTemplateId != group.LaunchTemplateId).Select(m => m.LaunchTemplateId!).Distinct().ToList();
        var others = otherIds.Count == 0 ? new Dictionary<string, string>()
            : await db.LaunchTemplates.AsNoTracking().Where(t => otherIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, cancellationToken);
        return new ScalingGroupResponse(group.Name, Arn(region, group), launchTemplate, group.MinSize, group.MaxSize, group.DesiredCapacity, group.DefaultCooldown,
            Json<string>(group.AvailabilityZones).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), group.HealthCheckType, group.HealthCheckGracePeriod,
            members.Select(m => new GroupInstanceResponse(m.InstanceId!, group.Name, m.AvailabilityZone, m.LifecycleState, m.HealthStatus,
                (m.LaunchTemplateId is { } other && other != group.LaunchTemplateId
                    ? new GroupLaunchTemplate(other, others.GetValueOrDefault(other), null)
                    : launchTemplate) with { Version = m.LaunchTemplateVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) }, m.ProtectedFromScaleIn)).ToList(),
            group.CreatedAt, Json<SuspendedProcess>(group.SuspendedProcesses), string.Join(',', Json<string>(group.Subnets)), Json<string>(group.TerminationPolicies),
            group.NewInstancesProtectedFromScaleIn,
            Json<GroupTag>(group.Tags).Select(t => new GroupTagResponse(group.Name, "auto-scaling-group", t.Key!, t.Value ?? "", t.PropagateAtLaunch ?? false)).ToList(),
            Json<string>(group.TargetGroupArns), group.Status, group.DefaultInstanceWarmup,
            Json<string>(group.EnabledMetrics).Select(m => new EnabledMetric(m, Metrics.AutoScalingMetricCatalog.Granularity)).ToList());
    }

    [GeneratedRegex(@"^[^:\p{Cc}]{1,255}$")]
    private static partial Regex Name();
}
