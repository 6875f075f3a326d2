namespace Platform.Modules.Compute.Persistence;

/// <summary>
/// One instance's usage during one minute (UTC, by the API's clock), summed from the differences between its server's
/// heartbeats: the 1-minute datapoints coarser periods are added up from. Kept for <see cref="ComputeOptions.MetricsRetention"/>.
/// </summary>
internal sealed class InstanceMetricMinute
{
    public required string InstanceId { get; init; }

    /// <summary>The minute's start; heartbeat intervals count in the minute they end in.</summary>
    public required DateTime PeriodStart { get; init; }

    public required string AccountId { get; init; }

    /// <summary>How many heartbeat intervals were added in: a minute with none has only its memory gauges.</summary>
    public int Intervals { get; set; }

    /// <summary>CPU time the guest used in the minute's intervals, all vCPUs together.</summary>
    public long CpuTimeNanoseconds { get; set; }

    /// <summary>What the guest could have used: the intervals' length times its vCPUs. CPUUtilization is the ratio.</summary>
    public long CpuCapacityNanoseconds { get; set; }

    public long NetworkInBytes { get; set; }

    public long NetworkOutBytes { get; set; }

    public long NetworkPacketsIn { get; set; }

    public long NetworkPacketsOut { get; set; }

    public long DiskReadBytes { get; set; }

    public long DiskWriteBytes { get; set; }

    public long DiskReadOps { get; set; }

    public long DiskWriteOps { get; set; }

    /// <summary>The largest balloon size seen in the minute.</summary>
    public long? MemoryActualKib { get; set; }

    /// <summary>The largest host memory the guest's process held in the minute.</summary>
    public long? MemoryRssKib { get; set; }

    /// <summary>The least memory the guest reported available in the minute (its balloon driver's, when it runs one).</summary>
    public long? MemoryAvailableKib { get; set; }
}

/// <summary>An instance's last usage sample (the agent's cumulative counters), which the next heartbeat's are subtracted from.</summary>
internal sealed class InstanceUsageSample
{
    public required string InstanceId { get; init; }

    /// <summary>The agent's <c>InstanceUsage</c> as JSON (the protocol's own form).</summary>
    public required string Sample { get; set; }

    /// <summary>When the API received it, by its clock: samples of instances gone quiet are pruned by it.</summary>
    public DateTime ReceivedAt { get; set; }
}

/// <summary>
/// One AWS/AutoScaling datapoint: a group's metric (GroupInServiceInstances, ...) for one minute, recorded by the group job's
/// first pass over the group in that minute. Keyed by the account, the group's name (CloudWatch's dimension, which outlives
/// the group), the metric and the minute: one datapoint a minute however many passes or replicas there are. Kept for
/// <see cref="ComputeOptions.MetricsRetention"/>.
/// </summary>
internal sealed class ScalingGroupMetricMinute
{
    public required string AccountId { get; init; }

    public required string GroupName { get; init; }

    public required string MetricName { get; init; }

    public required DateTime PeriodStart { get; init; }

    public double Value { get; init; }
}
