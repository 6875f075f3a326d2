using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.Compute.Persistence;

/// <summary>
/// A CloudWatch metric alarm on one metric of one instance or one Auto Scaling group (its instances' datapoints together).
/// <see cref="Version"/> is a concurrency token raised by every change: a transition, or the claim of its actions, is
/// written by one runner only, whichever API replica's job gets there first.
/// </summary>
internal sealed class MetricAlarm
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    public string? Description { get; set; }

    public required string Namespace { get; set; }

    public required string MetricName { get; set; }

    /// <summary>InstanceId or AutoScalingGroupName.</summary>
    public required string DimensionName { get; set; }

    public required string DimensionValue { get; set; }

    /// <summary>
    /// A custom metric's dimensions (JSON array of <c>{"Name":…,"Value":…}</c>, sorted by name; none is <c>[]</c>); null for
    /// EC2's metrics, whose one dimension is <see cref="DimensionName"/>=<see cref="DimensionValue"/>.
    /// </summary>
    public string? Dimensions { get; set; }

    /// <summary>Average, Sum, Minimum, Maximum or SampleCount.</summary>
    public required string Statistic { get; set; }

    public int Period { get; set; }

    public int EvaluationPeriods { get; set; }

    public int DatapointsToAlarm { get; set; }

    public double Threshold { get; set; }

    public required string ComparisonOperator { get; set; }

    public required string TreatMissingData { get; set; }

    public bool ActionsEnabled { get; set; }

    /// <summary>JSON arrays of scaling policy ARNs.</summary>
    public string AlarmActions { get; set; } = "[]";

    public string OkActions { get; set; } = "[]";

    public string InsufficientDataActions { get; set; } = "[]";

    public required string StateValue { get; set; }

    public required string StateReason { get; set; }

    public string? StateReasonData { get; set; }

    public DateTime StateUpdatedAt { get; set; }

    /// <summary>The state whose actions are still to run (set with a transition, cleared by the runner that claims them).</summary>
    public string? ActionsDueFor { get; set; }

    /// <summary>When actions last ran: Auto Scaling actions run again once a minute while the alarm stays in ALARM, as AWS's do.</summary>
    public DateTime? LastActionAt { get; set; }

    public DateTime ConfigurationUpdatedAt { get; set; }

    public long Version { get; set; }
}

/// <summary>One entry of an alarm's history: ConfigurationUpdate, StateUpdate or Action, worded as CloudWatch's.</summary>
internal sealed class AlarmHistoryItem
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string AlarmName { get; init; }

    public DateTime Timestamp { get; init; }

    public required string HistoryItemType { get; init; }

    public required string HistorySummary { get; init; }

    public string? HistoryData { get; init; }
}

internal static class AlarmModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<MetricAlarm>(a =>
        {
            a.ToTable("metric_alarms");
            a.HasKey(x => x.Id);
            a.Property(x => x.Id).HasColumnName("id").HasMaxLength(36);
            a.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            a.Property(x => x.Name).HasColumnName("name").HasMaxLength(255);
            a.Property(x => x.Description).HasColumnName("description").HasMaxLength(1024);
            a.Property(x => x.Namespace).HasColumnName("namespace").HasMaxLength(255);
            a.Property(x => x.MetricName).HasColumnName("metric_name").HasMaxLength(255);
            a.Property(x => x.DimensionName).HasColumnName("dimension_name").HasMaxLength(255);
            a.Property(x => x.DimensionValue).HasColumnName("dimension_value").HasMaxLength(1024);
            a.Property(x => x.Dimensions).HasColumnName("dimensions");
            a.Property(x => x.Statistic).HasColumnName("statistic").HasMaxLength(16);
            a.Property(x => x.Period).HasColumnName("period");
            a.Property(x => x.EvaluationPeriods).HasColumnName("evaluation_periods");
            a.Property(x => x.DatapointsToAlarm).HasColumnName("datapoints_to_alarm");
            a.Property(x => x.Threshold).HasColumnName("threshold");
            a.Property(x => x.ComparisonOperator).HasColumnName("comparison_operator").HasMaxLength(64);
            a.Property(x => x.TreatMissingData).HasColumnName("treat_missing_data").HasMaxLength(16);
            a.Property(x => x.ActionsEnabled).HasColumnName("actions_enabled");
            a.Property(x => x.AlarmActions).HasColumnName("alarm_actions").HasMaxLength(8192);
            a.Property(x => x.OkActions).HasColumnName("ok_actions").HasMaxLength(8192);
            a.Property(x => x.InsufficientDataActions).HasColumnName("insufficient_data_actions").HasMaxLength(8192);
            a.Property(x => x.StateValue).HasColumnName("state_value").HasMaxLength(32);
            a.Property(x => x.StateReason).HasColumnName("state_reason").HasMaxLength(1024);
            a.Property(x => x.StateReasonData).HasColumnName("state_reason_data").HasMaxLength(4000);
            a.Property(x => x.StateUpdatedAt).HasColumnName("state_updated_at");
            a.Property(x => x.ActionsDueFor).HasColumnName("actions_due_for").HasMaxLength(32);
            a.Property(x => x.LastActionAt).HasColumnName("last_action_at");
            a.Property(x => x.ConfigurationUpdatedAt).HasColumnName("configuration_updated_at");
            a.Property(x => x.Version).HasColumnName("version").IsConcurrencyToken();
            a.HasIndex(x => new { x.AccountId, x.Name }).IsUnique();
        });

        modelBuilder.Entity<AlarmHistoryItem>(h =>
        {
            h.ToTable("alarm_history");
            h.HasKey(x => x.Id);
            h.Property(x => x.Id).HasColumnName("id").HasMaxLength(36);
            h.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            h.Property(x => x.AlarmName).HasColumnName("alarm_name").HasMaxLength(255);
            h.Property(x => x.Timestamp).HasColumnName("timestamp");
            h.Property(x => x.HistoryItemType).HasColumnName("history_item_type").HasMaxLength(32);
            h.Property(x => x.HistorySummary).HasColumnName("history_summary").HasMaxLength(1024);
            h.Property(x => x.HistoryData).HasColumnName("history_data").HasMaxLength(8000);
            h.HasIndex(x => new { x.AccountId, x.AlarmName, x.Timestamp });
        });
    }
}
