using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platform.Modules.Compute.AutoScaling.Groups;
using Platform.Modules.Compute.AutoScaling.InstanceRefreshes;
using Platform.Modules.Compute.AutoScaling.LaunchTemplates;
using Platform.Modules.Compute.AutoScaling.LifecycleHooks;
using Platform.Modules.Compute.AutoScaling.Policies;
using Platform.Modules.Compute.AutoScaling.ScheduledActions;
using Platform.Modules.Shared.Authentication;

namespace Platform.Modules.Compute.AutoScaling;

/// <summary>The native Auto Scaling API: <c>/api/v1/autoscaling/...</c>, snake_case JSON, signed for <c>autoscaling</c>.</summary>
internal static class AutoScalingEndpoints
{
    public const string Prefix = "/api/v1/autoscaling";

    public static RouteGroupBuilder MapAutoScaling(IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup(Prefix).WithTags("Auto Scaling").WithMetadata(SigningService.AutoScaling);

        api.MapPost("/launch-templates", async (CreateLaunchTemplateBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateLaunchTemplate(body.LaunchTemplateName, body.VersionDescription, body.LaunchTemplateData), ct)));
        api.MapGet("/launch-templates", async ([FromQuery(Name = "launch_template_name")] string[]? names, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeLaunchTemplates(names ?? []), ct)));
        api.MapDelete("/launch-templates/{name}", async ([FromRoute(Name = "name")] string name, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DeleteLaunchTemplate(name), ct)));
        api.MapPost("/launch-templates/{name}/versions", async ([FromRoute(Name = "name")] string name, CreateVersionBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateLaunchTemplateVersion(name, body.SourceVersion, body.VersionDescription, body.LaunchTemplateData), ct)));
        api.MapGet("/launch-templates/{name}/versions", async ([FromRoute(Name = "name")] string name, [FromQuery(Name = "version")] string[]? versions,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeLaunchTemplateVersions(name, versions ?? []), ct)));
        api.MapPut("/launch-templates/{name}/default-version", async ([FromRoute(Name = "name")] string name, DefaultVersionBody body, ISender sender,
                CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ModifyLaunchTemplate(name, body.DefaultVersion), ct)));

        api.MapPost("/groups", async (CreateAutoScalingGroup body, ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(body, ct)));
        api.MapGet("/groups", async ([FromQuery(Name = "auto_scaling_group_name")] string[]? names, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeAutoScalingGroups(names ?? []), ct)));
        api.MapGet("/groups/{name}", async ([FromRoute(Name = "name")] string name, ISender sender, CancellationToken ct) =>
            (await sender.Send(new DescribeAutoScalingGroups([name]), ct)).AutoScalingGroups is [var group]
                ? TypedResults.Ok(group)
                : throw ScalingGroupLookup.NotFound(name));
        api.MapPut("/groups/{name}", async ([FromRoute(Name = "name")] string name, UpdateGroupBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new UpdateAutoScalingGroup(name, body.LaunchTemplate, body.MinSize, body.MaxSize, body.DesiredCapacity,
                body.VpcZoneIdentifier, body.HealthCheckType, body.HealthCheckGracePeriod, body.DefaultCooldown, body.DefaultInstanceWarmup,
                body.TerminationPolicies, body.NewInstancesProtectedFromScaleIn), ct)));
        api.MapDelete("/groups/{name}", async ([FromRoute(Name = "name")] string name, [FromQuery(Name = "force_delete")] bool? force, ISender sender,
                CancellationToken ct) =>
        {
            await sender.Send(new DeleteAutoScalingGroup(name, force ?? false), ct);
            return TypedResults.NoContent();
        });
        api.MapPost("/groups/{name}/desired-capacity", async ([FromRoute(Name = "name")] string name, DesiredCapacityBody body, ISender sender,
                CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new SetDesiredCapacity(name, body.DesiredCapacity, body.HonorCooldown), ct)));
        api.MapGet("/groups/{name}/activities", async ([FromRoute(Name = "name")] string name, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeScalingActivities(name), ct)));
        api.MapPost("/groups/{name}/instance-protection", async ([FromRoute(Name = "name")] string name, ProtectionBody body, ISender sender,
                CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new SetInstanceProtection(name, body.InstanceIds, body.ProtectedFromScaleIn), ct)));
        api.MapPost("/groups/{name}/suspend-processes", async ([FromRoute(Name = "name")] string name, ProcessesBody? body, ISender sender,
                CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ChangeProcesses(name, body?.ScalingProcesses, Suspend: true), ct)));
        api.MapPost("/groups/{name}/resume-processes", async ([FromRoute(Name = "name")] string name, ProcessesBody? body, ISender sender,
                CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ChangeProcesses(name, body?.ScalingProcesses, Suspend: false), ct)));

        api.MapPost("/groups/{name}/metrics-collection/enable", async ([FromRoute(Name = "name")] string name, MetricsCollectionBody? body, ISender sender,
                CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ChangeMetricsCollection(name, body?.Metrics, body?.Granularity, Enable: true), ct)));
        api.MapPost("/groups/{name}/metrics-collection/disable", async ([FromRoute(Name = "name")] string name, MetricsCollectionBody? body, ISender sender,
                CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ChangeMetricsCollection(name, body?.Metrics, null, Enable: false), ct)));
        api.MapGet("/groups/{name}/target-groups", async ([FromRoute(Name = "name")] string name, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeLoadBalancerTargetGroups(name), ct)));
        api.MapPost("/groups/{name}/target-groups", async ([FromRoute(Name = "name")] string name, TargetGroupsBody? body, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new AttachLoadBalancerTargetGroups(name, body?.TargetGroupArns), ct);
            return TypedResults.NoContent();
        });
        api.MapPost("/groups/{name}/target-groups/detach", async ([FromRoute(Name = "name")] string name, TargetGroupsBody? body, ISender sender,
            CancellationToken ct) =>
        {
            await sender.Send(new DetachLoadBalancerTargetGroups(name, body?.TargetGroupArns), ct);
            return TypedResults.NoContent();
        });

        api.MapPut("/groups/{name}/policies/{policy}", async ([FromRoute(Name = "name")] string name, [FromRoute(Name = "policy")] string policy, PolicyBody body,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new PutScalingPolicy(name, policy, body.PolicyType, body.AdjustmentType, body.ScalingAdjustment,
                body.MinAdjustmentMagnitude, body.Cooldown, body.StepAdjustments, body.EstimatedInstanceWarmup, body.TargetTrackingConfiguration, body.Enabled), ct)));
        api.MapGet("/groups/{name}/policies", async ([FromRoute(Name = "name")] string name, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribePolicies(name), ct)));
        api.MapDelete("/groups/{name}/policies/{policy}", async ([FromRoute(Name = "name")] string name, [FromRoute(Name = "policy")] string policy, ISender sender,
                CancellationToken ct) =>
        {
            await sender.Send(new DeletePolicy(name, policy), ct);
            return TypedResults.NoContent();
        });
        api.MapPost("/groups/{name}/policies/{policy}/execute", async ([FromRoute(Name = "name")] string name, [FromRoute(Name = "policy")] string policy,
                ExecuteBody? body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ExecutePolicy(name, policy, body?.HonorCooldown, body?.MetricValue, body?.BreachThreshold), ct)));

        api.MapGet("/activities", async ([FromQuery(Name = "auto_scaling_group_name")] string? name, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeScalingActivities(name), ct)));
        api.MapGet("/policies", async ([FromQuery(Name = "auto_scaling_group_name")] string? name, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribePolicies(name), ct)));

        api.MapPut("/groups/{name}/scheduled-actions/{action}", async ([FromRoute(Name = "name")] string name, [FromRoute(Name = "action")] string action,
                ScheduledActionBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new PutScheduledUpdateGroupAction(name, body.Settings(action)), ct)));
        api.MapGet("/groups/{name}/scheduled-actions", async ([FromRoute(Name = "name")] string name, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeScheduledActions(name, [], null, null), ct)));
        api.MapGet("/scheduled-actions", async ([FromQuery(Name = "auto_scaling_group_name")] string? name,
                [FromQuery(Name = "scheduled_action_name")] string[]? actions, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeScheduledActions(name, actions ?? [], null, null), ct)));
        api.MapDelete("/groups/{name}/scheduled-actions/{action}", async ([FromRoute(Name = "name")] string name, [FromRoute(Name = "action")] string action,
            ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeleteScheduledAction(name, action), ct);
            return TypedResults.NoContent();
        });
        api.MapPost("/groups/{name}/scheduled-actions/batch-put", async ([FromRoute(Name = "name")] string name, BatchPutBody body, ISender sender,
                CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new BatchPutScheduledUpdateGroupAction(name, body.ScheduledUpdateGroupActions), ct)));
        api.MapPost("/groups/{name}/scheduled-actions/batch-delete", async ([FromRoute(Name = "name")] string name, BatchDeleteBody body, ISender sender,
                CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new BatchDeleteScheduledAction(name, body.ScheduledActionNames), ct)));

        api.MapPost("/groups/{name}/instance-refreshes", async ([FromRoute(Name = "name")] string name, InstanceRefreshBody? body, ISender sender,
                CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new StartInstanceRefresh(name, body?.Strategy, body?.Preferences, body?.DesiredConfiguration), ct)));
        api.MapGet("/groups/{name}/instance-refreshes", async ([FromRoute(Name = "name")] string name, [FromQuery(Name = "instance_refresh_id")] string[]? ids,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeInstanceRefreshes(name, ids ?? []), ct)));
        api.MapPost("/groups/{name}/instance-refreshes/cancel", async ([FromRoute(Name = "name")] string name, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CancelInstanceRefresh(name), ct)));
        api.MapPost("/groups/{name}/instance-refreshes/rollback", async ([FromRoute(Name = "name")] string name, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new RollbackInstanceRefresh(name), ct)));
        api.MapGet("/instances", async ([FromQuery(Name = "instance_id")] string[]? ids, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeAutoScalingInstances(ids ?? []), ct)));
        api.MapPut("/groups/{name}/lifecycle-hooks/{hook}", async ([FromRoute(Name = "name")] string name, [FromRoute(Name = "hook")] string hook,
            LifecycleHookBody body, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new PutLifecycleHook(name, hook, body.LifecycleTransition, body.HeartbeatTimeout, body.DefaultResult, body.NotificationMetadata), ct);
            return TypedResults.NoContent();
        });
        api.MapGet("/groups/{name}/lifecycle-hooks", async ([FromRoute(Name = "name")] string name, [FromQuery(Name = "lifecycle_hook_name")] string[]? hooks,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeLifecycleHooks(name, hooks ?? []), ct)));
        api.MapDelete("/groups/{name}/lifecycle-hooks/{hook}", async ([FromRoute(Name = "name")] string name, [FromRoute(Name = "hook")] string hook,
            ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeleteLifecycleHook(name, hook), ct);
            return TypedResults.NoContent();
        });
        api.MapPost("/groups/{name}/lifecycle-hooks/{hook}/complete", async ([FromRoute(Name = "name")] string name, [FromRoute(Name = "hook")] string hook,
            LifecycleActionBody body, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new CompleteLifecycleAction(name, hook, body.LifecycleActionToken, body.InstanceId, body.LifecycleActionResult), ct);
            return TypedResults.NoContent();
        });
        api.MapPost("/groups/{name}/lifecycle-hooks/{hook}/heartbeat", async ([FromRoute(Name = "name")] string name, [FromRoute(Name = "hook")] string hook,
            LifecycleActionBody body, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new RecordLifecycleActionHeartbeat(name, hook, body.LifecycleActionToken, body.InstanceId), ct);
            return TypedResults.NoContent();
        });
        return api;
    }

    internal sealed record ScheduledActionBody(DateTime? StartTime, DateTime? EndTime, string? Recurrence, string? TimeZone, int? MinSize, int? MaxSize,
        int? DesiredCapacity)
    {
        public ScheduledActionSettings Settings(string name) => new(name, StartTime, EndTime, Recurrence, TimeZone, MinSize, MaxSize, DesiredCapacity);
    }

    internal sealed record InstanceRefreshBody(string? Strategy, RefreshPreferences? Preferences, RefreshDesiredConfiguration? DesiredConfiguration);

    internal sealed record LifecycleHookBody(string? LifecycleTransition, int? HeartbeatTimeout, string? DefaultResult, string? NotificationMetadata);

    internal sealed record LifecycleActionBody(string? LifecycleActionToken, string? InstanceId, string? LifecycleActionResult);

    internal sealed record BatchPutBody(List<ScheduledActionSettings>? ScheduledUpdateGroupActions);

    internal sealed record BatchDeleteBody(List<string>? ScheduledActionNames);

    internal sealed record PolicyBody(
        string? PolicyType,
        string? AdjustmentType,
        int? ScalingAdjustment,
        int? MinAdjustmentMagnitude,
        int? Cooldown,
        List<StepAdjustment>? StepAdjustments,
        int? EstimatedInstanceWarmup,
        TargetTrackingConfiguration? TargetTrackingConfiguration,
        bool? Enabled);

    internal sealed record ExecuteBody(bool? HonorCooldown, double? MetricValue, double? BreachThreshold);

    internal sealed record CreateLaunchTemplateBody(string? LaunchTemplateName, string? VersionDescription, LaunchTemplateData? LaunchTemplateData);

    internal sealed record CreateVersionBody(string? SourceVersion, string? VersionDescription, LaunchTemplateData? LaunchTemplateData);

    internal sealed record DefaultVersionBody(string? DefaultVersion);

    internal sealed record UpdateGroupBody(
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
        bool? NewInstancesProtectedFromScaleIn);

    internal sealed record DesiredCapacityBody(int? DesiredCapacity, bool? HonorCooldown);

    internal sealed record ProtectionBody(List<string>? InstanceIds, bool? ProtectedFromScaleIn);

    internal sealed record ProcessesBody(List<string>? ScalingProcesses);

    internal sealed record MetricsCollectionBody(List<string>? Metrics, string? Granularity);

    internal sealed record TargetGroupsBody(List<string>? TargetGroupArns);
}
