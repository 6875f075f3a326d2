using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.Groups;

internal sealed record AutoScalingInstanceResponse(
    string InstanceId,
    string? InstanceType,
    string AutoScalingGroupName,
    string AvailabilityZone,
    string LifecycleState,
    string HealthStatus,
    GroupLaunchTemplate LaunchTemplate,
    bool ProtectedFromScaleIn);

internal sealed record AutoScalingInstancesResponse(IReadOnlyList<AutoScalingInstanceResponse> AutoScalingInstances);

/// <summary>
/// Auto Scaling's DescribeAutoScalingInstances: the account's instances in its groups with their lifecycle state (Pending:Wait,
/// Terminating:Wait...), or those named; an instance of no group of the account is left out, as AWS does.
/// </summary>
internal sealed record DescribeAutoScalingInstances(IReadOnlyList<string> InstanceIds)
    : IRequest<AutoScalingInstancesResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("autoscaling:DescribeAutoScalingInstances", "*");

    public void Validate()
    {
        if (InstanceIds.Count > 50)
        {
            throw ApiErrors.ValidationError("At most 50 instance ids may be given.");
        }

        foreach (var id in InstanceIds)
        {
            InstanceLookup.EnsureWellFormed(id);
        }
    }
}

internal sealed class DescribeAutoScalingInstancesHandler(ComputeDbContext db, ICallerContext caller)
    : IRequestHandler<DescribeAutoScalingInstances, AutoScalingInstancesResponse>
{
    public async ValueTask<AutoScalingInstancesResponse> Handle(DescribeAutoScalingInstances request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var ids = request.InstanceIds.ToList();
        var members = await db.ScalingGroupInstances.AsNoTracking()
            .Where(i => i.AccountId == accountId && i.InstanceId != null && i.LifecycleState != LifecycleStates.Terminated && (ids.Count == 0 || ids.Contains(i.InstanceId)))
            .ToListAsync(cancellationToken);
        var groupIds = members.Select(m => m.GroupId).Distinct().ToList();
        var groups = await db.ScalingGroups.AsNoTracking().Where(g => g.AccountId == accountId && groupIds.Contains(g.Id)).ToDictionaryAsync(g => g.Id, cancellationToken);
        var templateIds = groups.Values.Select(g => g.LaunchTemplateId).Concat(members.Where(m => m.LaunchTemplateId is not null).Select(m => m.LaunchTemplateId!))
            .Distinct().ToList();
        var templates = await db.LaunchTemplates.AsNoTracking().Where(t => templateIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, cancellationToken);
        var instanceIds = members.Select(m => m.InstanceId!).ToList();
        var types = await db.Instances.AsNoTracking().Where(i => instanceIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, i => i.InstanceType, cancellationToken);
        return new AutoScalingInstancesResponse(members.Where(m => groups.ContainsKey(m.GroupId)).OrderBy(m => m.InstanceId, StringComparer.Ordinal).Select(m =>
        {
            var group = groups[m.GroupId];
            var templateId = m.LaunchTemplateId ?? group.LaunchTemplateId;
            return new AutoScalingInstanceResponse(m.InstanceId!, types.GetValueOrDefault(m.InstanceId!), group.Name, m.AvailabilityZone, m.LifecycleState,
                m.HealthStatus, new GroupLaunchTemplate(templateId, templates.GetValueOrDefault(templateId),
                    m.LaunchTemplateVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)), m.ProtectedFromScaleIn);
        }).ToList());
    }
}
