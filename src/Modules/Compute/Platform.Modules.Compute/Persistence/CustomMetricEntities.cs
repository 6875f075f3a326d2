using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.Compute.Persistence;

/// <summary>
/// A metric a tenant published with PutMetricData: CloudWatch identifies it by namespace, name and the exact set of its
/// dimensions (not its unit). <see cref="Key"/> is a hash of those three, unique per account, so two replicas putting the
/// same new metric at once make one row (the second save fails on the index and reads it again).
/// </summary>
internal sealed class CustomMetric
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    /// <summary>SHA-256 (hex) of namespace, name and the dimensions sorted by name.</summary>
    public required string Key { get; init; }

    public required string Namespace { get; init; }

    public required string MetricName { get; init; }

    /// <summary>JSON array of <c>{"Name":…,"Value":…}</c>, sorted by name.</summary>
    public required string Dimensions { get; init; }
}

/// <summary>
/// One PutMetricData entry of a custom metric, already reduced to CloudWatch's statistic set (a single value is a set of
/// one; Values/Counts and StatisticValues add up). Kept for <see cref="ComputeOptions.CustomMetricsRetention"/>.
/// </summary>
internal sealed class CustomMetricDatum
{
    public required string Id { get; init; }

    public required string MetricId { get; init; }

    public required string AccountId { get; init; }

    public DateTime Timestamp { get; init; }

    /// <summary>CloudWatch's unit, <c>None</c> when none was given.</summary>
    public required string Unit { get; init; }

    public double SampleCount { get; init; }

    public double Sum { get; init; }

    public double Minimum { get; init; }

    public double Maximum { get; init; }
}

internal static class CustomMetricModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<CustomMetric>(m =>
        {
            m.ToTable("custom_metrics");
            m.HasKey(x => x.Id);
            m.Property(x => x.Id).HasColumnName("id").HasMaxLength(36);
            m.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            m.Property(x => x.Key).HasColumnName("metric_key").HasMaxLength(64);
            m.Property(x => x.Namespace).HasColumnName("namespace").HasMaxLength(255);
            m.Property(x => x.MetricName).HasColumnName("metric_name").HasMaxLength(255);
            m.Property(x => x.Dimensions).HasColumnName("dimensions");
            m.HasIndex(x => new { x.AccountId, x.Key }).IsUnique();
        });

        modelBuilder.Entity<CustomMetricDatum>(d =>
        {
            d.ToTable("custom_metric_data");
            d.HasKey(x => x.Id);
            d.Property(x => x.Id).HasColumnName("id").HasMaxLength(36);
            d.Property(x => x.MetricId).HasColumnName("metric_id").HasMaxLength(36);
            d.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            d.Property(x => x.Timestamp).HasColumnName("timestamp");
            d.Property(x => x.Unit).HasColumnName("unit").HasMaxLength(32);
            d.Property(x => x.SampleCount).HasColumnName("sample_count");
            d.Property(x => x.Sum).HasColumnName("sum");
            d.Property(x => x.Minimum).HasColumnName("minimum");
            d.Property(x => x.Maximum).HasColumnName("maximum");
            d.HasIndex(x => new { x.MetricId, x.Timestamp });
            // Pruning by age scans by time.
            d.HasIndex(x => x.Timestamp);
        });
    }
}
