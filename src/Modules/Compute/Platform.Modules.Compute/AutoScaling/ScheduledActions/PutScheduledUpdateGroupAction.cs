using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.AutoScaling.Groups;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.ScheduledActions;

internal sealed record ScheduledActionResponse(
    string AutoScalingGroupName,
    string ScheduledActionName,
    string ScheduledActionArn,
    DateTime? Time,
    DateTime? StartTime,
    DateTime? EndTime,
    string? Recurrence,
    int? MinSize,
    int? MaxSize,
    int? DesiredCapacity,
    string? TimeZone);

internal sealed record ScheduledActionsResponse(IReadOnlyList<ScheduledActionResponse> ScheduledUpdateGroupActions);

/// <summary>What one scheduled action asks, as PutScheduledUpdateGroupAction and BatchPut's entries carry it.</summary>
internal sealed record ScheduledActionSettings(
    string? ScheduledActionName,
    DateTime? StartTime,
    DateTime? EndTime,
    string? Recurrence,
    string? TimeZone,
    int? MinSize,
    int? MaxSize,
    int? DesiredCapacity)
{
    /// <summary>Auto Scaling's limit of scheduled actions per group.</summary>
    public const int MaxPerGroup = 125;

    public void Validate()
    {
        if (ScheduledActionName is null || ScheduledActionName.Length is 0 or > 255 || ScheduledActionName.Any(char.IsControl))
        {
            throw ApiErrors.ValidationError("scheduled_action_name must be 1 to 255 characters without control characters.");
        }

        if (MinSize is null && MaxSize is null && DesiredCapacity is null)
        {
            throw ApiErrors.ValidationError("At least one of MinSize, MaxSize or DesiredCapacity must be specified.");
        }

        if (MinSize is < 0 or > GroupSettings.MaxGroupSize || MaxSize is < 0 or > GroupSettings.MaxGroupSize || DesiredCapacity is < 0 or > GroupSettings.MaxGroupSize)
        {
            throw ApiErrors.ValidationError($"min_size, max_size and desired_capacity must be from 0 to {GroupSettings.MaxGroupSize}.");
        }

        if (MinSize is { } min && MaxSize is { } max && min > max)
        {
            throw ApiErrors.ValidationError($"Max bound, {max}, must be greater than or equal to min bound, {min}");
        }

        if (DesiredCapacity is { } desired && ((MinSize is { } low && desired < low) || (MaxSize is { } high && desired > high)))
        {
            throw ApiErrors.ValidationError($"Desired capacity:{desired} must be between the specified min size:{MinSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} and max size:{MaxSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");
        }

        if (StartTime is null && Recurrence is null)
        {
            throw ApiErrors.ValidationError("Either StartTime or Recurrence must be specified.");
        }

        if (Recurrence is not null)
        {
            ScheduleClock.ParseRecurrence(Recurrence);
        }
        else if (EndTime is not null)
        {
            throw ApiErrors.ValidationError("EndTime applies to a recurring action: specify Recurrence too.");
        }

        if (TimeZone is not null)
        {
            ScheduleClock.Zone(TimeZone);
        }

        if (StartTime is { } start && EndTime is { } end && end <= start)
        {
            throw ApiErrors.ValidationError("End time must be after the start time.");
        }
    }

    /// <summary>The rules that need the clock; returns the first occurrence to apply.</summary>
    public DateTime FirstRun(DateTime now)
    {
        var start = StartTime is { } s ? ScheduleClock.Utc(s) : (DateTime?)null;
        var end = EndTime is { } e ? ScheduleClock.Utc(e) : (DateTime?)null;
        if (start < now)
        {
            throw ApiErrors.ValidationError("Given start time is in the past.");
        }

        if (end < now)
        {
            throw ApiErrors.ValidationError("Given end time is in the past.");
        }

        return ScheduleClock.First(start, end, Recurrence, TimeZone, now)
            ?? throw ApiErrors.ValidationError($"The recurrence '{Recurrence}' has no occurrence between the start time and the end time.");
    }
}

/// <summary>
/// Auto Scaling's PutScheduledUpdateGroupAction: creates the group's scheduled action or replaces the one of that name. The
/// group job applies each occurrence once (<see cref="ScheduledActionRunner"/>).
/// </summary>
internal sealed record PutScheduledUpdateGroupAction(string AutoScalingGroupName, ScheduledActionSettings Settings)
    : IRequest<ScheduledActionResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:PutScheduledUpdateGroupAction", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        Settings.Validate();
    }
}

internal sealed class PutScheduledUpdateGroupActionHandler(ComputeDbContext db, ICallerContext caller, TimeProvider clock, IOptions<PlatformOptions> platform)
    : IRequestHandler<PutScheduledUpdateGroupAction, ScheduledActionResponse>
{
    public async ValueTask<ScheduledActionResponse> Handle(PutScheduledUpdateGroupAction request, CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
        ScalingGroupLookup.EnsureNotDeleting(group);
        var action = await ScheduledActionLookup.PutAsync(db, group, request.Settings, clock.GetUtcNow().UtcDateTime, cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another request created or changed this action, or the job applied it, at the same time.
            throw ScheduledActionLookup.Contention();
        }

        return ScheduledActionLookup.Response(platform.Value.Region, group, action);
    }
}

internal static class ScheduledActionLookup
{
    public static ApiException Contention() =>
        new(500, "ResourceContention", "You already have a pending update to an Auto Scaling resource (for example, a group, instance, or load balancer).");

    public static ApiException NotFound(string name) => ApiErrors.ValidationError($"Scheduled Update Group Action name not found - {name}");

    /// <summary>Adds the action or changes the one of that name (tracked, not saved); the clock's rules and the limit are checked here.</summary>
    public static async Task<ScheduledAction> PutAsync(ComputeDbContext db, ScalingGroup group, ScheduledActionSettings settings, DateTime now,
        CancellationToken cancellationToken)
    {
        var next = settings.FirstRun(now);
        var action = await db.ScheduledActions.SingleOrDefaultAsync(a => a.GroupId == group.Id && a.Name == settings.ScheduledActionName, cancellationToken);
        if (action is null)
        {
            if (await db.ScheduledActions.CountAsync(a => a.GroupId == group.Id, cancellationToken) >= ScheduledActionSettings.MaxPerGroup)
            {
                throw new ApiException(400, "LimitExceeded", $"You have reached the limit of {ScheduledActionSettings.MaxPerGroup} scheduled actions for Auto Scaling group {group.Name}.");
            }

            action = new ScheduledAction
            {
                Id = Guid.NewGuid().ToString(),
                GroupId = group.Id,
                AccountId = group.AccountId,
                Name = settings.ScheduledActionName!,
                CreatedAt = now,
            };
            db.ScheduledActions.Add(action);
        }

        action.StartTime = settings.StartTime is { } start ? ScheduleClock.Utc(start) : null;
        action.EndTime = settings.EndTime is { } end ? ScheduleClock.Utc(end) : null;
        action.Recurrence = settings.Recurrence;
        action.TimeZone = settings.TimeZone;
        action.MinSize = settings.MinSize;
        action.MaxSize = settings.MaxSize;
        action.DesiredCapacity = settings.DesiredCapacity;
        action.NextRunAt = next;
        return action;
    }

    /// <summary>As AWS describes one: a recurring action's start time is its next occurrence.</summary>
    public static ScheduledActionResponse Response(string region, ScalingGroup group, ScheduledAction a)
    {
        var start = a.Recurrence is null ? a.StartTime : a.NextRunAt ?? a.StartTime;
        start = start is { } s ? ScheduleClock.Utc(s) : null;
        return new ScheduledActionResponse(group.Name, a.Name,
            Arns.Build("autoscaling", region, group.AccountId, $"scheduledUpdateGroupAction:{a.Id}:autoScalingGroupName/{group.Name}:scheduledActionName/{a.Name}"),
            start, start, a.EndTime is { } e ? ScheduleClock.Utc(e) : null, a.Recurrence, a.MinSize, a.MaxSize, a.DesiredCapacity, a.TimeZone);
    }
}

/// <summary>
/// Auto Scaling's DescribeScheduledActions: the account's actions, of one group when named (a group it lacks: none), only
/// those named when names are given, and only those whose next run falls between start_time and end_time when given.
/// </summary>
internal sealed record DescribeScheduledActions(string? AutoScalingGroupName, IReadOnlyList<string> ScheduledActionNames, DateTime? StartTime, DateTime? EndTime)
    : IRequest<ScheduledActionsResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("autoscaling:DescribeScheduledActions", "*");

    public void Validate()
    {
        if (AutoScalingGroupName is not null)
        {
            ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        }

        if (ScheduledActionNames.Count > 50)
        {
            throw ApiErrors.ValidationError("At most 50 scheduled action names may be given.");
        }
    }
}

internal sealed class DescribeScheduledActionsHandler(ComputeDbContext db, ICallerContext caller, IOptions<PlatformOptions> platform)
    : IRequestHandler<DescribeScheduledActions, ScheduledActionsResponse>
{
    public async ValueTask<ScheduledActionsResponse> Handle(DescribeScheduledActions request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var groups = await db.ScalingGroups.AsNoTracking()
            .Where(g => g.AccountId == accountId && (request.AutoScalingGroupName == null || g.Name == request.AutoScalingGroupName))
            .ToDictionaryAsync(g => g.Id, cancellationToken);
        var ids = groups.Keys.ToList();
        var names = request.ScheduledActionNames.ToList();
        var actions = await db.ScheduledActions.AsNoTracking()
            .Where(a => a.AccountId == accountId && ids.Contains(a.GroupId) && (names.Count == 0 || names.Contains(a.Name)))
            .ToListAsync(cancellationToken);
        var from = request.StartTime is { } s ? ScheduleClock.Utc(s) : (DateTime?)null;
        var to = request.EndTime is { } e ? ScheduleClock.Utc(e) : (DateTime?)null;
        return new ScheduledActionsResponse(actions
            .Select(a => ScheduledActionLookup.Response(platform.Value.Region, groups[a.GroupId], a))
            .Where(r => (from is null || r.StartTime >= from) && (to is null || r.StartTime <= to))
            .OrderBy(r => r.AutoScalingGroupName, StringComparer.Ordinal).ThenBy(r => r.ScheduledActionName, StringComparer.Ordinal)
            .ToList());
    }
}

/// <summary>Auto Scaling's DeleteScheduledAction.</summary>
internal sealed record DeleteScheduledAction(string AutoScalingGroupName, string? ScheduledActionName) : IRequest, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("autoscaling:DeleteScheduledAction", Arns.Build("autoscaling", region, caller.AccountId, $"autoScalingGroup:*:autoScalingGroupName/{AutoScalingGroupName}"));

    public void Validate()
    {
        ScalingGroupLookup.EnsureName(AutoScalingGroupName);
        if (string.IsNullOrEmpty(ScheduledActionName))
        {
            throw ApiErrors.ValidationError("scheduled_action_name is required.");
        }
    }
}

internal sealed class DeleteScheduledActionHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DeleteScheduledAction>
{
    public async ValueTask<Unit> Handle(DeleteScheduledAction request, CancellationToken cancellationToken)
    {
        var group = await ScalingGroupLookup.OwnedAsync(db, caller.Identity.AccountId, request.AutoScalingGroupName, cancellationToken);
        if (await db.ScheduledActions.Where(a => a.GroupId == group.Id && a.Name == request.ScheduledActionName).ExecuteDeleteAsync(cancellationToken) == 0)
        {
            throw ScheduledActionLookup.NotFound(request.ScheduledActionName!);
        }

        return Unit.Value;
    }
}
