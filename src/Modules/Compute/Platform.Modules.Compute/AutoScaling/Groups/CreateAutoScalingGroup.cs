using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.AutoScaling.LaunchTemplates;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.Groups;

/// <summary>
/// Auto Scaling's CreateAutoScalingGroup: a group of instances of a launch template, between <c>min_size</c> and
/// <c>max_size</c>, spread over the subnets of <c>vpc_zone_identifier</c> (one VPC, the account's own). The group's job
/// launches the instances; the call only records the group (and its first activity is its first launch).
/// </summary>
internal sealed record CreateAutoScalingGroup(
    string? AutoScalingGroupName,
    GroupLaunchTemplate? LaunchTemplate,
    int? MinSize,
    int? MaxSize,
    int? DesiredCapacity,
    string? VpcZoneIdentifier,
    string? HealthCheckType,
    int? HealthCheckGracePeriod,
    int? DefaultCooldown,
    int? DefaultInstanceWarmup,
    List<string>? TerminationPolicies,
    bool? NewInstancesProtectedFromScaleIn,
    List<GroupTag>? Tags,
    List<string>? TargetGroupArns) : IRequest<ScalingGroupResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:CreateAutoScalingGroup", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        if (LaunchTemplate is null)
        {
            throw ApiErrors.ValidationError("Valid requests must contain either launch_template, launch_configuration_name, instance_id or mixed_instances_policy.");
        }

        if (MinSize is null || MaxSize is null)
        {
            throw ApiErrors.ValidationError("The request must contain min_size and max_size.");
        }

        GroupSettings.EnsureSizes(MinSize.Value, MaxSize.Value, DesiredCapacity);
        GroupSettings.EnsureOthers(HealthCheckType, HealthCheckGracePeriod, DefaultCooldown, DefaultInstanceWarmup, TerminationPolicies, TargetGroupArns);
        GroupSettings.EnsureTags(Tags);
        LaunchTemplateLookup.EnsureVersionSyntax(LaunchTemplate.Version);
        if (string.IsNullOrWhiteSpace(VpcZoneIdentifier))
        {
            throw ApiErrors.ValidationError("The request must contain vpc_zone_identifier: the subnets to launch in, separated by commas.");
        }
    }
}

internal sealed class CreateAutoScalingGroupHandler(ComputeDbContext db, ISender sender, ICallerContext caller, IOptions<PlatformOptions> platform, TimeProvider clock)
    : IRequestHandler<CreateAutoScalingGroup, ScalingGroupResponse>
{
    public async ValueTask<ScalingGroupResponse> Handle(CreateAutoScalingGroup request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        if (await db.ScalingGroups.AnyAsync(g => g.AccountId == accountId && g.Name == request.AutoScalingGroupName, cancellationToken))
        {
            throw AlreadyExists(request.AutoScalingGroupName!);
        }

        var (templateId, version) = await GroupSettings.LaunchTemplateAsync(db, accountId, request.LaunchTemplate!, cancellationToken);
        var (subnets, vpcId, zones) = await GroupSettings.SubnetsAsync(sender, accountId, request.VpcZoneIdentifier!, cancellationToken);
        await GroupSettings.EnsureTargetGroupsAsync(sender, accountId, vpcId, request.TargetGroupArns ?? [], cancellationToken);
        var group = new ScalingGroup
        {
            Id = Guid.NewGuid().ToString(),
            AccountId = accountId,
            Name = request.AutoScalingGroupName!,
            LaunchTemplateId = templateId,
            LaunchTemplateVersion = version,
            MinSize = request.MinSize!.Value,
            MaxSize = request.MaxSize!.Value,
            DesiredCapacity = request.DesiredCapacity ?? request.MinSize!.Value,
            Subnets = JsonSerializer.Serialize(subnets),
            VpcId = vpcId,
            AvailabilityZones = JsonSerializer.Serialize(zones),
            HealthCheckType = request.HealthCheckType ?? "EC2",
            HealthCheckGracePeriod = request.HealthCheckGracePeriod ?? 0,
            DefaultCooldown = request.DefaultCooldown ?? 300,
            DefaultInstanceWarmup = request.DefaultInstanceWarmup,
            TerminationPolicies = JsonSerializer.Serialize(request.TerminationPolicies is { Count: > 0 } policies ? policies : ["Default"]),
            NewInstancesProtectedFromScaleIn = request.NewInstancesProtectedFromScaleIn ?? false,
            Tags = JsonSerializer.Serialize(request.Tags ?? []),
            TargetGroupArns = JsonSerializer.Serialize(request.TargetGroupArns ?? []),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        group.CapacityChangeCause = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"At {group.CreatedAt:yyyy-MM-ddTHH:mm:ssZ} a user request created an AutoScalingGroup changing the desired capacity from 0 to {group.DesiredCapacity}.");
        db.ScalingGroups.Add(group);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw AlreadyExists(group.Name);
        }

        return await ScalingGroupLookup.ResponseAsync(db, platform.Value.Region, group, cancellationToken);
    }

    private static ApiException AlreadyExists(string name) => new(400, "AlreadyExists", $"AutoScalingGroup by this name already exists - A group with the name {name} already exists");
}

/// <summary>The rules CreateAutoScalingGroup and UpdateAutoScalingGroup share, in Auto Scaling's words.</summary>
internal static class GroupSettings
{
    public const int MaxGroupSize = 100;

    public static void EnsureSizes(int min, int max, int? desired)
    {
        if (min < 0 || max < 0 || max > MaxGroupSize)
        {
            throw ApiErrors.ValidationError($"min_size and max_size must be from 0 to {MaxGroupSize}.");
        }

        if (min > max)
        {
            throw ApiErrors.ValidationError($"Max bound, {max}, must be greater than or equal to min bound, {min}");
        }

        if (desired is { } d && (d < min || d > max))
        {
            throw ApiErrors.ValidationError($"Desired capacity:{d} must be between the specified min size:{min} and max size:{max}");
        }
    }

    public static void EnsureOthers(string? healthCheckType, int? gracePeriod, int? cooldown, int? warmup, List<string>? terminationPolicies, List<string>? targetGroupArns)
    {
        if (healthCheckType is not null and not "EC2" and not "ELB")
        {
            throw ApiErrors.ValidationError($"Health check type '{healthCheckType}' is not EC2 or ELB.");
        }

        if (gracePeriod is < 0 or > 86400 || cooldown is < 0 or > 86400 || warmup is < 0 or > 86400)
        {
            throw ApiErrors.ValidationError("health_check_grace_period, default_cooldown and default_instance_warmup are seconds from 0 to 86400.");
        }

        if (terminationPolicies?.FirstOrDefault(p => !ScalingGroupLookup.TerminationPolicyNames.Contains(p)) is { } unknown)
        {
            throw ApiErrors.ValidationError($"Termination policy '{unknown}' is not one of {string.Join(", ", ScalingGroupLookup.TerminationPolicyNames)}.");
        }

        if (targetGroupArns is { Count: > 50 } || targetGroupArns?.Any(a => !a.StartsWith("arn:aws:elasticloadbalancing:", StringComparison.Ordinal)) == true)
        {
            throw ApiErrors.ValidationError("target_group_arns takes at most 50 target group ARNs (arn:aws:elasticloadbalancing:...).");
        }
    }

    public static void EnsureTags(List<GroupTag>? tags)
    {
        if (tags is null)
        {
            return;
        }

        if (tags.Count > 50 || tags.Any(t => string.IsNullOrEmpty(t.Key) || t.Key.Length > 128 || (t.Value?.Length ?? 0) > 256))
        {
            throw ApiErrors.ValidationError("At most 50 tags, keys 1 to 128 characters and values at most 256.");
        }

        if (tags.Any(t => t.Key!.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)))
        {
            throw ApiErrors.ValidationError("Tag keys starting with 'aws:' are reserved for internal use.");
        }

        if (tags.Select(t => t.Key).Distinct(StringComparer.Ordinal).Count() != tags.Count)
        {
            throw ApiErrors.ValidationError("A tag key may appear only once.");
        }
    }

    /// <summary>The account's template and the version as the group keeps it (<c>$Latest</c>, <c>$Default</c> or a number that exists).</summary>
    public static async Task<(string TemplateId, string Version)> LaunchTemplateAsync(ComputeDbContext db, string accountId, GroupLaunchTemplate asked,
        CancellationToken cancellationToken)
    {
        LaunchTemplate template;
        try
        {
            template = await LaunchTemplateLookup.OwnedAsync(db, accountId, asked.LaunchTemplateId, asked.LaunchTemplateName, cancellationToken);
        }
        catch (ApiException e)
        {
            throw ApiErrors.ValidationError($"You must use a valid fully-formed launch template. {e.Message}");
        }

        var version = asked.Version ?? "$Default";
        if (LaunchTemplateLookup.Resolve(template, version) is null)
        {
            throw ApiErrors.ValidationError($"You must use a valid fully-formed launch template. {LaunchTemplateLookup.VersionNotFound(template, version).Message}");
        }

        return (template.Id, version);
    }

    /// <summary>The subnets of <paramref name="vpcZoneIdentifier"/>: the account's, all in one VPC.</summary>
    public static async Task<(List<string> Subnets, string VpcId, List<string> Zones)> SubnetsAsync(ISender sender, string accountId, string vpcZoneIdentifier,
        CancellationToken cancellationToken)
    {
        var ids = vpcZoneIdentifier.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count is 0 or > 16)
        {
            throw ApiErrors.ValidationError("vpc_zone_identifier names 1 to 16 subnets, separated by commas.");
        }

        var placements = (await sender.Send(new DescribeSubnetPlacements(accountId, ids), cancellationToken)).ToDictionary(p => p.SubnetId, StringComparer.Ordinal);
        if (ids.FirstOrDefault(id => !placements.ContainsKey(id)) is { } missing)
        {
            throw ApiErrors.ValidationError($"The subnet ID '{missing}' does not exist");
        }

        var vpcs = ids.Select(id => placements[id].VpcId).Distinct(StringComparer.Ordinal).ToList();
        if (vpcs.Count > 1)
        {
            throw ApiErrors.ValidationError($"The subnets {string.Join(", ", ids)} are in different VPCs ({string.Join(", ", vpcs)}); a group's subnets must be in one VPC.");
        }

        return (ids, vpcs[0], ids.Select(id => placements[id].AvailabilityZone).ToList());
    }

    /// <summary>Target groups must exist for the account, in the group's VPC, and hold instances.</summary>
    public static async Task EnsureTargetGroupsAsync(ISender sender, string accountId, string vpcId, IReadOnlyList<string> arns, CancellationToken cancellationToken)
    {
        foreach (var arn in arns)
        {
            var targetGroup = await sender.Send(new DescribeGroupTargetGroup(accountId, arn), cancellationToken);
            if (targetGroup is null || targetGroup.TargetType != "instance")
            {
                throw ApiErrors.ValidationError($"Provided Target Groups may not be valid. Please ensure they exist and try again: {arn}");
            }

            if (targetGroup.VpcId != vpcId)
            {
                throw ApiErrors.ValidationError($"The target group {arn} is in {targetGroup.VpcId}; the group's subnets are in {vpcId}.");
            }
        }
    }
}
