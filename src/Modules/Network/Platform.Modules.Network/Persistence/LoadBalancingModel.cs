using Microsoft.EntityFrameworkCore;

namespace Platform.Modules.Network.Persistence;

/// <summary>The load balancing tables of the <c>network</c> schema. Unique indexes settle races: names per account, a listener's port, a rule's priority.</summary>
internal static class LoadBalancingModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<LoadBalancer>(lb =>
        {
            lb.ToTable("load_balancers");
            lb.HasKey(l => l.Arn);
            lb.Property(l => l.Arn).HasColumnName("arn").HasMaxLength(256);
            lb.Property(l => l.AccountId).HasColumnName("account_id").HasMaxLength(12);
            lb.Property(l => l.Name).HasColumnName("name").HasMaxLength(32);
            lb.Property(l => l.Type).HasColumnName("type").HasMaxLength(16);
            lb.Property(l => l.Scheme).HasColumnName("scheme").HasMaxLength(16);
            lb.Property(l => l.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            lb.Property(l => l.State).HasColumnName("state").HasMaxLength(16);
            lb.Property(l => l.NodesJson).HasColumnName("nodes_json").HasMaxLength(4000);
            lb.Property(l => l.SecurityGroupsJson).HasColumnName("security_groups_json").HasMaxLength(1000);
            lb.Property(l => l.AllocationId).HasColumnName("allocation_id").HasMaxLength(32);
            lb.Property(l => l.PublicIp).HasColumnName("public_ip").HasMaxLength(15);
            lb.Property(l => l.TagsJson).HasColumnName("tags_json").HasMaxLength(8000);
            lb.Property(l => l.CreatedAt).HasColumnName("created_at");
            lb.HasIndex(l => new { l.AccountId, l.Name }).IsUnique();
            lb.HasIndex(l => l.VpcId);
        });

        modelBuilder.Entity<TargetGroup>(group =>
        {
            group.ToTable("target_groups");
            group.HasKey(g => g.Arn);
            group.Property(g => g.Arn).HasColumnName("arn").HasMaxLength(256);
            group.Property(g => g.AccountId).HasColumnName("account_id").HasMaxLength(12);
            group.Property(g => g.Name).HasColumnName("name").HasMaxLength(32);
            group.Property(g => g.Protocol).HasColumnName("protocol").HasMaxLength(8);
            group.Property(g => g.Port).HasColumnName("port");
            group.Property(g => g.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            group.Property(g => g.TargetType).HasColumnName("target_type").HasMaxLength(8);
            group.Property(g => g.HealthCheckEnabled).HasColumnName("health_check_enabled");
            group.Property(g => g.HealthCheckProtocol).HasColumnName("health_check_protocol").HasMaxLength(8);
            group.Property(g => g.HealthCheckPort).HasColumnName("health_check_port").HasMaxLength(16);
            group.Property(g => g.HealthCheckPath).HasColumnName("health_check_path").HasMaxLength(1024);
            group.Property(g => g.HealthCheckIntervalSeconds).HasColumnName("health_check_interval_seconds");
            group.Property(g => g.HealthCheckTimeoutSeconds).HasColumnName("health_check_timeout_seconds");
            group.Property(g => g.HealthyThresholdCount).HasColumnName("healthy_threshold_count");
            group.Property(g => g.UnhealthyThresholdCount).HasColumnName("unhealthy_threshold_count");
            group.Property(g => g.Matcher).HasColumnName("matcher").HasMaxLength(64);
            group.Property(g => g.DeregistrationDelaySeconds).HasColumnName("deregistration_delay_seconds");
            group.Property(g => g.TagsJson).HasColumnName("tags_json").HasMaxLength(8000);
            group.Property(g => g.CreatedAt).HasColumnName("created_at");
            group.HasIndex(g => new { g.AccountId, g.Name }).IsUnique();
            group.HasIndex(g => g.VpcId);
        });

        modelBuilder.Entity<RegisteredTarget>(target =>
        {
            target.ToTable("registered_targets");
            target.HasKey(t => new { t.TargetGroupArn, t.TargetId, t.Port });
            target.Property(t => t.TargetGroupArn).HasColumnName("target_group_arn").HasMaxLength(256);
            target.Property(t => t.TargetId).HasColumnName("target_id").HasMaxLength(32);
            target.Property(t => t.Port).HasColumnName("port");
            target.Property(t => t.AccountId).HasColumnName("account_id").HasMaxLength(12);
            target.Property(t => t.IpAddress).HasColumnName("ip_address").HasMaxLength(15);
            target.Property(t => t.AvailabilityZone).HasColumnName("availability_zone").HasMaxLength(32);
            target.Property(t => t.RegisteredAt).HasColumnName("registered_at");
            target.Property(t => t.DeregisteredAt).HasColumnName("deregistered_at");
            target.Property(t => t.ReportedHealth).HasColumnName("reported_health").HasMaxLength(16);
            target.Property(t => t.ReportedReason).HasColumnName("reported_reason").HasMaxLength(64);
            target.Property(t => t.ReportedAt).HasColumnName("reported_at");
            target.HasIndex(t => t.TargetId);
        });

        modelBuilder.Entity<Listener>(listener =>
        {
            listener.ToTable("listeners");
            listener.HasKey(l => l.Arn);
            listener.Property(l => l.Arn).HasColumnName("arn").HasMaxLength(300);
            listener.Property(l => l.LoadBalancerArn).HasColumnName("load_balancer_arn").HasMaxLength(256);
            listener.Property(l => l.AccountId).HasColumnName("account_id").HasMaxLength(12);
            listener.Property(l => l.Protocol).HasColumnName("protocol").HasMaxLength(8);
            listener.Property(l => l.Port).HasColumnName("port");
            listener.Property(l => l.DefaultActionJson).HasColumnName("default_action_json").HasMaxLength(4000);
            listener.Property(l => l.CreatedAt).HasColumnName("created_at");
            listener.HasIndex(l => new { l.LoadBalancerArn, l.Port }).IsUnique();
        });

        modelBuilder.Entity<ListenerRule>(rule =>
        {
            rule.ToTable("listener_rules");
            rule.HasKey(r => r.Arn);
            rule.Property(r => r.Arn).HasColumnName("arn").HasMaxLength(340);
            rule.Property(r => r.ListenerArn).HasColumnName("listener_arn").HasMaxLength(300);
            rule.Property(r => r.AccountId).HasColumnName("account_id").HasMaxLength(12);
            rule.Property(r => r.Priority).HasColumnName("priority");
            rule.Property(r => r.ConditionsJson).HasColumnName("conditions_json").HasMaxLength(8000);
            rule.Property(r => r.ActionJson).HasColumnName("action_json").HasMaxLength(4000);
            rule.Property(r => r.CreatedAt).HasColumnName("created_at");
            rule.HasIndex(r => new { r.ListenerArn, r.Priority }).IsUnique();
        });
    }
}
