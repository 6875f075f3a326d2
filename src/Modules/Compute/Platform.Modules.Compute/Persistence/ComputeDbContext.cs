using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Compute.Persistence;

internal class ComputeDbContext(DbContextOptions options) : ModuleDbContext(options)
{
    public const string SchemaName = "compute";

    public override string Schema => SchemaName;

    public DbSet<HostRecord> Hosts => Set<HostRecord>();

    public DbSet<JoinToken> JoinTokens => Set<JoinToken>();

    public DbSet<MachineImage> Images => Set<MachineImage>();

    public DbSet<KeyPair> KeyPairs => Set<KeyPair>();

    public DbSet<Instance> Instances => Set<Instance>();

    public DbSet<InstanceTag> InstanceTags => Set<InstanceTag>();

    public DbSet<InstanceMetricMinute> InstanceMetrics => Set<InstanceMetricMinute>();

    public DbSet<InstanceUsageSample> InstanceUsageSamples => Set<InstanceUsageSample>();

    public DbSet<ScalingGroupMetricMinute> ScalingGroupMetrics => Set<ScalingGroupMetricMinute>();

    public DbSet<LaunchTemplate> LaunchTemplates => Set<LaunchTemplate>();

    public DbSet<LaunchTemplateVersion> LaunchTemplateVersions => Set<LaunchTemplateVersion>();

    public DbSet<ScalingGroup> ScalingGroups => Set<ScalingGroup>();

    public DbSet<ScalingGroupInstance> ScalingGroupInstances => Set<ScalingGroupInstance>();

    public DbSet<ScalingActivity> ScalingActivities => Set<ScalingActivity>();

    public DbSet<ScalingPolicy> ScalingPolicies => Set<ScalingPolicy>();

    public DbSet<ScheduledAction> ScheduledActions => Set<ScheduledAction>();

    public DbSet<LifecycleHook> LifecycleHooks => Set<LifecycleHook>();

    public DbSet<LifecycleAction> LifecycleActions => Set<LifecycleAction>();

    public DbSet<InstanceRefresh> InstanceRefreshes => Set<InstanceRefresh>();

    public DbSet<MetricAlarm> MetricAlarms => Set<MetricAlarm>();

    public DbSet<AlarmHistoryItem> AlarmHistory => Set<AlarmHistoryItem>();

    public DbSet<CustomMetric> CustomMetrics => Set<CustomMetric>();

    public DbSet<CustomMetricDatum> CustomMetricData => Set<CustomMetricDatum>();

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        AnnounceStateChanges();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        AnnounceStateChanges();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>
    /// Every instance state change goes out as <see cref="Contracts.InstanceStateChanged"/> in the same commit, wherever
    /// in the module it was made (launch, stop, start, terminate, a heartbeat's observation): one place, none forgotten.
    /// </summary>
    private void AnnounceStateChanges()
    {
        var now = DateTime.UtcNow;
        foreach (var entry in ChangeTracker.Entries<Instance>().ToList())
        {
            var previous = entry.State switch
            {
                EntityState.Added => null,
                EntityState.Modified when entry.Property(i => i.State).IsModified
                    && !string.Equals(entry.Property(i => i.State).OriginalValue, entry.Entity.State, StringComparison.Ordinal) =>
                    entry.Property(i => i.State).OriginalValue,
                _ => "",
            };
            if (previous is { Length: 0 })
            {
                continue;
            }

            var instance = entry.Entity;
            // Entering running happens at the instance's launch time (set with the state): the same moment Compute's own
            // state gives for the run (DescribeRunningInstances), so Billing's reconciliation and a late fact agree exactly.
            var changedAt = instance.State == InstanceStates.Running && instance.LaunchedAt is { } launchedAt
                ? DateTime.SpecifyKind(launchedAt, DateTimeKind.Utc)
                : now;
            if (previous == InstanceStates.Running)
            {
                // The moment its run ended, as the fact says it: what Billing's reconciliation closes a run at when the fact is lost.
                instance.RunningEndedAt = changedAt;
            }

            AddNotification(new Contracts.InstanceStateChanged(instance.AccountId, instance.Id, instance.InstanceType, instance.AvailabilityZone,
                previous, instance.State, changedAt, instance.ManagedBy, instance.InstanceLifecycle));
        }
    }

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<HostRecord>(host =>
        {
            host.ToTable("hosts");
            host.HasKey(h => h.Id);
            host.Property(h => h.Id).HasColumnName("id").HasMaxLength(32);
            host.Property(h => h.Name).HasColumnName("name").HasMaxLength(253);
            host.Property(h => h.AvailabilityZone).HasColumnName("availability_zone").HasMaxLength(64);
            host.Property(h => h.CredentialHash).HasColumnName("credential_hash").HasMaxLength(64);
            host.Property(h => h.Cpus).HasColumnName("cpus");
            host.Property(h => h.MemoryMiB).HasColumnName("memory_mib");
            host.Property(h => h.DiskBytes).HasColumnName("disk_bytes");
            host.Property(h => h.DiskFreeBytes).HasColumnName("disk_free_bytes");
            host.Property(h => h.RunningDomains).HasColumnName("running_domains");
            host.Property(h => h.DesiredVersion).HasColumnName("desired_version").IsConcurrencyToken();
            host.Property(h => h.AppliedVersion).HasColumnName("applied_version");
            host.Property(h => h.TunnelAddress).HasColumnName("tunnel_address").HasMaxLength(45);
            host.Property(h => h.EnrolledAt).HasColumnName("enrolled_at");
            host.Property(h => h.LastHeartbeatAt).HasColumnName("last_heartbeat_at");
            host.Property(h => h.Disabled).HasColumnName("disabled");
            host.Property(h => h.DegradedReason).HasColumnName("degraded_reason").HasMaxLength(1024);
        });

        modelBuilder.Entity<JoinToken>(token =>
        {
            token.ToTable("join_tokens");
            token.HasKey(t => t.Id);
            token.Property(t => t.Id).HasColumnName("id").HasMaxLength(32);
            token.Property(t => t.TokenHash).HasColumnName("token_hash").HasMaxLength(64);
            token.Property(t => t.AvailabilityZone).HasColumnName("availability_zone").HasMaxLength(64);
            token.Property(t => t.CreatedAt).HasColumnName("created_at");
            token.Property(t => t.ExpiresAt).HasColumnName("expires_at");
            token.Property(t => t.UsedAt).HasColumnName("used_at").IsConcurrencyToken();
            token.Property(t => t.HostId).HasColumnName("host_id").HasMaxLength(32);
            token.HasIndex(t => t.TokenHash).IsUnique();
        });

        modelBuilder.Entity<MachineImage>(image =>
        {
            image.ToTable("images");
            image.HasKey(i => i.Id);
            image.Property(i => i.Id).HasColumnName("id").HasMaxLength(32);
            image.Property(i => i.AccountId).HasColumnName("account_id").HasMaxLength(12);
            image.Property(i => i.Name).HasColumnName("name").HasMaxLength(128);
            image.Property(i => i.Description).HasColumnName("description").HasMaxLength(255);
            image.Property(i => i.Format).HasColumnName("format").HasMaxLength(16);
            image.Property(i => i.CommandLine).HasColumnName("command_line").HasMaxLength(1024);
            image.Property(i => i.State).HasColumnName("state").HasMaxLength(16);
            image.Property(i => i.IsPublic).HasColumnName("is_public");
            image.Property(i => i.Parts).HasColumnName("parts").HasMaxLength(4096).IsConcurrencyToken();
            image.Property(i => i.CreatedAt).HasColumnName("created_at");
            // A name is taken while its image is registered: EC2 lets a deregistered image's name be used again.
            image.HasIndex(i => new { i.AccountId, i.Name }).IsUnique().HasFilter("state <> '" + Platform.Modules.Compute.Images.ImageStates.Deregistered + "'");
        });

        modelBuilder.Entity<KeyPair>(key =>
        {
            key.ToTable("key_pairs");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasColumnName("id").HasMaxLength(32);
            key.Property(k => k.AccountId).HasColumnName("account_id").HasMaxLength(12);
            key.Property(k => k.Name).HasColumnName("name").HasMaxLength(255);
            key.Property(k => k.KeyType).HasColumnName("key_type").HasMaxLength(16);
            key.Property(k => k.PublicKey).HasColumnName("public_key").HasMaxLength(16384);
            key.Property(k => k.Fingerprint).HasColumnName("fingerprint").HasMaxLength(128);
            key.Property(k => k.CreatedAt).HasColumnName("created_at");
            key.HasIndex(k => new { k.AccountId, k.Name }).IsUnique();
        });

        modelBuilder.Entity<Instance>(instance =>
        {
            instance.ToTable("instances");
            instance.HasKey(i => i.Id);
            instance.Property(i => i.Id).HasColumnName("id").HasMaxLength(32);
            instance.Property(i => i.AccountId).HasColumnName("account_id").HasMaxLength(12);
            instance.Property(i => i.InstanceType).HasColumnName("instance_type").HasMaxLength(32);
            instance.Property(i => i.ImageId).HasColumnName("image_id").HasMaxLength(32);
            instance.Property(i => i.ImageFormat).HasColumnName("image_format").HasMaxLength(16);
            instance.Property(i => i.ImageCommandLine).HasColumnName("image_command_line").HasMaxLength(1024);
            instance.Property(i => i.KeyName).HasColumnName("key_name").HasMaxLength(255);
            instance.Property(i => i.PublicKey).HasColumnName("public_key").HasMaxLength(16384);
            instance.Property(i => i.State).HasColumnName("state").HasMaxLength(16);
            instance.Property(i => i.StateReason).HasColumnName("state_reason").HasMaxLength(1024);
            instance.Property(i => i.HostId).HasColumnName("host_id").HasMaxLength(32);
            instance.Property(i => i.AvailabilityZone).HasColumnName("availability_zone").HasMaxLength(64);
            instance.Property(i => i.PrivateIpAddress).HasColumnName("private_ip_address").HasMaxLength(45);
            instance.Property(i => i.UserData).HasColumnName("user_data");
            instance.Property(i => i.NetworkInterfaceId).HasColumnName("network_interface_id").HasMaxLength(32);
            instance.Property(i => i.MacAddress).HasColumnName("mac_address").HasMaxLength(17);
            instance.Property(i => i.SubnetId).HasColumnName("subnet_id").HasMaxLength(32);
            instance.Property(i => i.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            instance.HasIndex(i => i.VpcId);
            instance.Property(i => i.SecurityGroups).HasColumnName("security_groups").HasMaxLength(4096);
            instance.Property(i => i.ClientToken).HasColumnName("client_token").HasMaxLength(64);
            instance.Property(i => i.ParametersHash).HasColumnName("parameters_hash").HasMaxLength(64);
            instance.Property(i => i.DesiredPower).HasColumnName("desired_power").HasMaxLength(16);
            instance.Property(i => i.RebootCount).HasColumnName("reboot_count");
            instance.Property(i => i.StartCount).HasColumnName("start_count");
            instance.Property(i => i.DisableApiTermination).HasColumnName("disable_api_termination").HasDefaultValue(false);
            instance.Property(i => i.DisableApiStop).HasColumnName("disable_api_stop").HasDefaultValue(false);
            instance.Property(i => i.InstanceInitiatedShutdownBehavior).HasColumnName("instance_initiated_shutdown_behavior").HasMaxLength(16)
                .HasDefaultValue(ShutdownBehaviors.Stop);
            instance.Property(i => i.HttpTokens).HasColumnName("http_tokens").HasMaxLength(16).HasDefaultValue(InstanceMetadataDefaults.HttpTokens);
            instance.Property(i => i.HttpPutResponseHopLimit).HasColumnName("http_put_response_hop_limit").HasDefaultValue(InstanceMetadataDefaults.HopLimit);
            instance.Property(i => i.HttpEndpoint).HasColumnName("http_endpoint").HasMaxLength(16).HasDefaultValue(InstanceMetadataDefaults.HttpEndpoint);
            instance.Property(i => i.IamInstanceProfileArn).HasColumnName("iam_instance_profile_arn").HasMaxLength(2048);
            instance.Property(i => i.IamInstanceProfileId).HasColumnName("iam_instance_profile_id").HasMaxLength(128);
            instance.Property(i => i.IamInstanceProfileAssociationId).HasColumnName("iam_instance_profile_association_id").HasMaxLength(64);
            instance.Property(i => i.IamInstanceProfileAssociatedAt).HasColumnName("iam_instance_profile_associated_at");
            instance.HasIndex(i => i.IamInstanceProfileAssociationId).IsUnique().HasFilter("iam_instance_profile_association_id IS NOT NULL");
            instance.Property(i => i.InstanceLifecycle).HasColumnName("instance_lifecycle").HasMaxLength(16);
            instance.Property(i => i.SpotInstanceRequestId).HasColumnName("spot_instance_request_id").HasMaxLength(32);
            instance.Property(i => i.SpotMaxPrice).HasColumnName("spot_max_price").HasPrecision(20, 10);
            instance.Property(i => i.SpotInterruptionBehavior).HasColumnName("spot_interruption_behavior").HasMaxLength(16);
            instance.Property(i => i.SpotActionTime).HasColumnName("spot_action_time");
            instance.Property(i => i.AwaitingCapacity).HasColumnName("awaiting_capacity");
            instance.Property(i => i.ChangedAtVersion).HasColumnName("changed_at_version");
            instance.Property(i => i.CreatedAt).HasColumnName("created_at");
            instance.Property(i => i.LaunchedAt).HasColumnName("launched_at");
            instance.Property(i => i.TerminatedAt).HasColumnName("terminated_at");
            instance.Property(i => i.RunningEndedAt).HasColumnName("running_ended_at");
            instance.Property(i => i.ConsoleOutput).HasColumnName("console_output");
            instance.Property(i => i.ConsoleUpdatedAt).HasColumnName("console_updated_at");
            instance.Property(i => i.ManagedBy).HasColumnName("managed_by").HasMaxLength(16);
            instance.Property(i => i.ManagedResourceId).HasColumnName("managed_resource_id").HasMaxLength(64);
            instance.Property(i => i.DataVolumeId).HasColumnName("data_volume_id").HasMaxLength(32);
            instance.Property(i => i.ManagedReportHash).HasColumnName("managed_report_hash").HasMaxLength(64);
            instance.HasIndex(i => new { i.ManagedBy, i.ManagedResourceId }).IsUnique().HasFilter("managed_resource_id IS NOT NULL");
            instance.HasIndex(i => new { i.AccountId, i.ClientToken }).IsUnique().HasFilter("client_token IS NOT NULL");
            instance.HasIndex(i => new { i.HostId, i.State });
            instance.HasIndex(i => new { i.AccountId, i.State });
            instance.HasMany(i => i.Tags).WithOne().HasForeignKey(t => t.InstanceId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<InstanceTag>(tag =>
        {
            tag.ToTable("instance_tags");
            tag.HasKey(t => new { t.InstanceId, t.Key });
            tag.Property(t => t.InstanceId).HasColumnName("instance_id").HasMaxLength(32);
            tag.Property(t => t.Key).HasColumnName("key").HasMaxLength(128);
            tag.Property(t => t.Value).HasColumnName("value").HasMaxLength(256);
        });

        modelBuilder.Entity<ScalingGroupMetricMinute>(metric =>
        {
            metric.ToTable("scaling_group_metrics");
            metric.HasKey(m => new { m.AccountId, m.GroupName, m.MetricName, m.PeriodStart });
            metric.Property(m => m.AccountId).HasColumnName("account_id").HasMaxLength(12);
            metric.Property(m => m.GroupName).HasColumnName("group_name").HasMaxLength(255);
            metric.Property(m => m.MetricName).HasColumnName("metric_name").HasMaxLength(64);
            metric.Property(m => m.PeriodStart).HasColumnName("period_start");
            metric.Property(m => m.Value).HasColumnName("value");
            metric.HasIndex(m => m.PeriodStart);
        });

        modelBuilder.Entity<InstanceMetricMinute>(metric =>
        {
            metric.ToTable("instance_metrics");
            metric.HasKey(m => new { m.InstanceId, m.PeriodStart });
            metric.Property(m => m.InstanceId).HasColumnName("instance_id").HasMaxLength(32);
            metric.Property(m => m.PeriodStart).HasColumnName("period_start");
            metric.Property(m => m.AccountId).HasColumnName("account_id").HasMaxLength(12);
            metric.Property(m => m.Intervals).HasColumnName("intervals");
            metric.Property(m => m.CpuTimeNanoseconds).HasColumnName("cpu_time_ns");
            metric.Property(m => m.CpuCapacityNanoseconds).HasColumnName("cpu_capacity_ns");
            metric.Property(m => m.NetworkInBytes).HasColumnName("network_in_bytes");
            metric.Property(m => m.NetworkOutBytes).HasColumnName("network_out_bytes");
            metric.Property(m => m.NetworkPacketsIn).HasColumnName("network_packets_in");
            metric.Property(m => m.NetworkPacketsOut).HasColumnName("network_packets_out");
            metric.Property(m => m.DiskReadBytes).HasColumnName("disk_read_bytes");
            metric.Property(m => m.DiskWriteBytes).HasColumnName("disk_write_bytes");
            metric.Property(m => m.DiskReadOps).HasColumnName("disk_read_ops");
            metric.Property(m => m.DiskWriteOps).HasColumnName("disk_write_ops");
            metric.Property(m => m.MemoryActualKib).HasColumnName("memory_actual_kib");
            metric.Property(m => m.MemoryRssKib).HasColumnName("memory_rss_kib");
            metric.Property(m => m.MemoryAvailableKib).HasColumnName("memory_available_kib");
            // Pruning by age scans by time, not by instance.
            metric.HasIndex(m => m.PeriodStart);
        });

        modelBuilder.Entity<InstanceUsageSample>(sample =>
        {
            sample.ToTable("instance_usage_samples");
            sample.HasKey(u => u.InstanceId);
            sample.Property(u => u.InstanceId).HasColumnName("instance_id").HasMaxLength(32);
            sample.Property(u => u.Sample).HasColumnName("sample");
            sample.Property(u => u.ReceivedAt).HasColumnName("received_at");
            sample.HasIndex(u => u.ReceivedAt);
        });

        AutoScalingModel.Configure(modelBuilder);
        ScalingPolicyModel.Configure(modelBuilder);
        ScheduledActionModel.Configure(modelBuilder);
        LifecycleModel.Configure(modelBuilder);
        InstanceRefreshModel.Configure(modelBuilder);
        AlarmModel.Configure(modelBuilder);
        CustomMetricModel.Configure(modelBuilder);
    }
}

/// <summary>The SQLite flavour, with its own migrations (Persistence/Migrations/Sqlite).</summary>
internal sealed class SqliteComputeDbContext(DbContextOptions<SqliteComputeDbContext> options) : ComputeDbContext(options);

/// <summary>The SQL Server flavour, with its own migrations (Persistence/Migrations/SqlServer).</summary>
internal sealed class SqlServerComputeDbContext(DbContextOptions<SqlServerComputeDbContext> options) : ComputeDbContext(options);

internal sealed class SqliteComputeDbContextFactory : IDesignTimeDbContextFactory<SqliteComputeDbContext>
{
    public SqliteComputeDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqliteComputeDbContext>)ModuleDatabase.UseSqlite(
            new DbContextOptionsBuilder<SqliteComputeDbContext>(), "Data Source=design-time.db", ComputeDbContext.SchemaName).Options);
}

internal sealed class SqlServerComputeDbContextFactory : IDesignTimeDbContextFactory<SqlServerComputeDbContext>
{
    public SqlServerComputeDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqlServerComputeDbContext>)ModuleDatabase.UseSqlServer(
            new DbContextOptionsBuilder<SqlServerComputeDbContext>(), "Server=design-time;Database=platform", ComputeDbContext.SchemaName).Options);
}
