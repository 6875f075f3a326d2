namespace Platform.Modules.Billing.Metering;

/// <summary>One UTC month's part of an instance's run, in whole seconds.</summary>
internal sealed record RunSegment(DateTime Month, DateTime Start, DateTime End, long Seconds);

/// <summary>
/// EC2's Linux rule for one run: per second, running time only, 60 seconds at least per start. A run is cut at UTC
/// month boundaries so each month's invoice holds its own part; the minimum's shortfall is charged with the run's last
/// part (the one known only once the run has ended). Times are whole seconds (fractions dropped), so the parts of a
/// run always add up to the run.
/// </summary>
internal static class RunSegments
{
    public const long MinimumSeconds = 60;

    public static DateTime Second(DateTime time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    public static DateTime MonthOf(DateTime time) => new(time.Year, time.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <param name="end">When the run ended; null for a run still going, cut at <paramref name="until"/> with no minimum.</param>
    public static IReadOnlyList<RunSegment> Split(DateTime start, DateTime? end, DateTime until)
    {
        start = Second(start);
        var stop = Second(end ?? until);
        if (stop < start)
        {
            stop = start;
        }

        var parts = new List<RunSegment>();
        for (var month = MonthOf(start); month < stop || parts.Count == 0; month = month.AddMonths(1))
        {
            var from = month > start ? month : start;
            var to = month.AddMonths(1) < stop ? month.AddMonths(1) : stop;
            parts.Add(new RunSegment(month, from, to, (long)(to - from).TotalSeconds));
        }

        var total = parts.Sum(p => p.Seconds);
        if (end is not null && total < MinimumSeconds)
        {
            parts[^1] = parts[^1] with { Seconds = parts[^1].Seconds + (MinimumSeconds - total) };
        }

        return parts;
    }

    /// <summary>
    /// Cuts one part at the given times (a spot price's changes) into parts of the same month; the part's minimum shortfall
    /// stays with its last piece, so the pieces add up to the part.
    /// </summary>
    public static IEnumerable<RunSegment> Cut(RunSegment part, IReadOnlyList<DateTime> at)
    {
        var shortfall = part.Seconds - (long)(part.End - part.Start).TotalSeconds;
        var from = part.Start;
        foreach (var cut in at.Select(Second).Where(c => c > part.Start && c < part.End).Distinct().Order())
        {
            yield return part with { Start = from, End = cut, Seconds = (long)(cut - from).TotalSeconds };
            from = cut;
        }

        yield return part with { Start = from, End = part.End, Seconds = (long)(part.End - from).TotalSeconds + shortfall };
    }
}
