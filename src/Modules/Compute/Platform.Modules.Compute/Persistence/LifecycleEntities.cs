using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.Compute.Persistence;

/// <summary>A lifecycle hook of a group: instances of the group wait at its transition until an action completes or times out.</summary>
internal sealed class LifecycleHook
{
    public required string Id { get; init; }

    public required string GroupId { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    /// <summary><c>autoscaling:EC2_INSTANCE_LAUNCHING</c> or <c>autoscaling:EC2_INSTANCE_TERMINATING</c>.</summary>
    public required string Transition { get; set; }

    /// <summary>Seconds an action waits without a heartbeat before the default result applies.</summary>
    public int HeartbeatTimeout { get; set; }

    /// <summary><c>CONTINUE</c> or <c>ABANDON</c>.</summary>
    public required string DefaultResult { get; set; }

    public string? NotificationMetadata { get; set; }

    public DateTime CreatedAt { get; init; }
}

/// <summary>
/// One instance waiting at one hook: its token is what CompleteLifecycleAction and RecordLifecycleActionHeartbeat name. The
/// result is set once, by one conditional update (<c>result IS NULL</c>): by the caller completing it, or by the group job
/// applying the hook's default result once the deadline has passed, whichever comes first.
/// </summary>
internal sealed class LifecycleAction
{
    public required string Token { get; init; }

    public required string GroupId { get; init; }

    public required string AccountId { get; init; }

    /// <summary>The member's client token (<see cref="ScalingGroupInstance.ClientToken"/>).</summary>
    public required string MemberToken { get; init; }

    public required string InstanceId { get; init; }

    public required string HookName { get; init; }

    public required string Transition { get; init; }

    /// <summary>When the hook's default result applies unless a heartbeat moves it on.</summary>
    public DateTime Deadline { get; set; }

    /// <summary>No heartbeat moves <see cref="Deadline"/> past this: 100 heartbeat timeouts or 48 hours, whichever is less (AWS's global timeout).</summary>
    public DateTime GlobalDeadline { get; init; }

    /// <summary>Null while waiting; then <c>CONTINUE</c> or <c>ABANDON</c>.</summary>
    public string? Result { get; set; }

    public DateTime CreatedAt { get; init; }
}

internal static class LifecycleModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<LifecycleHook>(h =>
        {
            h.ToTable("lifecycle_hooks");
            h.HasKey(x => x.Id);
            h.Property(x => x.Id).HasColumnName("id").HasMaxLength(36);
            h.Property(x => x.GroupId).HasColumnName("group_id").HasMaxLength(36);
            h.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            h.Property(x => x.Name).HasColumnName("name").HasMaxLength(255);
            h.Property(x => x.Transition).HasColumnName("transition").HasMaxLength(64);
            h.Property(x => x.HeartbeatTimeout).HasColumnName("heartbeat_timeout");
            h.Property(x => x.DefaultResult).HasColumnName("default_result").HasMaxLength(16);
            h.Property(x => x.NotificationMetadata).HasColumnName("notification_metadata").HasMaxLength(4000);
            h.Property(x => x.CreatedAt).HasColumnName("created_at");
            h.HasIndex(x => new { x.GroupId, x.Name }).IsUnique();
        });

        modelBuilder.Entity<LifecycleAction>(a =>
        {
            a.ToTable("lifecycle_actions");
            a.HasKey(x => x.Token);
            a.Property(x => x.Token).HasColumnName("token").HasMaxLength(36);
            a.Property(x => x.GroupId).HasColumnName("group_id").HasMaxLength(36);
            a.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            a.Property(x => x.MemberToken).HasColumnName("member_token").HasMaxLength(64);
            a.Property(x => x.InstanceId).HasColumnName("instance_id").HasMaxLength(32);
            a.Property(x => x.HookName).HasColumnName("hook_name").HasMaxLength(255);
            a.Property(x => x.Transition).HasColumnName("transition").HasMaxLength(64);
            a.Property(x => x.Deadline).HasColumnName("deadline");
            a.Property(x => x.GlobalDeadline).HasColumnName("global_deadline");
            a.Property(x => x.Result).HasColumnName("result").HasMaxLength(16);
            a.Property(x => x.CreatedAt).HasColumnName("created_at");
            // One action per member, hook and transition: a pass that resumes after a crash finds it rather than adding a second.
            a.HasIndex(x => new { x.MemberToken, x.HookName, x.Transition }).IsUnique();
            a.HasIndex(x => new { x.GroupId, x.InstanceId });
        });
    }
}

/// <summary>
/// An instance refresh of a group. <see cref="ActiveGroupId"/> is the group's id while the refresh is Pending, InProgress or
/// Cancelling and null after: a unique index on it keeps one active refresh per group, whichever replica starts it.
/// </summary>
internal sealed class InstanceRefresh
{
    public required string Id { get; init; }

    public required string GroupId { get; init; }

    public required string AccountId { get; init; }

    public string? ActiveGroupId { get; set; }

    /// <summary>Pending, InProgress, Successful, Failed, Cancelling, Cancelled, RollbackInProgress, RollbackSuccessful, RollbackFailed.</summary>
    public required string Status { get; set; }

    public string? StatusReason { get; set; }

    public int MinHealthyPercentage { get; init; }

    public int? InstanceWarmup { get; init; }

    public DateTime StartTime { get; init; }

    public DateTime? EndTime { get; set; }

    public int PercentageComplete { get; set; }

    /// <summary>Instances still to replace.</summary>
    public int InstancesToUpdate { get; set; }

    /// <summary>Instances to replace when the refresh began: the base of <see cref="PercentageComplete"/>.</summary>
    public int InitialInstancesToUpdate { get; set; }

    /// <summary>Capacity allowed above the desired while replacing (100-200 %), null as AWS's default: terminate, then launch.</summary>
    public int? MaxHealthyPercentage { get; init; }

    /// <summary>Leave instances already on the desired launch template version alone (AWS's default replaces every instance).</summary>
    public bool SkipMatching { get; init; }

    /// <summary>Checkpoints as ascending percentages, comma-separated ("20,50,100"); null when none.</summary>
    public string? CheckpointPercentages { get; init; }

    /// <summary>Seconds to wait at each checkpoint.</summary>
    public int? CheckpointDelay { get; init; }

    /// <summary>Checkpoints passed (waited out): the next one is the one after them.</summary>
    public int CheckpointsPassed { get; set; }

    /// <summary>When the refresh stopped at its current checkpoint; null while it replaces.</summary>
    public DateTime? CheckpointReachedAt { get; set; }

    /// <summary>DesiredConfiguration's launch template; null when the refresh brings instances to the group's own configuration.</summary>
    public string? DesiredLaunchTemplateId { get; init; }

    /// <summary>DesiredConfiguration's version as asked ("3", <c>$Latest</c>, <c>$Default</c>); the group's once the refresh succeeds.</summary>
    public string? DesiredLaunchTemplateVersion { get; init; }

    /// <summary>The group's launch template when the refresh began: what a rollback returns instances to.</summary>
    public string? PreviousLaunchTemplateId { get; init; }

    /// <summary>The group's launch template version when the refresh began, as the group had it.</summary>
    public string? PreviousLaunchTemplateVersion { get; init; }

    /// <summary>Roll back on failure (Preferences.AutoRollback).</summary>
    public bool AutoRollback { get; init; }

    /// <summary>Refresh, Ignore or Wait (null: Wait, AWS's default).</summary>
    public string? ScaleInProtectedInstances { get; init; }

    /// <summary>Terminate, Ignore or Wait (null: Wait, AWS's default). The platform has no Standby state, so it is only answered back.</summary>
    public string? StandbyInstances { get; init; }

    /// <summary>Since when the refresh waits for instances protected from scale in (ScaleInProtectedInstances Wait); null when it does not.</summary>
    public DateTime? ProtectedWaitSince { get; set; }

    /// <summary>Preferences.AlarmSpecification's alarm names, one a line; null when none: one in ALARM fails the refresh (or rolls it back).</summary>
    public string? Alarms { get; init; }

    /// <summary>Preferences.BakeTime: seconds to wait, watching the alarms, once every instance is replaced, before the refresh succeeds.</summary>
    public int? BakeTime { get; init; }

    /// <summary>When the refresh began its bake time (status Baking); null before.</summary>
    public DateTime? BakingSince { get; set; }

    public string? RollbackReason { get; set; }

    public DateTime? RollbackStartTime { get; set; }

    public int? PercentageCompleteOnRollback { get; set; }

    public int? InstancesToUpdateOnRollback { get; set; }
}

internal static class InstanceRefreshModel
{
    public static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<InstanceRefresh>(r =>
    {
        r.ToTable("instance_refreshes");
        r.HasKey(x => x.Id);
        r.Property(x => x.Id).HasColumnName("id").HasMaxLength(36);
        r.Property(x => x.GroupId).HasColumnName("group_id").HasMaxLength(36);
        r.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
        r.Property(x => x.ActiveGroupId).HasColumnName("active_group_id").HasMaxLength(36);
        // The API (cancel, rollback) and the group job both change the status: a pass that read it before the API's change fails its save and
        // the next pass reads it again, rather than writing over it.
        r.Property(x => x.Status).HasColumnName("status").HasMaxLength(32).IsConcurrencyToken();
        r.Property(x => x.StatusReason).HasColumnName("status_reason").HasMaxLength(1023);
        r.Property(x => x.MinHealthyPercentage).HasColumnName("min_healthy_percentage");
        r.Property(x => x.InstanceWarmup).HasColumnName("instance_warmup");
        r.Property(x => x.StartTime).HasColumnName("start_time");
        r.Property(x => x.EndTime).HasColumnName("end_time");
        r.Property(x => x.PercentageComplete).HasColumnName("percentage_complete");
        r.Property(x => x.InstancesToUpdate).HasColumnName("instances_to_update");
        r.Property(x => x.InitialInstancesToUpdate).HasColumnName("initial_instances_to_update");
        r.Property(x => x.MaxHealthyPercentage).HasColumnName("max_healthy_percentage");
        r.Property(x => x.SkipMatching).HasColumnName("skip_matching");
        r.Property(x => x.CheckpointPercentages).HasColumnName("checkpoint_percentages").HasMaxLength(400);
        r.Property(x => x.CheckpointDelay).HasColumnName("checkpoint_delay");
        r.Property(x => x.CheckpointsPassed).HasColumnName("checkpoints_passed");
        r.Property(x => x.CheckpointReachedAt).HasColumnName("checkpoint_reached_at");
        r.Property(x => x.DesiredLaunchTemplateId).HasColumnName("desired_launch_template_id").HasMaxLength(32);
        r.Property(x => x.DesiredLaunchTemplateVersion).HasColumnName("desired_launch_template_version").HasMaxLength(32);
        r.Property(x => x.PreviousLaunchTemplateId).HasColumnName("previous_launch_template_id").HasMaxLength(32);
        r.Property(x => x.PreviousLaunchTemplateVersion).HasColumnName("previous_launch_template_version").HasMaxLength(32);
        r.Property(x => x.AutoRollback).HasColumnName("auto_rollback");
        r.Property(x => x.ScaleInProtectedInstances).HasColumnName("scale_in_protected_instances").HasMaxLength(16);
        r.Property(x => x.StandbyInstances).HasColumnName("standby_instances").HasMaxLength(16);
        r.Property(x => x.ProtectedWaitSince).HasColumnName("protected_wait_since");
        r.Property(x => x.Alarms).HasColumnName("alarms").HasMaxLength(2600);
        r.Property(x => x.BakeTime).HasColumnName("bake_time");
        r.Property(x => x.BakingSince).HasColumnName("baking_since");
        r.Property(x => x.RollbackReason).HasColumnName("rollback_reason").HasMaxLength(1023);
        r.Property(x => x.RollbackStartTime).HasColumnName("rollback_start_time");
        r.Property(x => x.PercentageCompleteOnRollback).HasColumnName("percentage_complete_on_rollback");
        r.Property(x => x.InstancesToUpdateOnRollback).HasColumnName("instances_to_update_on_rollback");
        // SQL Server filters a unique index on a nullable column to its non-null values (EF's convention); SQLite allows many NULLs.
        r.HasIndex(x => x.ActiveGroupId).IsUnique();
        r.HasIndex(x => new { x.GroupId, x.StartTime });
    });
}
