using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.AutoScaling.ScheduledActions;

/// <summary>
/// The group job's part for scheduled actions: each action whose next occurrence has come sets the group's sizes, and in the
/// same transaction its next occurrence moves on (a one-time action, or a recurrence past its end, is deleted, as AWS
/// deletes it). The action's <c>next_run_at</c> and the group's revision are concurrency tokens, so a second runner (another
/// replica, or a rerun that read the same rows) fails to save and applies nothing: each occurrence is applied once, and a
/// change made by hand after it is never undone by a late rerun. While ScheduledActions is suspended, the occurrences that
/// come are passed over, not applied later.
/// </summary>
internal static class ScheduledActionRunner
{
    /// <summary>Applies the group's due actions (saving each); returns how many changed the group.</summary>
    public static async Task<int> ApplyDueAsync(ComputeDbContext db, ScalingGroup group, DateTime now, bool suspended, CancellationToken cancellationToken) =>
        await ApplyAsync(db, group, await DueAsync(db, group, now, cancellationToken), now, suspended, cancellationToken);

    /// <summary>The group's actions whose next occurrence has come, tracked.</summary>
    public static Task<List<ScheduledAction>> DueAsync(ComputeDbContext db, ScalingGroup group, DateTime now, CancellationToken cancellationToken) =>
        db.ScheduledActions.Where(a => a.GroupId == group.Id && a.NextRunAt != null && a.NextRunAt <= now).ToListAsync(cancellationToken);

    /// <summary>Applies actions read as due; a save fails (DbUpdateConcurrencyException) when another runner applied them or the group changed since.</summary>
    public static async Task<int> ApplyAsync(ComputeDbContext db, ScalingGroup group, List<ScheduledAction> due, DateTime now, bool suspended,
        CancellationToken cancellationToken)
    {
        var applied = 0;
        foreach (var action in due.OrderBy(a => a.NextRunAt).ThenBy(a => a.Name, StringComparer.Ordinal))
        {
            var occurrence = action.NextRunAt!.Value;
            if (!suspended && Apply(db, group, action, occurrence, now))
            {
                applied++;
            }

            action.LastRunAt = occurrence;
            action.NextRunAt = ScheduleClock.After(action.EndTime, action.Recurrence, action.TimeZone, now);
            if (action.NextRunAt is null)
            {
                db.ScheduledActions.Remove(action);
            }

            group.Revision++;
            await db.SaveChangesAsync(cancellationToken);
        }

        return applied;
    }

    /// <summary>The group's new sizes: those the action names, the desired capacity kept within them; refused (a failed activity) when they contradict.</summary>
    private static bool Apply(ComputeDbContext db, ScalingGroup group, ScheduledAction action, DateTime occurrence, DateTime now)
    {
        var min = action.MinSize ?? group.MinSize;
        var max = action.MaxSize ?? group.MaxSize;
        var desired = action.DesiredCapacity ?? Math.Clamp(group.DesiredCapacity, Math.Min(min, max), Math.Max(min, max));
        if (min > max || desired < min || desired > max)
        {
            db.ScalingActivities.Add(new ScalingActivity
            {
                Id = Guid.NewGuid().ToString(),
                GroupId = group.Id,
                AccountId = group.AccountId,
                Description = $"Executing scheduled action {action.Name}",
                Cause = $"At {Time(occurrence)} a scheduled action update of AutoScalingGroup constraints to min: {min}, max: {max}, desired: {desired} was refused.",
                StatusCode = "Failed",
                StatusMessage = $"The resulting sizes contradict each other: min {min}, max {max}, desired {desired}.",
                Progress = 100,
                StartTime = now,
                EndTime = now,
            });
            return false;
        }

        var before = group.DesiredCapacity;
        group.MinSize = min;
        group.MaxSize = max;
        group.DesiredCapacity = desired;
        if (desired != before)
        {
            group.CapacityChangeCause =
                $"At {Time(occurrence)} a scheduled action update of AutoScalingGroup constraints to min: {min}, max: {max}, desired: {desired} changing the desired capacity from {before} to {desired}.";
        }

        return true;
    }

    private static string Time(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
