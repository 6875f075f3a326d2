using Cronos;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.AutoScaling.ScheduledActions;

/// <summary>
/// When a scheduled action runs: a one-time action at its start time; a recurring one at each occurrence of its Unix cron
/// (five fields, read in its time zone, daylight saving as Cronos handles it: a skipped local time runs at the jump, a
/// repeated one once) from its start time on and until its end time. All times are UTC.
/// </summary>
internal static class ScheduleClock
{
    public static CronExpression ParseRecurrence(string recurrence)
    {
        try
        {
            return CronExpression.Parse(recurrence, CronFormat.Standard);
        }
        catch (CronFormatException)
        {
            throw ApiErrors.ValidationError($"Given recurrence string '{recurrence}' is not a valid cron expression: five fields, minute hour day-of-month month day-of-week.");
        }
    }

    public static TimeZoneInfo Zone(string? timeZone)
    {
        if (timeZone is null)
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw ApiErrors.ValidationError($"Given time zone '{timeZone}' is not a valid IANA time zone name.");
        }
    }

    /// <summary>The first occurrence at or after <paramref name="from"/> and the start time; null when none comes before the end time.</summary>
    public static DateTime? First(DateTime? startTime, DateTime? endTime, string? recurrence, string? timeZone, DateTime from)
    {
        if (recurrence is null)
        {
            return startTime;
        }

        var begin = startTime is { } start && start > from ? start : from;
        var next = ParseRecurrence(recurrence).GetNextOccurrence(Utc(begin), Zone(timeZone), inclusive: true);
        return next is { } n && (endTime is null || n <= endTime) ? n : null;
    }

    /// <summary>
    /// The occurrence after the one applied at <paramref name="now"/>: strictly after now, so occurrences missed while no
    /// job ran (an outage) are not replayed one by one, only the latest is applied. Null for a one-time action.
    /// </summary>
    public static DateTime? After(DateTime? endTime, string? recurrence, string? timeZone, DateTime now)
    {
        if (recurrence is null)
        {
            return null;
        }

        var next = ParseRecurrence(recurrence).GetNextOccurrence(Utc(now), Zone(timeZone), inclusive: false);
        return next is { } n && (endTime is null || n <= endTime) ? n : null;
    }

    public static DateTime Utc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => time,
        DateTimeKind.Local => time.ToUniversalTime(),
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    };
}
