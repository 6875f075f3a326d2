using Platform.Modules.Billing.Metering;

namespace Platform.Modules.Billing.Tests;

/// <summary>EC2's per-second rule on many runs: the parts of a run add up to it (60 s at least), each in its own month.</summary>
public sealed class RunSegmentsTests
{
    private static readonly DateTime Epoch = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(1)]
    [InlineData(20261205)]
    [InlineData(424242)]
    public void Given_random_runs_Then_the_parts_add_up_to_the_whole_seconds_with_the_minimum_and_stay_in_their_months(int seed)
    {
        var random = new Random(seed);
        for (var n = 0; n < 5000; n++)
        {
            var start = Epoch.AddTicks(random.NextInt64(TimeSpan.FromDays(1000).Ticks));
            var length = random.Next(4) switch
            {
                0 => TimeSpan.FromTicks(random.NextInt64(TimeSpan.FromSeconds(90).Ticks)),
                1 => TimeSpan.FromTicks(random.NextInt64(TimeSpan.FromDays(2).Ticks)),
                _ => TimeSpan.FromTicks(random.NextInt64(TimeSpan.FromDays(100).Ticks)),
            };
            var end = start + length;

            var parts = RunSegments.Split(start, end, end);

            var whole = (long)(RunSegments.Second(end) - RunSegments.Second(start)).TotalSeconds;
            Assert.Equal(Math.Max(60, whole), parts.Sum(p => p.Seconds));
            Assert.Equal(RunSegments.MonthOf(start), parts[0].Month);
            Assert.Equal(RunSegments.Second(start), parts[0].Start);
            Assert.Equal(RunSegments.Second(end), parts[^1].End);
            for (var i = 0; i < parts.Count; i++)
            {
                Assert.Equal(RunSegments.MonthOf(parts[i].Start), parts[i].Month);
                Assert.True(parts[i].End <= parts[i].Month.AddMonths(1));
                Assert.True(i == parts.Count - 1 || parts[i].Seconds == (long)(parts[i].End - parts[i].Start).TotalSeconds);
                Assert.True(i == 0 || parts[i].Start == parts[i - 1].End);
            }
        }
    }

    [Fact]
    public void Given_a_run_still_going_Then_it_is_cut_at_the_time_given_without_the_minimum()
    {
        var start = new DateTime(2025, 1, 31, 23, 59, 50, DateTimeKind.Utc);
        var parts = RunSegments.Split(start, null, new DateTime(2025, 2, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(10, Assert.Single(parts).Seconds);
    }

    [Fact]
    public void Given_a_short_run_across_a_month_end_Then_its_shortfall_is_charged_with_its_last_part()
    {
        var start = new DateTime(2025, 1, 31, 23, 59, 50, DateTimeKind.Utc);
        var parts = RunSegments.Split(start, start.AddSeconds(20.9), start.AddSeconds(21));
        Assert.Equal([10L, 50L], parts.Select(p => p.Seconds));
    }
}
