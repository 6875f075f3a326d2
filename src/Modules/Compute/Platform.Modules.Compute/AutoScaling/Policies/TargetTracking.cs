using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.AutoScaling.Groups;
using Platform.Modules.Compute.Metrics;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.AutoScaling.Policies;

/// <summary>
/// Target tracking, as the group job applies it on each pass: the group's metric is the average over its instances in
/// service and past their warm-up of their last two minutes (CPUUtilization in percent; NetworkIn/Out in bytes per
/// minute), and the desired capacity becomes <see cref="ScalingArithmetic.TargetTracking"/> of it plus the instances still
/// warming up. Several policies: the largest capacity wins; a scale-in waits for the warm-ups and the group's cooldown
/// since the last scaling, as AWS's target tracking scales out fast and in slowly.
/// </summary>
internal sealed class TargetTracking(ComputeDbContext db, DateTime now)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(2);

    /// <returns>Whether the desired capacity changed (the group is saved with it).</returns>
    public async Task<bool> ApplyAsync(ScalingGroup group, IReadOnlyList<ScalingGroupInstance> members, CancellationToken cancellationToken)
    {
        var policies = await db.ScalingPolicies.Where(p => p.GroupId == group.Id && p.Enabled && p.PolicyType == PolicyTypes.TargetTracking).ToListAsync(cancellationToken);
        if (policies.Count == 0)
        {
            return false;
        }

        var decisions = new List<(ScalingPolicy Policy, int Capacity, double Metric)>();
        foreach (var policy in policies)
        {
            var warmup = TimeSpan.FromSeconds(policy.EstimatedInstanceWarmup ?? group.DefaultInstanceWarmup ?? 300);
            var live = members.Where(m => LifecycleStates.IsPending(m.LifecycleState) || m.LifecycleState == LifecycleStates.InService).ToList();
            var warm = live.Where(m => m.LifecycleState == LifecycleStates.InService && m.InstanceId is not null
                && !ScalingArithmetic.WarmingUp(m.LaunchedAt ?? m.CreatedAt, now, warmup)).ToList();
            if (warm.Count == 0 || await MetricAsync(policy.PredefinedMetricType!, warm.Select(m => m.InstanceId!).ToList(), cancellationToken) is not { } metric)
            {
                continue;
            }

            var warming = live.Count - warm.Count;
            var capacity = ScalingArithmetic.Clamp((long)ScalingArithmetic.TargetTracking(warm.Count, metric, policy.TargetValue!.Value, 0, int.MaxValue, policy.DisableScaleIn) + warming,
                group.MinSize, group.MaxSize);
            if (capacity < group.DesiredCapacity && (warming > 0 || (policy.LastScaledAt is { } last && now < last + TimeSpan.FromSeconds(group.DefaultCooldown))))
            {
                capacity = group.DesiredCapacity;
            }

            decisions.Add((policy, capacity, metric));
        }

        if (decisions.Count == 0)
        {
            return false;
        }

        // Out: the largest; in: only when every policy asks for less, to the largest of them.
        var chosen = decisions.MaxBy(d => d.Capacity);
        if (chosen.Capacity == group.DesiredCapacity || (chosen.Capacity < group.DesiredCapacity && decisions.Any(d => d.Capacity >= group.DesiredCapacity)))
        {
            return false;
        }

        var side = chosen.Capacity > group.DesiredCapacity ? "High" : "Low";
        group.CapacityChangeCause = string.Create(CultureInfo.InvariantCulture,
            $"At {now:yyyy-MM-ddTHH:mm:ssZ} a monitor alarm TargetTracking-{group.Name}-Alarm{side}-{chosen.Policy.Id} in state ALARM triggered policy {chosen.Policy.Name} changing the desired capacity from {group.DesiredCapacity} to {chosen.Capacity}.");
        group.DesiredCapacity = chosen.Capacity;
        chosen.Policy.LastScaledAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>The average over the instances of each one's value over the window; null when none has data.</summary>
    private async Task<double?> MetricAsync(string metricType, List<string> instanceIds, CancellationToken cancellationToken)
    {
        var from = now - Window;
        var minutes = await db.InstanceMetrics.AsNoTracking().Where(m => instanceIds.Contains(m.InstanceId) && m.PeriodStart >= from).ToListAsync(cancellationToken);
        var values = minutes.GroupBy(m => m.InstanceId).Select(g =>
        {
            var list = g.ToList();
            return metricType switch
            {
                "ASGAverageCPUUtilization" => InstanceMetricCatalog.ByName["CPUUtilization"].Value(list),
                "ASGAverageNetworkIn" => InstanceMetricCatalog.ByName["NetworkIn"].Value(list) / list.Count,
                _ => InstanceMetricCatalog.ByName["NetworkOut"].Value(list) / list.Count,
            };
        }).OfType<double>().ToList();
        return values.Count == 0 ? null : values.Average();
    }
}
