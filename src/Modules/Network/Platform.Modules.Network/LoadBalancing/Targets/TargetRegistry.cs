using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.LoadBalancing.Targets;

/// <summary>A target as ELBv2 names it: an instance id or an IPv4 address, a port (null: the group's), a zone (ip targets).</summary>
internal sealed record TargetDescription(string? Id, int? Port = null, string? AvailabilityZone = null);

/// <summary>One target's health, ELBv2's TargetHealthDescription.</summary>
internal sealed record TargetHealthDescription(TargetDescription Target, string HealthCheckPort, TargetHealth TargetHealth);

internal sealed record TargetHealth(string State, string? Reason, string? Description);

/// <summary>
/// Registering, deregistering and reading the health of targets: the tenant's API and the platform's own contract
/// (an Auto Scaling group) share it. An instance target must have an interface in the group's VPC in the same account;
/// an ip target must lie in a subnet of the group's VPC; anything else is <c>InvalidTarget</c> and nothing is registered.
/// A deregistered target drains for the group's delay, then is gone.
/// </summary>
internal sealed partial class TargetRegistry(NetworkDbContext db)
{
    public async Task RegisterAsync(string accountId, string targetGroupArn, IReadOnlyList<TargetDescription>? targets, CancellationToken cancellationToken)
    {
        var group = await db.FindTargetGroupAsync(accountId, targetGroupArn, cancellationToken);
        if (targets is null || targets.Count == 0)
        {
            throw ElbErrors.Validation("At least one target must be specified.");
        }

        var resolved = new List<(string Id, int Port, string Ip, string Zone)>();
        foreach (var target in targets)
        {
            if (target.Port is not null and not (>= 1 and <= 65535))
            {
                throw ElbErrors.Validation($"Target port must be 1 to 65535, not {target.Port}.");
            }

            var port = target.Port ?? group.Port;
            var (ip, zone) = group.TargetType == "instance"
                ? await ResolveInstanceAsync(accountId, group, target.Id, cancellationToken)
                : await ResolveIpAsync(group, target.Id, cancellationToken);
            resolved.Add((target.Id!, port, ip, zone));
        }

        var now = DateTime.UtcNow;
        foreach (var (id, port, ip, zone) in resolved.Distinct())
        {
            var existing = await db.RegisteredTargets.SingleOrDefaultAsync(t => t.TargetGroupArn == group.Arn && t.TargetId == id && t.Port == port, cancellationToken);
            if (existing is not null && IsGone(existing, group, now))
            {
                db.RegisteredTargets.Remove(existing);
                existing = null;
            }

            if (existing is null)
            {
                db.RegisteredTargets.Add(new RegisteredTarget
                {
                    TargetGroupArn = group.Arn,
                    TargetId = id,
                    Port = port,
                    AccountId = accountId,
                    IpAddress = ip,
                    AvailabilityZone = zone,
                    RegisteredAt = now,
                });
            }
            else if (existing.DeregisteredAt is not null)
            {
                // Registered again while draining: it takes traffic again and is checked afresh.
                existing.DeregisteredAt = null;
                existing.RegisteredAt = now;
                existing.ReportedHealth = null;
                existing.ReportedReason = null;
            }
        }

        await LoadBalancerChanges.AddAsync(db, accountId, cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A concurrent registration of the same target won; registering is idempotent, so the outcome is the one asked for.
            db.ChangeTracker.Clear();
        }
    }

    /// <param name="strict">The tenant's call refuses targets not registered (ELBv2's InvalidTarget); the platform's ignores them.</param>
    public async Task DeregisterAsync(string accountId, string targetGroupArn, IReadOnlyList<TargetDescription>? targets, bool strict, CancellationToken cancellationToken)
    {
        var group = await db.FindTargetGroupAsync(accountId, targetGroupArn, cancellationToken);
        if (targets is null || targets.Count == 0)
        {
            throw ElbErrors.Validation("At least one target must be specified.");
        }

        var now = DateTime.UtcNow;
        var registered = await db.RegisteredTargets.Where(t => t.TargetGroupArn == group.Arn).ToListAsync(cancellationToken);
        var chosen = new List<RegisteredTarget>();
        foreach (var target in targets)
        {
            var matches = registered.Where(t => t.TargetId == target.Id && (target.Port is null || t.Port == target.Port) && !IsGone(t, group, now)).ToList();
            if (matches.Count == 0 && strict)
            {
                throw ElbErrors.InvalidTarget($"The following targets are not registered in target group '{group.Arn}': '{target.Id}'");
            }

            chosen.AddRange(matches);
        }

        foreach (var target in chosen.Distinct())
        {
            if (group.DeregistrationDelaySeconds == 0)
            {
                db.RegisteredTargets.Remove(target);
            }
            else
            {
                target.DeregisteredAt ??= now;
            }
        }

        await LoadBalancerChanges.AddAsync(db, accountId, cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Removed by a concurrent deregistration: the outcome is the same.
        }
    }

    public async Task<IReadOnlyList<TargetHealthDescription>> HealthAsync(string accountId, string targetGroupArn, IReadOnlyList<TargetDescription>? asked, CancellationToken cancellationToken)
    {
        var group = await db.FindTargetGroupAsync(accountId, targetGroupArn, cancellationToken);
        var inUse = (await db.LoadBalancersByTargetGroupAsync(accountId, cancellationToken)).ContainsKey(group.Arn);
        var now = DateTime.UtcNow;
        var registered = (await db.RegisteredTargets.AsNoTracking().Where(t => t.TargetGroupArn == group.Arn).ToListAsync(cancellationToken))
            .Where(t => !IsGone(t, group, now)).OrderBy(t => t.RegisteredAt).ThenBy(t => t.TargetId, StringComparer.Ordinal).ThenBy(t => t.Port).ToList();
        var healthPort = group.HealthCheckPort;
        if (asked is null || asked.Count == 0)
        {
            return registered.Select(t => Describe(group, t, inUse)).ToList();
        }

        var result = new List<TargetHealthDescription>();
        foreach (var target in asked)
        {
            var matches = registered.Where(t => t.TargetId == target.Id && (target.Port is null || t.Port == target.Port)).ToList();
            if (matches.Count == 0)
            {
                var port = target.Port ?? group.Port;
                result.Add(new TargetHealthDescription(new TargetDescription(target.Id, port), HealthPort(healthPort, port),
                    new TargetHealth("unused", "Target.NotRegistered", "Target is not registered to the target group")));
            }

            result.AddRange(matches.Select(t => Describe(group, t, inUse)));
        }

        return result;
    }

    /// <summary>ELBv2's state and reason for a registered target, from its registration, its group's use and its node's report.</summary>
    internal static TargetHealthDescription Describe(TargetGroup group, RegisteredTarget target, bool inUse)
    {
        var health = target.DeregisteredAt is not null ? new TargetHealth("draining", "Target.DeregistrationInProgress", "Target deregistration is in progress")
            : !inUse ? new TargetHealth("unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer")
            : !group.HealthCheckEnabled ? new TargetHealth("unavailable", "Target.HealthCheckDisabled", "Health checks are disabled")
            : target.ReportedHealth is null ? new TargetHealth("initial", "Elb.RegistrationInProgress", "Target registration is in progress")
            : target.ReportedHealth == "healthy" ? new TargetHealth("healthy", null, null)
            : new TargetHealth("unhealthy", target.ReportedReason ?? "Target.FailedHealthChecks", "Health checks failed");
        return new TargetHealthDescription(new TargetDescription(target.TargetId, target.Port, group.TargetType == "ip" ? target.AvailabilityZone : null),
            HealthPort(group.HealthCheckPort, target.Port), health);
    }

    /// <summary>Drained: deregistered longer ago than the group's delay. Such a row is as good as removed.</summary>
    internal static bool IsGone(RegisteredTarget target, TargetGroup group, DateTime now) => DrainedAt(target, group) <= now;

    /// <summary>When a deregistered target's delay ends (UTC); null while it is registered.</summary>
    internal static DateTime? DrainedAt(RegisteredTarget target, TargetGroup group) =>
        target.DeregisteredAt is { } since ? DateTime.SpecifyKind(since, DateTimeKind.Utc).AddSeconds(group.DeregistrationDelaySeconds) : null;

    private static string HealthPort(string configured, int port) =>
        configured == "traffic-port" ? port.ToString(System.Globalization.CultureInfo.InvariantCulture) : configured;

    private async Task<(string Ip, string Zone)> ResolveInstanceAsync(string accountId, TargetGroup group, string? instanceId, CancellationToken cancellationToken)
    {
        if (instanceId is null || !InstanceIdPattern().IsMatch(instanceId))
        {
            throw ElbErrors.InvalidTarget($"The following targets are not valid instance IDs: '{instanceId}'");
        }

        var interfaces = await db.NetworkInterfaces.AsNoTracking().Where(n => n.InstanceId == instanceId && n.AccountId == accountId)
            .OrderBy(n => n.CreatedAt).ToListAsync(cancellationToken);
        if (interfaces.Count == 0)
        {
            throw ElbErrors.InvalidTarget($"The following targets are not valid instances: '{instanceId}'");
        }

        var primary = interfaces[0];
        if (primary.VpcId != group.VpcId)
        {
            throw ElbErrors.InvalidTarget($"The following targets are not in the target group's VPC '{group.VpcId}': '{instanceId}'");
        }

        return (primary.PrivateIpAddress, primary.AvailabilityZone);
    }

    private async Task<(string Ip, string Zone)> ResolveIpAsync(TargetGroup group, string? address, CancellationToken cancellationToken)
    {
        if (!Ipv4.TryParse(address, out var value))
        {
            throw ElbErrors.InvalidTarget($"The IP address '{address}' is not a valid IPv4 address");
        }

        var subnets = await db.Subnets.AsNoTracking().Where(s => s.VpcId == group.VpcId).ToListAsync(cancellationToken);
        var subnet = subnets.FirstOrDefault(s => Ipv4Cidr.TryParse(s.CidrBlock, out var cidr) && SubnetAddresses.IsAssignable(cidr, value));
        return subnet is null
            ? throw ElbErrors.InvalidTarget($"The IP address '{address}' is not within a subnet of the target group's VPC '{group.VpcId}'")
            : (address, subnet.AvailabilityZone);
    }

    [GeneratedRegex("^i-[0-9a-f]{8,17}$")]
    private static partial Regex InstanceIdPattern();
}
