using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.Database.Persistence;

/// <summary>
/// A DB instance's guest-reported figures during one minute (UTC, the API's clock), as statistic sets over the reports of
/// that minute: the 1-minute datapoints of RDS's FreeStorageSpace, DatabaseConnections and (from the reports that carry it:
/// a Multi-AZ pair's) ReplicaLag. Kept a day.
/// </summary>
internal sealed class DbInstanceMetricMinute
{
    public required string ResourceId { get; init; }

    public required DateTime PeriodStart { get; init; }

    public required string AccountId { get; init; }

    public int Samples { get; set; }

    public double FreeStorageSum { get; set; }

    public double FreeStorageMinimum { get; set; }

    public double FreeStorageMaximum { get; set; }

    public double ConnectionsSum { get; set; }

    public double ConnectionsMinimum { get; set; }

    public double ConnectionsMaximum { get; set; }

    /// <summary>The minute's reports that carried a replication lag (a single-AZ instance's carry none).</summary>
    public int ReplicaLagSamples { get; set; }

    public double ReplicaLagSum { get; set; }

    public double ReplicaLagMinimum { get; set; }

    public double ReplicaLagMaximum { get; set; }
}

internal static class MetricModel
{
    public static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<DbInstanceMetricMinute>(m =>
    {
        m.ToTable("db_instance_metrics");
        m.HasKey(x => new { x.ResourceId, x.PeriodStart });
        m.Property(x => x.ResourceId).HasColumnName("resource_id").HasMaxLength(32);
        m.Property(x => x.PeriodStart).HasColumnName("period_start");
        m.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
        m.Property(x => x.Samples).HasColumnName("samples");
        m.Property(x => x.FreeStorageSum).HasColumnName("free_storage_sum");
        m.Property(x => x.FreeStorageMinimum).HasColumnName("free_storage_minimum");
        m.Property(x => x.FreeStorageMaximum).HasColumnName("free_storage_maximum");
        m.Property(x => x.ConnectionsSum).HasColumnName("connections_sum");
        m.Property(x => x.ConnectionsMinimum).HasColumnName("connections_minimum");
        m.Property(x => x.ConnectionsMaximum).HasColumnName("connections_maximum");
        m.Property(x => x.ReplicaLagSamples).HasColumnName("replica_lag_samples");
        m.Property(x => x.ReplicaLagSum).HasColumnName("replica_lag_sum");
        m.Property(x => x.ReplicaLagMinimum).HasColumnName("replica_lag_minimum");
        m.Property(x => x.ReplicaLagMaximum).HasColumnName("replica_lag_maximum");
    });
}
