using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.Compute.Persistence;

/// <summary>An EC2 launch template: a name and numbered versions, one of them the default.</summary>
internal sealed class LaunchTemplate
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    public long DefaultVersion { get; set; }

    /// <summary>The highest version number; a concurrency token, so two new versions at once never get the same number.</summary>
    public long LatestVersion { get; set; }

    public DateTime CreatedAt { get; init; }

    public List<LaunchTemplateVersion> Versions { get; init; } = [];
}

/// <summary>What a launch from one version of a template gets.</summary>
internal sealed class LaunchTemplateVersion
{
    public required string TemplateId { get; init; }

    public long VersionNumber { get; init; }

    public string? Description { get; init; }

    public string? ImageId { get; init; }

    public string? InstanceType { get; init; }

    public string? KeyName { get; init; }

    /// <summary>JSON array of security group ids or names.</summary>
    public string SecurityGroups { get; init; } = "[]";

    /// <summary>Base64, as given.</summary>
    public string? UserData { get; init; }

    /// <summary>JSON array of {key, value}: tags for the instances launched from it.</summary>
    public string Tags { get; init; } = "[]";

    public DateTime CreatedAt { get; init; }
}

/// <summary>
/// An Auto Scaling group. <see cref="LeaseHolder"/> and <see cref="LeaseExpiresAt"/> say which job runner (of any API
/// replica) acts on it now: a runner takes the lease with one conditional update, so each decision is taken once.
/// </summary>
internal sealed class ScalingGroup
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    public required string LaunchTemplateId { get; set; }

    /// <summary><c>$Latest</c>, <c>$Default</c> or a number.</summary>
    public required string LaunchTemplateVersion { get; set; }

    public int MinSize { get; set; }

    public int MaxSize { get; set; }

    public int DesiredCapacity { get; set; }

    /// <summary>JSON array of subnet ids (vpc_zone_identifier), all in <see cref="VpcId"/>.</summary>
    public string Subnets { get; set; } = "[]";

    public string? VpcId { get; set; }

    /// <summary>JSON array of the subnets' zones, in order.</summary>
    public string AvailabilityZones { get; set; } = "[]";

    public string HealthCheckType { get; set; } = "EC2";

    public int HealthCheckGracePeriod { get; set; }

    public int DefaultCooldown { get; set; } = 300;

    public int? DefaultInstanceWarmup { get; set; }

    public string TerminationPolicies { get; set; } = "[\"Default\"]";

    public bool NewInstancesProtectedFromScaleIn { get; set; }

    /// <summary>JSON array of suspended process names.</summary>
    public string SuspendedProcesses { get; set; } = "[]";

    /// <summary>JSON array of {key, value, propagate_at_launch}.</summary>
    public string Tags { get; set; } = "[]";

    public string TargetGroupArns { get; set; } = "[]";

    /// <summary>JSON array of the AWS/AutoScaling metrics collected for the group (EnableMetricsCollection), at 1-minute granularity.</summary>
    public string EnabledMetrics { get; set; } = "[]";

    /// <summary>Why the desired capacity last changed, in Auto Scaling's words: the first sentence of the causes of the activities that follow.</summary>
    public string? CapacityChangeCause { get; set; }

    /// <summary>Null, or <c>Delete in progress</c>.</summary>
    public string? Status { get; set; }

    public DateTime CreatedAt { get; init; }

    public string? LeaseHolder { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }

    /// <summary>Bumped by every change of the group's settings; a concurrency token.</summary>
    public long Revision { get; set; }
}

/// <summary>
/// An instance of a group, recorded before it is launched: <see cref="ClientToken"/> is the launch's EC2 client token, so a
/// runner that crashed between the record and the launch (or during it) launches with the same token again and gets the
/// same instance, never a second one.
/// </summary>
internal sealed class ScalingGroupInstance
{
    public required string ClientToken { get; init; }

    public required string GroupId { get; init; }

    public required string AccountId { get; init; }

    public string? InstanceId { get; set; }

    public required string AvailabilityZone { get; init; }

    public required string SubnetId { get; init; }

    /// <summary>Pending, InService, Terminating, Terminated (Auto Scaling's lifecycle states).</summary>
    public required string LifecycleState { get; set; }

    public string HealthStatus { get; set; } = "Healthy";

    public bool ProtectedFromScaleIn { get; set; }

    public long LaunchTemplateVersion { get; init; }

    /// <summary>The launch template it was launched from (an instance refresh's desired configuration may name another); null on rows older than this column: the group's.</summary>
    public string? LaunchTemplateId { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime? LaunchedAt { get; set; }
}

/// <summary>A scaling activity, worded as Auto Scaling words its description and cause.</summary>
internal sealed class ScalingActivity
{
    public required string Id { get; init; }

    public required string GroupId { get; init; }

    public required string AccountId { get; init; }

    public required string Description { get; set; }

    public required string Cause { get; init; }

    /// <summary>InProgress, Successful, Failed, Cancelled.</summary>
    public required string StatusCode { get; set; }

    public string? StatusMessage { get; set; }

    public int Progress { get; set; }

    public DateTime StartTime { get; init; }

    public DateTime? EndTime { get; set; }
}

internal static class AutoScalingModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<LaunchTemplate>(t =>
        {
            t.ToTable("launch_templates");
            t.HasKey(x => x.Id);
            t.Property(x => x.Id).HasColumnName("id").HasMaxLength(32);
            t.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            t.Property(x => x.Name).HasColumnName("name").HasMaxLength(128);
            t.Property(x => x.DefaultVersion).HasColumnName("default_version");
            t.Property(x => x.LatestVersion).HasColumnName("latest_version").IsConcurrencyToken();
            t.Property(x => x.CreatedAt).HasColumnName("created_at");
            t.HasIndex(x => new { x.AccountId, x.Name }).IsUnique();
            t.HasMany(x => x.Versions).WithOne().HasForeignKey(v => v.TemplateId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<LaunchTemplateVersion>(v =>
        {
            v.ToTable("launch_template_versions");
            v.HasKey(x => new { x.TemplateId, x.VersionNumber });
            v.Property(x => x.TemplateId).HasColumnName("template_id").HasMaxLength(32);
            v.Property(x => x.VersionNumber).HasColumnName("version_number");
            v.Property(x => x.Description).HasColumnName("description").HasMaxLength(255);
            v.Property(x => x.ImageId).HasColumnName("image_id").HasMaxLength(32);
            v.Property(x => x.InstanceType).HasColumnName("instance_type").HasMaxLength(32);
            v.Property(x => x.KeyName).HasColumnName("key_name").HasMaxLength(255);
            v.Property(x => x.SecurityGroups).HasColumnName("security_groups").HasMaxLength(4096);
            v.Property(x => x.UserData).HasColumnName("user_data");
            v.Property(x => x.Tags).HasColumnName("tags");
            v.Property(x => x.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<ScalingGroup>(g =>
        {
            g.ToTable("scaling_groups");
            g.HasKey(x => x.Id);
            g.Property(x => x.Id).HasColumnName("id").HasMaxLength(36);
            g.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            g.Property(x => x.Name).HasColumnName("name").HasMaxLength(255);
            g.Property(x => x.LaunchTemplateId).HasColumnName("launch_template_id").HasMaxLength(32);
            g.Property(x => x.LaunchTemplateVersion).HasColumnName("launch_template_version").HasMaxLength(32);
            g.Property(x => x.MinSize).HasColumnName("min_size");
            g.Property(x => x.MaxSize).HasColumnName("max_size");
            g.Property(x => x.DesiredCapacity).HasColumnName("desired_capacity");
            g.Property(x => x.Subnets).HasColumnName("subnets").HasMaxLength(4096);
            g.Property(x => x.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            g.Property(x => x.AvailabilityZones).HasColumnName("availability_zones").HasMaxLength(4096);
            g.Property(x => x.HealthCheckType).HasColumnName("health_check_type").HasMaxLength(8);
            g.Property(x => x.HealthCheckGracePeriod).HasColumnName("health_check_grace_period");
            g.Property(x => x.DefaultCooldown).HasColumnName("default_cooldown");
            g.Property(x => x.DefaultInstanceWarmup).HasColumnName("default_instance_warmup");
            g.Property(x => x.TerminationPolicies).HasColumnName("termination_policies").HasMaxLength(1024);
            g.Property(x => x.NewInstancesProtectedFromScaleIn).HasColumnName("new_instances_protected_from_scale_in");
            g.Property(x => x.SuspendedProcesses).HasColumnName("suspended_processes").HasMaxLength(1024);
            g.Property(x => x.Tags).HasColumnName("tags");
            g.Property(x => x.TargetGroupArns).HasColumnName("target_group_arns");
            g.Property(x => x.EnabledMetrics).HasColumnName("enabled_metrics").HasMaxLength(1024);
            g.Property(x => x.Status).HasColumnName("status").HasMaxLength(64);
            g.Property(x => x.CapacityChangeCause).HasColumnName("capacity_change_cause").HasMaxLength(1024);
            g.Property(x => x.CreatedAt).HasColumnName("created_at");
            g.Property(x => x.LeaseHolder).HasColumnName("lease_holder").HasMaxLength(64).IsConcurrencyToken();
            g.Property(x => x.LeaseExpiresAt).HasColumnName("lease_expires_at");
            g.Property(x => x.Revision).HasColumnName("revision").IsConcurrencyToken();
            g.HasIndex(x => new { x.AccountId, x.Name }).IsUnique();
        });

        modelBuilder.Entity<ScalingGroupInstance>(i =>
        {
            i.ToTable("scaling_group_instances");
            i.HasKey(x => x.ClientToken);
            i.Property(x => x.ClientToken).HasColumnName("client_token").HasMaxLength(64);
            i.Property(x => x.GroupId).HasColumnName("group_id").HasMaxLength(36);
            i.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            i.Property(x => x.InstanceId).HasColumnName("instance_id").HasMaxLength(32);
            i.Property(x => x.AvailabilityZone).HasColumnName("availability_zone").HasMaxLength(64);
            i.Property(x => x.SubnetId).HasColumnName("subnet_id").HasMaxLength(32);
            i.Property(x => x.LifecycleState).HasColumnName("lifecycle_state").HasMaxLength(32);
            i.Property(x => x.HealthStatus).HasColumnName("health_status").HasMaxLength(16);
            i.Property(x => x.ProtectedFromScaleIn).HasColumnName("protected_from_scale_in");
            i.Property(x => x.LaunchTemplateVersion).HasColumnName("launch_template_version");
            i.Property(x => x.LaunchTemplateId).HasColumnName("launch_template_id").HasMaxLength(32);
            i.Property(x => x.CreatedAt).HasColumnName("created_at");
            i.Property(x => x.LaunchedAt).HasColumnName("launched_at");
            i.HasIndex(x => new { x.GroupId, x.LifecycleState });
            i.HasIndex(x => x.InstanceId);
        });

        modelBuilder.Entity<ScalingActivity>(a =>
        {
            a.ToTable("scaling_activities");
            a.HasKey(x => x.Id);
            a.Property(x => x.Id).HasColumnName("id").HasMaxLength(36);
            a.Property(x => x.GroupId).HasColumnName("group_id").HasMaxLength(36);
            a.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            a.Property(x => x.Description).HasColumnName("description").HasMaxLength(1024);
            a.Property(x => x.Cause).HasColumnName("cause").HasMaxLength(2048);
            a.Property(x => x.StatusCode).HasColumnName("status_code").HasMaxLength(32);
            a.Property(x => x.StatusMessage).HasColumnName("status_message").HasMaxLength(1024);
            a.Property(x => x.Progress).HasColumnName("progress");
            a.Property(x => x.StartTime).HasColumnName("start_time");
            a.Property(x => x.EndTime).HasColumnName("end_time");
            a.HasIndex(x => new { x.GroupId, x.StartTime });
        });
    }
}

/// <summary>A scaling policy of a group: target tracking, step or simple scaling, as Auto Scaling's PutScalingPolicy takes them.</summary>
internal sealed class ScalingPolicy
{
    public required string Id { get; init; }

    public required string GroupId { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    /// <summary>TargetTrackingScaling, StepScaling or SimpleScaling.</summary>
    public required string PolicyType { get; set; }

    public string? AdjustmentType { get; set; }

    public int? ScalingAdjustment { get; set; }

    public int? MinAdjustmentMagnitude { get; set; }

    public int? Cooldown { get; set; }

    /// <summary>JSON array of step adjustments.</summary>
    public string? StepAdjustments { get; set; }

    public int? EstimatedInstanceWarmup { get; set; }

    /// <summary>ASGAverageCPUUtilization, ASGAverageNetworkIn or ASGAverageNetworkOut.</summary>
    public string? PredefinedMetricType { get; set; }

    public double? TargetValue { get; set; }

    public bool DisableScaleIn { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary>When the policy last changed the group's desired capacity: its cooldown counts from here.</summary>
    public DateTime? LastScaledAt { get; set; }

    public DateTime CreatedAt { get; init; }
}

internal static class ScalingPolicyModel
{
    public static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<ScalingPolicy>(p =>
    {
        p.ToTable("scaling_policies");
        p.HasKey(x => x.Id);
        p.Property(x => x.Id).HasColumnName("id").HasMaxLength(36);
        p.Property(x => x.GroupId).HasColumnName("group_id").HasMaxLength(36);
        p.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
        p.Property(x => x.Name).HasColumnName("name").HasMaxLength(255);
        p.Property(x => x.PolicyType).HasColumnName("policy_type").HasMaxLength(32);
        p.Property(x => x.AdjustmentType).HasColumnName("adjustment_type").HasMaxLength(32);
        p.Property(x => x.ScalingAdjustment).HasColumnName("scaling_adjustment");
        p.Property(x => x.MinAdjustmentMagnitude).HasColumnName("min_adjustment_magnitude");
        p.Property(x => x.Cooldown).HasColumnName("cooldown");
        p.Property(x => x.StepAdjustments).HasColumnName("step_adjustments").HasMaxLength(4096);
        p.Property(x => x.EstimatedInstanceWarmup).HasColumnName("estimated_instance_warmup");
        p.Property(x => x.PredefinedMetricType).HasColumnName("predefined_metric_type").HasMaxLength(64);
        p.Property(x => x.TargetValue).HasColumnName("target_value");
        p.Property(x => x.DisableScaleIn).HasColumnName("disable_scale_in");
        p.Property(x => x.Enabled).HasColumnName("enabled");
        p.Property(x => x.LastScaledAt).HasColumnName("last_scaled_at").IsConcurrencyToken();
        p.Property(x => x.CreatedAt).HasColumnName("created_at");
        p.HasIndex(x => new { x.GroupId, x.Name }).IsUnique();
    });
}

/// <summary>
/// A scheduled action of a group (Auto Scaling's PutScheduledUpdateGroupAction): at <see cref="NextRunAt"/> the group job
/// sets the sizes it names. <see cref="NextRunAt"/> is the occurrence still to apply and a concurrency token: the pass that
/// applies it moves it on (or deletes a one-time action) in the same transaction as the group's new sizes, so an occurrence
/// is applied once even by two replicas or a rerun.
/// </summary>
internal sealed class ScheduledAction
{
    public required string Id { get; init; }

    public required string GroupId { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    /// <summary>As given (UTC): a one-time action's time, or when a recurrence begins.</summary>
    public DateTime? StartTime { get; set; }

    public DateTime? EndTime { get; set; }

    /// <summary>Five-field Unix cron, read in <see cref="TimeZone"/> (UTC when none).</summary>
    public string? Recurrence { get; set; }

    /// <summary>An IANA time zone name.</summary>
    public string? TimeZone { get; set; }

    public int? MinSize { get; set; }

    public int? MaxSize { get; set; }

    public int? DesiredCapacity { get; set; }

    /// <summary>The next occurrence to apply (UTC); null once a recurrence has passed its end time.</summary>
    public DateTime? NextRunAt { get; set; }

    /// <summary>The last occurrence applied (UTC).</summary>
    public DateTime? LastRunAt { get; set; }

    public DateTime CreatedAt { get; init; }
}

internal static class ScheduledActionModel
{
    public static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<ScheduledAction>(a =>
    {
        a.ToTable("scheduled_actions");
        a.HasKey(x => x.Id);
        a.Property(x => x.Id).HasColumnName("id").HasMaxLength(36);
        a.Property(x => x.GroupId).HasColumnName("group_id").HasMaxLength(36);
        a.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
        a.Property(x => x.Name).HasColumnName("name").HasMaxLength(255);
        a.Property(x => x.StartTime).HasColumnName("start_time");
        a.Property(x => x.EndTime).HasColumnName("end_time");
        a.Property(x => x.Recurrence).HasColumnName("recurrence").HasMaxLength(255);
        a.Property(x => x.TimeZone).HasColumnName("time_zone").HasMaxLength(255);
        a.Property(x => x.MinSize).HasColumnName("min_size");
        a.Property(x => x.MaxSize).HasColumnName("max_size");
        a.Property(x => x.DesiredCapacity).HasColumnName("desired_capacity");
        a.Property(x => x.NextRunAt).HasColumnName("next_run_at").IsConcurrencyToken();
        a.Property(x => x.LastRunAt).HasColumnName("last_run_at");
        a.Property(x => x.CreatedAt).HasColumnName("created_at");
        a.HasIndex(x => new { x.GroupId, x.Name }).IsUnique();
        a.HasIndex(x => new { x.GroupId, x.NextRunAt });
    });
}
