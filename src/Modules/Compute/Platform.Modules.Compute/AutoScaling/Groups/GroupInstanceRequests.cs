using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.Metrics;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.Groups;

/// <summary>Auto Scaling's SetInstanceProtection: instances of the group protected from scale-in, or not.</summary>
internal sealed record SetInstanceProtection(string AutoScalingGroupName, List<string>? InstanceIds, bool? ProtectedFromScaleIn)
    : IRequest<ScalingGroupResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:SetInstanceProtection", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        if (InstanceIds is not { Count: > 0 and <= 50 } || ProtectedFromScaleIn is null)
        {
            throw ApiErrors.ValidationError("The request must contain instance_ids (1 to 50) and protected_from_scale_in.");
        }

        InstanceIds.ForEach(InstanceLookup.EnsureWellFormed);
    }
}

internal sealed class SetInstanceProtectionHandler(ComputeDbContext db, ICallerContext caller, IOptions<PlatformOptions> platform)
    : IRequestHandler<SetInstanceProtection, ScalingGroupResponse>
{
    public async ValueTask<ScalingGroupResponse> Handle(SetInstanceProtection request, CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
        var ids = request.InstanceIds!;
        var members = await db.ScalingGroupInstances.Where(i => i.GroupId == group.Id && i.InstanceId != null && ids.Contains(i.InstanceId)
            && i.LifecycleState != LifecycleStates.Terminated).ToListAsync(cancellationToken);
        if (ids.FirstOrDefault(id => members.All(m => m.InstanceId != id)) is { } stranger)
        {
            throw ApiErrors.ValidationError($"The instance {stranger} is not part of Auto Scaling group {group.Name}.");
        }

        members.ForEach(m => m.ProtectedFromScaleIn = request.ProtectedFromScaleIn!.Value);
        await db.SaveChangesAsync(cancellationToken);
        return await ScalingGroupLookup.ResponseAsync(db, platform.Value.Region, group, cancellationToken);
    }
}

/// <summary>Auto Scaling's SuspendProcesses and ResumeProcesses (none named: all of them).</summary>
internal sealed record ChangeProcesses(string AutoScalingGroupName, List<string>? ScalingProcesses, bool Suspend)
    : IRequest<ScalingGroupResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new(Suspend ? "autoscaling:SuspendProcesses" : "autoscaling:ResumeProcesses",
            Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        if (ScalingProcesses?.FirstOrDefault(p => !Groups.ScalingProcesses.All.Contains(p)) is { } unknown)
        {
            throw ApiErrors.ValidationError($"Process '{unknown}' is not one of {string.Join(", ", Groups.ScalingProcesses.All)}.");
        }
    }
}

internal sealed class ChangeProcessesHandler(ComputeDbContext db, ICallerContext caller, IOptions<PlatformOptions> platform)
    : IRequestHandler<ChangeProcesses, ScalingGroupResponse>
{
    public async ValueTask<ScalingGroupResponse> Handle(ChangeProcesses request, CancellationToken cancellationToken) =>
        await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
            var named = request.ScalingProcesses is { Count: > 0 } some ? some : [.. ScalingProcesses.All];
            var suspended = ScalingGroupLookup.Json<SuspendedProcess>(group.SuspendedProcesses).Where(p => !named.Contains(p.ProcessName)).ToList();
            if (request.Suspend)
            {
                suspended.AddRange(named.Distinct(StringComparer.Ordinal).Select(p => new SuspendedProcess(p, "User suspended at " + DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture))));
            }

            group.SuspendedProcesses = JsonSerializer.Serialize(suspended.OrderBy(p => p.ProcessName, StringComparer.Ordinal));
            group.Revision++;
            await db.SaveChangesAsync(cancellationToken);
            return await ScalingGroupLookup.ResponseAsync(db, platform.Value.Region, group, cancellationToken);
        });
}

/// <summary>
/// Auto Scaling's EnableMetricsCollection and DisableMetricsCollection: which AWS/AutoScaling metrics the group job records for the
/// group each minute (none named: all of them). The granularity is 1Minute, the only one AWS has.
/// </summary>
internal sealed record ChangeMetricsCollection(string AutoScalingGroupName, List<string>? Metrics, string? Granularity, bool Enable)
    : IRequest<ScalingGroupResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new(Enable ? "autoscaling:EnableMetricsCollection" : "autoscaling:DisableMetricsCollection",
            Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        if (Enable && Granularity is null)
        {
            throw ApiErrors.ValidationError("1 validation error detected: Value null at 'granularity' failed to satisfy constraint: Member must not be null");
        }

        if (Enable && Granularity != AutoScalingMetricCatalog.Granularity)
        {
            throw ApiErrors.ValidationError($"Granularity '{Granularity}' is not valid: the only granularity is {AutoScalingMetricCatalog.Granularity}.");
        }

        if (Metrics?.FirstOrDefault(m => !AutoScalingMetricCatalog.Names.Contains(m)) is { } unknown)
        {
            throw ApiErrors.ValidationError($"Metric '{unknown}' is not one of {string.Join(", ", AutoScalingMetricCatalog.All)}.");
        }
    }
}

internal sealed class ChangeMetricsCollectionHandler(ComputeDbContext db, ICallerContext caller, IOptions<PlatformOptions> platform)
    : IRequestHandler<ChangeMetricsCollection, ScalingGroupResponse>
{
    public async ValueTask<ScalingGroupResponse> Handle(ChangeMetricsCollection request, CancellationToken cancellationToken) =>
        await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
            ScalingGroupLookup.EnsureNotDeleting(group);
            var named = request.Metrics is { Count: > 0 } some ? some.ToHashSet(StringComparer.Ordinal) : AutoScalingMetricCatalog.Names;
            var enabled = ScalingGroupLookup.Json<string>(group.EnabledMetrics).ToHashSet(StringComparer.Ordinal);
            if (request.Enable)
            {
                enabled.UnionWith(named);
            }
            else
            {
                enabled.ExceptWith(named);
            }

            group.EnabledMetrics = JsonSerializer.Serialize(AutoScalingMetricCatalog.All.Where(enabled.Contains));
            group.Revision++;
            await db.SaveChangesAsync(cancellationToken);
            return await ScalingGroupLookup.ResponseAsync(db, platform.Value.Region, group, cancellationToken);
        });
}
