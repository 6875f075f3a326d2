using System.Text.Json;
using Mediator;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.AutoScaling.LaunchTemplates;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.Groups;

/// <summary>Auto Scaling's UpdateAutoScalingGroup: what is given changes, the rest stays; sizes are checked together with the group's.</summary>
internal sealed record UpdateAutoScalingGroup(
    string AutoScalingGroupName,
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
    bool? NewInstancesProtectedFromScaleIn) : IRequest<ScalingGroupResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:UpdateAutoScalingGroup", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        GroupSettings.EnsureOthers(HealthCheckType, HealthCheckGracePeriod, DefaultCooldown, DefaultInstanceWarmup, TerminationPolicies, null);
        LaunchTemplateLookup.EnsureVersionSyntax(LaunchTemplate?.Version);
    }
}

internal sealed class UpdateAutoScalingGroupHandler(ComputeDbContext db, ISender sender, ICallerContext caller, IOptions<PlatformOptions> platform)
    : IRequestHandler<UpdateAutoScalingGroup, ScalingGroupResponse>
{
    public async ValueTask<ScalingGroupResponse> Handle(UpdateAutoScalingGroup request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        return await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var group = await ScalingGroupLookup.OwnedAsync(db, accountId, request.AutoScalingGroupName, cancellationToken);
            ScalingGroupLookup.EnsureNotDeleting(group);
            var min = request.MinSize ?? group.MinSize;
            var max = request.MaxSize ?? group.MaxSize;
            GroupSettings.EnsureSizes(min, max, request.DesiredCapacity);
            if (request.LaunchTemplate is { } template)
            {
                (group.LaunchTemplateId, group.LaunchTemplateVersion) = await GroupSettings.LaunchTemplateAsync(db, accountId, template, cancellationToken);
            }

            if (request.VpcZoneIdentifier is { } subnets)
            {
                var (ids, vpcId, zones) = await GroupSettings.SubnetsAsync(sender, accountId, subnets, cancellationToken);
                if (ScalingGroupLookup.Json<string>(group.TargetGroupArns).Count > 0 && vpcId != group.VpcId)
                {
                    throw ApiErrors.ValidationError($"The group's target groups are in {group.VpcId}; its subnets must stay in that VPC.");
                }

                (group.Subnets, group.VpcId, group.AvailabilityZones) = (JsonSerializer.Serialize(ids), vpcId, JsonSerializer.Serialize(zones));
            }

            group.MinSize = min;
            group.MaxSize = max;
            // As Auto Scaling: a desired capacity outside new bounds moves to the nearest bound.
            group.DesiredCapacity = request.DesiredCapacity ?? Math.Clamp(group.DesiredCapacity, min, max);
            group.HealthCheckType = request.HealthCheckType ?? group.HealthCheckType;
            group.HealthCheckGracePeriod = request.HealthCheckGracePeriod ?? group.HealthCheckGracePeriod;
            group.DefaultCooldown = request.DefaultCooldown ?? group.DefaultCooldown;
            group.DefaultInstanceWarmup = request.DefaultInstanceWarmup ?? group.DefaultInstanceWarmup;
            group.TerminationPolicies = request.TerminationPolicies is { Count: > 0 } policies ? JsonSerializer.Serialize(policies) : group.TerminationPolicies;
            group.NewInstancesProtectedFromScaleIn = request.NewInstancesProtectedFromScaleIn ?? group.NewInstancesProtectedFromScaleIn;
            group.Revision++;
            await db.SaveChangesAsync(cancellationToken);
            return await ScalingGroupLookup.ResponseAsync(db, platform.Value.Region, group, cancellationToken);
        });
    }
}

/// <summary>Auto Scaling's SetDesiredCapacity: within the group's bounds, or ValidationError.</summary>
internal sealed record SetDesiredCapacity(string AutoScalingGroupName, int? DesiredCapacity, bool? HonorCooldown)
    : IRequest<ScalingGroupResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:SetDesiredCapacity", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        if (DesiredCapacity is null)
        {
            throw ApiErrors.ValidationError("The request must contain desired_capacity.");
        }
    }
}

internal sealed class SetDesiredCapacityHandler(ComputeDbContext db, ICallerContext caller, IOptions<PlatformOptions> platform, TimeProvider clock)
    : IRequestHandler<SetDesiredCapacity, ScalingGroupResponse>
{
    public async ValueTask<ScalingGroupResponse> Handle(SetDesiredCapacity request, CancellationToken cancellationToken) =>
        await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
            ScalingGroupLookup.EnsureNotDeleting(group);
            GroupSettings.EnsureSizes(group.MinSize, group.MaxSize, request.DesiredCapacity);
            if (request.HonorCooldown == true)
            {
                var since = clock.GetUtcNow().UtcDateTime - TimeSpan.FromSeconds(group.DefaultCooldown);
                if (db.ScalingActivities.Any(a => a.GroupId == group.Id && (a.EndTime == null || a.EndTime > since)))
                {
                    throw new ApiException(400, "ScalingActivityInProgress", "You cannot change the desired capacity while a scaling activity is in progress or the group is in its cooldown.");
                }
            }

            group.CapacityChangeCause = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"At {clock.GetUtcNow().UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} a user request explicitly set group desired capacity changing the desired capacity from {group.DesiredCapacity} to {request.DesiredCapacity}.");
            group.DesiredCapacity = request.DesiredCapacity!.Value;
            group.Revision++;
            await db.SaveChangesAsync(cancellationToken);
            return await ScalingGroupLookup.ResponseAsync(db, platform.Value.Region, group, cancellationToken);
        });
}
