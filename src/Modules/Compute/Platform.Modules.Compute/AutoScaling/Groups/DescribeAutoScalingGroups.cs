using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Compute.AutoScaling.Groups;

internal sealed record ScalingGroupsResponse(IReadOnlyList<ScalingGroupResponse> AutoScalingGroups);

/// <summary>Auto Scaling's DescribeAutoScalingGroups: the account's groups, or those named (names it lacks are left out, as AWS does).</summary>
internal sealed record DescribeAutoScalingGroups(IReadOnlyList<string> Names) : IRequest<ScalingGroupsResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:DescribeAutoScalingGroups", "*");
}

internal sealed class DescribeAutoScalingGroupsHandler(ComputeDbContext db, ICallerContext caller, IOptions<PlatformOptions> platform)
    : IRequestHandler<DescribeAutoScalingGroups, ScalingGroupsResponse>
{
    public async ValueTask<ScalingGroupsResponse> Handle(DescribeAutoScalingGroups request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var names = request.Names.ToList();
        var groups = await db.ScalingGroups.AsNoTracking().Where(g => g.AccountId == accountId && (names.Count == 0 || names.Contains(g.Name)))
            .OrderBy(g => g.Name).ToListAsync(cancellationToken);
        var responses = new List<ScalingGroupResponse>();
        foreach (var group in groups)
        {
            responses.Add(await ScalingGroupLookup.ResponseAsync(db, platform.Value.Region, group, cancellationToken));
        }

        return new ScalingGroupsResponse(responses);
    }
}

internal sealed record ActivityResponse(
    string ActivityId,
    string AutoScalingGroupName,
    string Description,
    string Cause,
    DateTime StartTime,
    DateTime? EndTime,
    string StatusCode,
    string? StatusMessage,
    int Progress);

internal sealed record ActivitiesResponse(IReadOnlyList<ActivityResponse> Activities);

/// <summary>
/// Auto Scaling's DescribeScalingActivities, newest first: one group's (a group the account lacks: ValidationError), or,
/// with no group named, the account's across its groups, as AWS lists them.
/// </summary>
internal sealed record DescribeScalingActivities(string? AutoScalingGroupName) : IRequest<ActivitiesResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("autoscaling:DescribeScalingActivities", "*");
}

internal sealed class DescribeScalingActivitiesHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DescribeScalingActivities, ActivitiesResponse>
{
    public async ValueTask<ActivitiesResponse> Handle(DescribeScalingActivities request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var groups = request.AutoScalingGroupName is { } name
            ? new[] { await ScalingGroupLookup.OwnedAsync(db, accountId, name, cancellationToken) }.ToDictionary(g => g.Id, g => g.Name)
            : await db.ScalingGroups.AsNoTracking().Where(g => g.AccountId == accountId).ToDictionaryAsync(g => g.Id, g => g.Name, cancellationToken);
        var ids = groups.Keys.ToList();
        var activities = await db.ScalingActivities.AsNoTracking().Where(a => a.AccountId == accountId && ids.Contains(a.GroupId))
            .OrderByDescending(a => a.StartTime).Take(100).ToListAsync(cancellationToken);
        return new ActivitiesResponse(activities.Select(a => new ActivityResponse(a.Id, groups[a.GroupId], a.Description, a.Cause, a.StartTime, a.EndTime,
            a.StatusCode, a.StatusMessage, a.Progress)).ToList());
    }
}
