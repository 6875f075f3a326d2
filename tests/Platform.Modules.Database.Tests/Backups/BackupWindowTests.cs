using FsCheck;
using FsCheck.Fluent;
using Platform.Modules.Database.Backups;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.Modules.Database.Tests.Backups;

public sealed class BackupWindowTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("03:00-03:30", true)]
    [InlineData("23:45-00:30", true)]
    [InlineData("00:00-23:59", true)]
    [InlineData("03:00-03:29", false)]
    [InlineData("03:00-03:00", false)]
    [InlineData("24:00-00:30", false)]
    [InlineData("3:00-03:30", false)]
    [InlineData("03:00 03:30", false)]
    [InlineData("", false)]
    public void Given_a_window_Then_RDS_format_and_30_minutes_are_required(string text, bool ok) =>
        Assert.Equal(ok, BackupWindow.TryParse(text, out _));

    [Fact]
    public void Given_any_window_and_time_Then_the_time_is_inside_exactly_when_it_is_within_the_window_minutes_after_its_start()
    {
        var minute = Gen.Choose(0, 1439);
        var cases = minute.SelectMany(start => Gen.Choose(30, 1439).SelectMany(length => minute.Select(now => (start, length, now))));
        PropertyRuns.Check(output, "window membership", Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var start = TimeOnly.MinValue.AddMinutes(c.start);
            var text = $"{start:HH\\:mm}-{start.AddMinutes(c.length):HH\\:mm}";
            Assert.True(BackupWindow.TryParse(text, out var window), text);
            var now = new DateTime(2026, 12, 5, 0, 0, 0, DateTimeKind.Utc).AddMinutes(c.now);
            var offset = (c.now - c.start + 1440) % 1440;
            var day = window!.Value.DayOfWindowAt(now);
            if (offset >= c.length)
            {
                return day is null;
            }

            // The window began today, or yesterday when it crossed midnight before now.
            return day == DateOnly.FromDateTime(now.AddMinutes(-offset));
        }), 300);
    }
}
