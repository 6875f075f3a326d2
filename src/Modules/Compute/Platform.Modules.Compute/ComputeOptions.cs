namespace Platform.Modules.Compute;

/// <summary>The Compute module's settings (section <c>Compute</c>).</summary>
internal sealed class ComputeOptions
{
    public const string SectionName = "Compute";

    /// <summary>A host whose last heartbeat is older than this is unreachable: not scheduled on, its instances impaired.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a join token may wait for its server.</summary>
    public TimeSpan JoinTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The longest an agent's desired-state request is held open before it is answered "no change".</summary>
    public TimeSpan MaxLongPoll { get; set; } = TimeSpan.FromSeconds(55);

    /// <summary>Largest image part accepted in one upload.</summary>
    public long MaxImagePartBytes { get; set; } = 16L << 30;

    /// <summary>How long a terminated instance stays in descriptions (EC2: about an hour).</summary>
    public TimeSpan TerminatedRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long instances' 1-minute usage datapoints are kept (the metrics endpoint reads no further back).</summary>
    public TimeSpan MetricsRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long PutMetricData's datapoints are kept: CloudWatch keeps 1-minute data 15 days and takes datapoints two weeks old.</summary>
    public TimeSpan CustomMetricsRetention { get; set; } = TimeSpan.FromDays(15);

    /// <summary>How many custom metrics (namespace, name, dimensions) one account may have; a new one past it is refused with LimitExceeded.</summary>
    public int MaxCustomMetricsPerAccount { get; set; } = 10000;

    /// <summary>When the housekeeping job runs (terminated instances forgotten, deregistered images' bytes deleted, old metrics pruned).</summary>
    public string HousekeepingCron { get; set; } = "*/10 * * * *";

    /// <summary>How long an interrupted spot instance runs after its notice before it is stopped or terminated (EC2: two minutes).</summary>
    public TimeSpan SpotInterruptionNotice { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>When due spot interruptions are carried out and on-demand launches waiting for their capacity released.</summary>
    public string SpotInterruptionCron { get; set; } = "*/15 * * * * *";

    /// <summary>When the Auto Scaling group job runs (Hangfire cron with seconds; at least every 15 s, as the issue asks: benchmarks set it shorter).</summary>
    public string ScalingGroupCron { get; set; } = "*/15 * * * * *";

    /// <summary>When the CloudWatch alarms are evaluated (Hangfire cron with seconds; every 15 s by default).</summary>
    public string AlarmEvaluationCron { get; set; } = "*/15 * * * * *";

    /// <summary>CloudWatch's quota of metric alarms per account and region; one more is refused with LimitExceeded.</summary>
    public int MaxAlarmsPerAccount { get; set; } = 5000;
}
