using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Platform.Modules.Database.Backups;

/// <summary>
/// RDS's preferred backup window, <c>hh24:mi-hh24:mi</c> in UTC, at least 30 minutes long; it may run past midnight
/// (<c>23:45-00:30</c>).
/// </summary>
internal readonly record struct BackupWindow(TimeOnly Start, TimeOnly End)
{
    public const int MinimumMinutes = 30;

    public int LengthMinutes => (int)((End - Start).TotalMinutes + 1440) % 1440;

    public static bool TryParse(string? text, [NotNullWhen(true)] out BackupWindow? window)
    {
        window = null;
        if (text is not { Length: 11 } || text[5] != '-'
            || !TimeOnly.TryParseExact(text[..5], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
            || !TimeOnly.TryParseExact(text[6..], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end))
        {
            return false;
        }

        var candidate = new BackupWindow(start, end);
        if (candidate.LengthMinutes < MinimumMinutes)
        {
            return false;
        }

        window = candidate;
        return true;
    }

    /// <summary>The UTC day a window containing <paramref name="now"/> began on, or null when <paramref name="now"/> is outside it.</summary>
    public DateOnly? DayOfWindowAt(DateTime now)
    {
        var time = TimeOnly.FromDateTime(now);
        var day = DateOnly.FromDateTime(now);
        if (Start < End)
        {
            return time >= Start && time < End ? day : null;
        }

        // Past midnight: the part after midnight belongs to the window that began the day before.
        return time >= Start ? day : time < End ? day.AddDays(-1) : null;
    }

    public override string ToString() => $"{Start:HH\\:mm}-{End:HH\\:mm}";
}
