using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Metrics;

/// <summary>
/// CloudWatch's AWS/AutoScaling group metrics (dimension AutoScalingGroupName, 1-minute granularity, unit None), as Auto Scaling
/// publishes them once metrics collection is enabled for a group: its bounds, its desired capacity and how many of its instances
/// are in each part of their lifecycle. Each is a count over the group's instances at the minute's first pass of the group job.
/// </summary>
internal static class AutoScalingMetricCatalog
{
    public const string Namespace = "AWS/AutoScaling";
    public const string AutoScalingGroupName = "AutoScalingGroupName";
    public const string Granularity = "1Minute";
    public const string Unit = "None";

    public static readonly IReadOnlyList<string> All =
    [
        "GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity", "GroupInServiceInstances", "GroupPendingInstances", "GroupTerminatingInstances",
        "GroupTotalInstances",
    ];

    public static readonly IReadOnlySet<string> Names = new HashSet<string>(All, StringComparer.Ordinal);

    /// <summary>The metric's value for the group and its instances (those not yet terminated) now.</summary>
    public static double Value(string metricName, ScalingGroup group, IReadOnlyList<ScalingGroupInstance> members)
    {
        var inService = members.Count(m => m.LifecycleState == AutoScaling.Groups.LifecycleStates.InService);
        var pending = members.Count(m => AutoScaling.Groups.LifecycleStates.IsPending(m.LifecycleState));
        var terminating = members.Count(m => m.LifecycleState.StartsWith(AutoScaling.Groups.LifecycleStates.Terminating, StringComparison.Ordinal));
        return metricName switch
        {
            "GroupMinSize" => group.MinSize,
            "GroupMaxSize" => group.MaxSize,
            "GroupDesiredCapacity" => group.DesiredCapacity,
            "GroupInServiceInstances" => inService,
            "GroupPendingInstances" => pending,
            "GroupTerminatingInstances" => terminating,
            "GroupTotalInstances" => inService + pending + terminating,
            _ => throw new ArgumentOutOfRangeException(nameof(metricName), metricName, "Not an AWS/AutoScaling metric."),
        };
    }
}
