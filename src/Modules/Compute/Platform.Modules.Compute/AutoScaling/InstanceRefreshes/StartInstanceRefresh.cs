using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.AutoScaling.Groups;
using Platform.Modules.Compute.AutoScaling.LaunchTemplates;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.InstanceRefreshes;

internal sealed record RefreshPreferences(
    int? MinHealthyPercentage,
    int? InstanceWarmup,
    int? MaxHealthyPercentage = null,
    bool? SkipMatching = null,
    IReadOnlyList<int>? CheckpointPercentages = null,
    int? CheckpointDelay = null,
    bool? AutoRollback = null,
    string? ScaleInProtectedInstances = null,
    string? StandbyInstances = null,
    int? BakeTime = null,
    RefreshAlarmSpecification? AlarmSpecification = null);

/// <summary>Preferences.AlarmSpecification: CloudWatch alarms of the caller's that fail the refresh (or roll it back) when one is in ALARM.</summary>
internal sealed record RefreshAlarmSpecification(IReadOnlyList<string>? Alarms);

/// <summary>StartInstanceRefresh's DesiredConfiguration: a launch template and version (mixed instances policies do not exist here).</summary>
internal sealed record RefreshDesiredConfiguration(GroupLaunchTemplate? LaunchTemplate);

/// <summary>DescribeInstanceRefreshes' RollbackDetails.</summary>
internal sealed record RollbackDetailsResponse(string? RollbackReason, DateTime? RollbackStartTime, int? PercentageCompleteOnRollback, int? InstancesToUpdateOnRollback);

internal sealed record InstanceRefreshIdResponse(string InstanceRefreshId);

internal sealed record InstanceRefreshResponse(
    string InstanceRefreshId,
    string AutoScalingGroupName,
    string Status,
    string? StatusReason,
    DateTime StartTime,
    DateTime? EndTime,
    int PercentageComplete,
    int InstancesToUpdate,
    RefreshPreferences Preferences,
    string Strategy,
    RefreshDesiredConfiguration? DesiredConfiguration = null,
    RollbackDetailsResponse? RollbackDetails = null);

internal sealed record InstanceRefreshesResponse(IReadOnlyList<InstanceRefreshResponse> InstanceRefreshes);

internal static class InstanceRefreshStatus
{
    public const string Pending = nameof(Pending);
    public const string InProgress = nameof(InProgress);
    public const string Baking = nameof(Baking);
    public const string Successful = nameof(Successful);
    public const string Cancelling = nameof(Cancelling);
    public const string Cancelled = nameof(Cancelled);
    public const string Failed = nameof(Failed);
    public const string RollbackInProgress = nameof(RollbackInProgress);
    public const string RollbackSuccessful = nameof(RollbackSuccessful);
    public const string RollbackFailed = nameof(RollbackFailed);

    /// <summary>Launches refused since the refresh (or its rollback) began after which it fails: a configuration that cannot launch.</summary>
    public const int FailedLaunchesToFail = 3;

    /// <summary>How long ScaleInProtectedInstances Wait waits for protection to be removed before the refresh fails, as AWS: one hour.</summary>
    public static readonly TimeSpan ProtectedWait = TimeSpan.FromHours(1);

    /// <summary>AWS's default minimum healthy percentage.</summary>
    public const int DefaultMinHealthyPercentage = 90;

    /// <summary>AWS's default wait at a checkpoint, in seconds.</summary>
    public const int DefaultCheckpointDelay = 3600;

    /// <summary>AWS's most alarms in an AlarmSpecification.</summary>
    public const int MaxAlarms = 10;

    public static IReadOnlyList<string> Alarms(InstanceRefresh refresh) => string.IsNullOrEmpty(refresh.Alarms) ? [] : refresh.Alarms.Split('\n');

    public static IReadOnlyList<int> Checkpoints(InstanceRefresh refresh) => string.IsNullOrEmpty(refresh.CheckpointPercentages)
        ? []
        : [.. refresh.CheckpointPercentages.Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture))];

    public static RefreshPreferences Preferences(InstanceRefresh r) => new(r.MinHealthyPercentage, r.InstanceWarmup, r.MaxHealthyPercentage, r.SkipMatching,
        r.CheckpointPercentages is null ? null : Checkpoints(r), r.CheckpointPercentages is null ? null : r.CheckpointDelay ?? DefaultCheckpointDelay,
        r.AutoRollback, r.ScaleInProtectedInstances ?? "Wait", r.StandbyInstances ?? "Wait", r.BakeTime,
        r.Alarms is null ? null : new RefreshAlarmSpecification(Alarms(r)));

    /// <summary>A launch template version a rollback can return to: a number, not <c>$Latest</c> or <c>$Default</c>, which move.</summary>
    public static bool Reversible(string? version) => version is not null and not "$Latest" and not "$Default";
}

/// <summary>
/// Auto Scaling's StartInstanceRefresh (strategy Rolling): the group job replaces, in batches that keep the minimum healthy
/// percentage, every instance not launched from the group's current launch template version. The refresh is a row, so it
/// goes on after an API restart; one active refresh per group (InstanceRefreshInProgress), held by a unique index. Preferences'
/// AlarmSpecification names the caller's CloudWatch alarms: one in ALARM while the refresh replaces or bakes fails it (rolls it
/// back with AutoRollback); BakeTime holds it Baking that long once every instance is replaced before it is Successful.
/// </summary>
internal sealed record StartInstanceRefresh(string AutoScalingGroupName, string? Strategy, RefreshPreferences? Preferences,
    RefreshDesiredConfiguration? DesiredConfiguration = null)
    : IRequest<InstanceRefreshIdResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:StartInstanceRefresh", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        if (Strategy is not (null or "Rolling"))
        {
            throw ApiErrors.ValidationError($"Strategy '{Strategy}' is not supported: Rolling.");
        }

        if (Preferences?.MinHealthyPercentage is < 0 or > 100)
        {
            throw ApiErrors.ValidationError("MinHealthyPercentage must be from 0 to 100.");
        }

        if (Preferences?.InstanceWarmup is < 0)
        {
            throw ApiErrors.ValidationError("InstanceWarmup must be 0 or more seconds.");
        }

        if (Preferences?.MaxHealthyPercentage is { } max)
        {
            if (max is < 100 or > 200)
            {
                throw ApiErrors.ValidationError("MaxHealthyPercentage must be from 100 to 200.");
            }

            // AWS's rules: both or neither, at most 100 apart.
            if (Preferences.MinHealthyPercentage is not { } min)
            {
                throw ApiErrors.ValidationError("MinHealthyPercentage must be specified when MaxHealthyPercentage is specified.");
            }

            if (max - min > 100)
            {
                throw ApiErrors.ValidationError("The difference between MaxHealthyPercentage and MinHealthyPercentage cannot be greater than 100.");
            }

            if (max == 100 && min == 100)
            {
                throw ApiErrors.ValidationError("MinHealthyPercentage and MaxHealthyPercentage cannot both be 100: no instance could be replaced.");
            }
        }

        if (Preferences?.CheckpointPercentages is { } checkpoints)
        {
            if (checkpoints.Count == 0 || checkpoints.Any(p => p is < 1 or > 100) || checkpoints.Zip(checkpoints.Skip(1)).Any(pair => pair.Second <= pair.First))
            {
                throw ApiErrors.ValidationError("CheckpointPercentages must be unique values from 1 to 100 in ascending order.");
            }
        }

        if (Preferences?.CheckpointDelay is < 0 or > 172800)
        {
            throw ApiErrors.ValidationError("CheckpointDelay must be from 0 to 172800 seconds.");
        }

        if (Preferences?.ScaleInProtectedInstances is not (null or "Refresh" or "Ignore" or "Wait"))
        {
            throw ApiErrors.ValidationError($"ScaleInProtectedInstances '{Preferences.ScaleInProtectedInstances}' is not one of Refresh, Ignore, Wait.");
        }

        if (Preferences?.StandbyInstances is not (null or "Terminate" or "Ignore" or "Wait"))
        {
            throw ApiErrors.ValidationError($"StandbyInstances '{Preferences.StandbyInstances}' is not one of Terminate, Ignore, Wait.");
        }

        if (Preferences?.BakeTime is < 0 or > 172800)
        {
            throw ApiErrors.ValidationError("BakeTime must be from 0 to 172800 seconds.");
        }

        if (Preferences?.AlarmSpecification?.Alarms is { } alarms)
        {
            if (alarms.Count > InstanceRefreshStatus.MaxAlarms)
            {
                throw ApiErrors.ValidationError($"AlarmSpecification can name at most {InstanceRefreshStatus.MaxAlarms} alarms.");
            }

            if (alarms.Any(a => string.IsNullOrEmpty(a) || a.Length > 255 || a.Any(char.IsControl)))
            {
                throw ApiErrors.ValidationError("Each alarm name of AlarmSpecification must be 1 to 255 characters, none of them a control character.");
            }
        }

        if (DesiredConfiguration is not null)
        {
            if (DesiredConfiguration.LaunchTemplate is not { } template)
            {
                throw ApiErrors.ValidationError("A desired configuration must specify either a LaunchTemplate or a MixedInstancesPolicy.");
            }

            if ((template.LaunchTemplateId is null) == (template.LaunchTemplateName is null))
            {
                throw ApiErrors.ValidationError("You must specify either a LaunchTemplateId or a LaunchTemplateName in the desired configuration.");
            }

            LaunchTemplateLookup.EnsureVersionSyntax(template.Version);
        }

        if (Preferences?.AutoRollback == true && DesiredConfiguration is null)
        {
            throw ApiErrors.ValidationError("AutoRollback is not supported for an instance refresh without a desired configuration.");
        }
    }
}

internal sealed class StartInstanceRefreshHandler(ComputeDbContext db, ICallerContext caller, TimeProvider clock)
    : IRequestHandler<StartInstanceRefresh, InstanceRefreshIdResponse>
{
    public async ValueTask<InstanceRefreshIdResponse> Handle(StartInstanceRefresh request, CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
        ScalingGroupLookup.EnsureNotDeleting(group);
        if (await db.InstanceRefreshes.AnyAsync(r => r.ActiveGroupId == group.Id, cancellationToken))
        {
            throw InProgress();
        }

        // The desired launch template: the caller's own, its version one that exists (as the group's own launch template is checked).
        (string Id, string Version)? desired = request.DesiredConfiguration?.LaunchTemplate is { } asked
            ? await GroupSettings.LaunchTemplateAsync(db, group.AccountId, asked, cancellationToken)
            : null;
        if (request.Preferences?.AutoRollback == true && !InstanceRefreshStatus.Reversible(group.LaunchTemplateVersion))
        {
            throw ApiErrors.ValidationError(
                $"AutoRollback is not supported: the Auto Scaling group uses the launch template version {group.LaunchTemplateVersion}, which a rollback cannot return to.");
        }

        // The alarms are the caller's own, as CloudWatch finds them: another account's alarm is one that does not exist.
        var alarms = request.Preferences?.AlarmSpecification?.Alarms?.Distinct(StringComparer.Ordinal).ToList();
        if (alarms is { Count: > 0 })
        {
            var found = await db.MetricAlarms.AsNoTracking().Where(a => a.AccountId == group.AccountId && alarms.Contains(a.Name)).Select(a => a.Name)
                .ToListAsync(cancellationToken);
            if (alarms.Except(found, StringComparer.Ordinal).ToList() is [_, ..] missing)
            {
                throw ApiErrors.ValidationError($"The alarm(s) {string.Join(", ", missing)} of AlarmSpecification do not exist.");
            }
        }

        var refresh = new InstanceRefresh
        {
            Id = Guid.NewGuid().ToString(),
            GroupId = group.Id,
            AccountId = group.AccountId,
            ActiveGroupId = group.Id,
            Status = InstanceRefreshStatus.Pending,
            MinHealthyPercentage = request.Preferences?.MinHealthyPercentage ?? InstanceRefreshStatus.DefaultMinHealthyPercentage,
            InstanceWarmup = request.Preferences?.InstanceWarmup,
            MaxHealthyPercentage = request.Preferences?.MaxHealthyPercentage,
            SkipMatching = request.Preferences?.SkipMatching ?? false,
            CheckpointPercentages = request.Preferences?.CheckpointPercentages is { } checkpoints
                ? string.Join(',', checkpoints.Select(p => p.ToString(CultureInfo.InvariantCulture)))
                : null,
            CheckpointDelay = request.Preferences?.CheckpointPercentages is null ? null
                : request.Preferences.CheckpointDelay ?? InstanceRefreshStatus.DefaultCheckpointDelay,
            StartTime = clock.GetUtcNow().UtcDateTime,
            DesiredLaunchTemplateId = desired?.Id,
            DesiredLaunchTemplateVersion = desired?.Version,
            PreviousLaunchTemplateId = group.LaunchTemplateId,
            PreviousLaunchTemplateVersion = group.LaunchTemplateVersion,
            AutoRollback = request.Preferences?.AutoRollback ?? false,
            ScaleInProtectedInstances = request.Preferences?.ScaleInProtectedInstances,
            StandbyInstances = request.Preferences?.StandbyInstances,
            BakeTime = request.Preferences?.BakeTime,
            Alarms = alarms is null ? null : string.Join('\n', alarms),
        };
        db.InstanceRefreshes.Add(refresh);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another start committed first: the unique index on active_group_id refused this one.
            throw InProgress();
        }

        return new InstanceRefreshIdResponse(refresh.Id);
    }

    private static ApiException InProgress() =>
        new(400, "InstanceRefreshInProgress", "An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.");
}

/// <summary>Auto Scaling's DescribeInstanceRefreshes: the group's refreshes, newest first, or those named.</summary>
internal sealed record DescribeInstanceRefreshes(string AutoScalingGroupName, IReadOnlyList<string> InstanceRefreshIds)
    : IRequest<InstanceRefreshesResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("autoscaling:DescribeInstanceRefreshes", "*");

    public void Validate() => ScalingGroupLookup.EnsureName(AutoScalingGroupName);
}

internal sealed class DescribeInstanceRefreshesHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DescribeInstanceRefreshes, InstanceRefreshesResponse>
{
    public async ValueTask<InstanceRefreshesResponse> Handle(DescribeInstanceRefreshes request, CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
        var ids = request.InstanceRefreshIds.ToList();
        var refreshes = await db.InstanceRefreshes.AsNoTracking().Where(r => r.GroupId == group.Id && (ids.Count == 0 || ids.Contains(r.Id)))
            .OrderByDescending(r => r.StartTime).ToListAsync(cancellationToken);
        var templateIds = refreshes.Where(r => r.DesiredLaunchTemplateId is not null).Select(r => r.DesiredLaunchTemplateId!).Distinct().ToList();
        var names = await db.LaunchTemplates.AsNoTracking().Where(t => templateIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, cancellationToken);
        return new InstanceRefreshesResponse(refreshes.Select(r => new InstanceRefreshResponse(r.Id, group.Name, r.Status, r.StatusReason, r.StartTime, r.EndTime,
            r.PercentageComplete, r.InstancesToUpdate, InstanceRefreshStatus.Preferences(r), "Rolling",
            r.DesiredLaunchTemplateId is { } desired
                ? new RefreshDesiredConfiguration(new GroupLaunchTemplate(desired, names.GetValueOrDefault(desired), r.DesiredLaunchTemplateVersion))
                : null,
            r.RollbackStartTime is null ? null
                : new RollbackDetailsResponse(r.RollbackReason, r.RollbackStartTime, r.PercentageCompleteOnRollback, r.InstancesToUpdateOnRollback))).ToList());
    }
}

/// <summary>
/// Auto Scaling's CancelInstanceRefresh: the active refresh becomes Cancelling (one conditional update), and Cancelled at the
/// group job's next pass; instances already replaced stay replaced, those being replaced finish.
/// </summary>
internal sealed record CancelInstanceRefresh(string AutoScalingGroupName) : IRequest<InstanceRefreshIdResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:CancelInstanceRefresh", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate() => ScalingGroupLookup.EnsureName(AutoScalingGroupName);
}

internal sealed class CancelInstanceRefreshHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<CancelInstanceRefresh, InstanceRefreshIdResponse>
{
    public async ValueTask<InstanceRefreshIdResponse> Handle(CancelInstanceRefresh request, CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
        var active = await db.InstanceRefreshes.AsNoTracking().Where(r => r.ActiveGroupId == group.Id).Select(r => r.Id).SingleOrDefaultAsync(cancellationToken);
        if (active is null || await db.InstanceRefreshes
                .Where(r => r.Id == active && r.ActiveGroupId == group.Id
                    && (r.Status == InstanceRefreshStatus.Pending || r.Status == InstanceRefreshStatus.InProgress || r.Status == InstanceRefreshStatus.Baking))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, InstanceRefreshStatus.Cancelling), cancellationToken) == 0)
        {
            throw new ApiException(400, "ActiveInstanceRefreshNotFound", $"No in progress or pending Instance Refresh found for Auto Scaling group {group.Name}");
        }

        return new InstanceRefreshIdResponse(active);
    }
}

/// <summary>
/// Auto Scaling's RollbackInstanceRefresh: the active refresh (Pending, InProgress or Baking) becomes RollbackInProgress in one conditional
/// update, and the group job then replaces the instances the refresh launched with ones of the configuration the group had when it
/// began, keeping the same healthy percentages. Only a refresh with a desired configuration, started on a group whose launch template
/// version is a number, can be rolled back (IrreversibleInstanceRefresh): the group's configuration never changed, so that is where
/// the instances return.
/// </summary>
internal sealed record RollbackInstanceRefresh(string AutoScalingGroupName) : IRequest<InstanceRefreshIdResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:RollbackInstanceRefresh", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate() => ScalingGroupLookup.EnsureName(AutoScalingGroupName);
}

internal sealed class RollbackInstanceRefreshHandler(ComputeDbContext db, ICallerContext caller, TimeProvider clock)
    : IRequestHandler<RollbackInstanceRefresh, InstanceRefreshIdResponse>
{
    public async ValueTask<InstanceRefreshIdResponse> Handle(RollbackInstanceRefresh request, CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
        var active = await db.InstanceRefreshes.AsNoTracking().Where(r => r.ActiveGroupId == group.Id).SingleOrDefaultAsync(cancellationToken);
        if (active is null || active.Status is not (InstanceRefreshStatus.Pending or InstanceRefreshStatus.InProgress or InstanceRefreshStatus.Baking))
        {
            throw NotFound(group.Name);
        }

        if (active.DesiredLaunchTemplateId is null)
        {
            throw new ApiException(400, "IrreversibleInstanceRefresh",
                "The instance refresh cannot be rolled back: it was started without a desired configuration.");
        }

        if (!InstanceRefreshStatus.Reversible(active.PreviousLaunchTemplateVersion))
        {
            throw new ApiException(400, "IrreversibleInstanceRefresh",
                $"The instance refresh cannot be rolled back: the Auto Scaling group uses the launch template version {active.PreviousLaunchTemplateVersion}.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (await db.InstanceRefreshes
                .Where(r => r.Id == active.Id && r.ActiveGroupId == group.Id
                    && (r.Status == InstanceRefreshStatus.Pending || r.Status == InstanceRefreshStatus.InProgress || r.Status == InstanceRefreshStatus.Baking))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Status, InstanceRefreshStatus.RollbackInProgress)
                    .SetProperty(r => r.StatusReason, (string?)null)
                    .SetProperty(r => r.RollbackReason, "Rollback initiated by user request.")
                    .SetProperty(r => r.RollbackStartTime, now)
                    .SetProperty(r => r.PercentageCompleteOnRollback, r => (int?)r.PercentageComplete)
                    .SetProperty(r => r.InstancesToUpdateOnRollback, r => (int?)r.InstancesToUpdate)
                    .SetProperty(r => r.CheckpointReachedAt, (DateTime?)null)
                    .SetProperty(r => r.ProtectedWaitSince, (DateTime?)null)
                    .SetProperty(r => r.BakingSince, (DateTime?)null)
                    .SetProperty(r => r.InitialInstancesToUpdate, 0)
                    .SetProperty(r => r.PercentageComplete, 0), cancellationToken) == 0)
        {
            // The group job ended it (or another caller rolled it back) between the read and the update.
            throw NotFound(group.Name);
        }

        return new InstanceRefreshIdResponse(active.Id);
    }

    private static ApiException NotFound(string name) =>
        new(400, "ActiveInstanceRefreshNotFound", $"No in progress or pending Instance Refresh found for Auto Scaling group {name}");
}
