using FsCheck;
using FsCheck.Fluent;
using Platform.Modules.Compute.Alarms;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.Modules.Compute.Tests.Alarms;

/// <summary>CloudWatch's "M out of N" alarm evaluation with each treatment of missing data.</summary>
public sealed class AlarmEvaluationTests(ITestOutputHelper output)
{
    private static AlarmRule Rule(int n, int m, string missing = MissingData.Missing, string comparison = AlarmComparisons.GreaterThanThreshold) =>
        new(comparison, 50, n, m, missing);

    [Theory]
    // window oldest first ("-" missing), N, M, treatment, state before, state after.
    [InlineData("60 60 60", 3, 3, MissingData.Missing, AlarmStates.Ok, AlarmStates.Alarm)]
    [InlineData("60 40 60", 3, 3, MissingData.Missing, AlarmStates.Ok, AlarmStates.Ok)]
    [InlineData("60 40 60", 3, 2, MissingData.Missing, AlarmStates.Ok, AlarmStates.Alarm)]
    [InlineData("50 50 50", 3, 1, MissingData.Missing, AlarmStates.Alarm, AlarmStates.Ok)]
    [InlineData("- - -", 3, 3, MissingData.Missing, AlarmStates.Ok, AlarmStates.InsufficientData)]
    [InlineData("- - -", 3, 3, MissingData.Breaching, AlarmStates.Ok, AlarmStates.Alarm)]
    [InlineData("- - -", 3, 3, MissingData.NotBreaching, AlarmStates.Alarm, AlarmStates.Ok)]
    [InlineData("- - -", 3, 3, MissingData.Ignore, AlarmStates.Alarm, AlarmStates.Alarm)]
    [InlineData("- - -", 3, 3, MissingData.Ignore, AlarmStates.InsufficientData, AlarmStates.InsufficientData)]
    [InlineData("60 - 60", 3, 3, MissingData.Breaching, AlarmStates.Ok, AlarmStates.Alarm)]
    [InlineData("60 - 60", 3, 3, MissingData.NotBreaching, AlarmStates.Ok, AlarmStates.Ok)]
    [InlineData("60 - 60", 3, 3, MissingData.Ignore, AlarmStates.Ok, AlarmStates.Ok)]
    [InlineData("60 - 60", 3, 2, MissingData.Ignore, AlarmStates.Ok, AlarmStates.Alarm)]
    [InlineData("40 - 40", 3, 2, MissingData.Ignore, AlarmStates.Alarm, AlarmStates.Ok)]
    [InlineData("40 - 60", 3, 2, MissingData.Ignore, AlarmStates.Alarm, AlarmStates.Alarm)]
    [InlineData("60 - 60", 3, 2, MissingData.Missing, AlarmStates.Ok, AlarmStates.Alarm)]
    [InlineData("40 - -", 3, 3, MissingData.Missing, AlarmStates.Alarm, AlarmStates.Ok)]
    public void Given_a_window_Then_the_state_is_CloudWatchs(string window, int n, int m, string missing, string before, string after)
    {
        var values = window.Split(' ').Select(v => v == "-" ? (double?)null : double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(after, AlarmEvaluation.Evaluate(Rule(n, m, missing), values, before).State);
    }

    [Theory]
    [InlineData(AlarmComparisons.GreaterThanOrEqualToThreshold, 50, true)]
    [InlineData(AlarmComparisons.GreaterThanThreshold, 50, false)]
    [InlineData(AlarmComparisons.LessThanThreshold, 49.9, true)]
    [InlineData(AlarmComparisons.LessThanOrEqualToThreshold, 50, true)]
    [InlineData(AlarmComparisons.LessThanThreshold, 50, false)]
    public void Given_each_comparison_Then_the_threshold_itself_is_on_the_side_its_name_says(string comparison, double value, bool breaches) =>
        Assert.Equal(breaches, AlarmComparisons.Breaches(comparison, value, 50));

    [Fact]
    public void Given_a_breach_Then_the_reason_reads_as_CloudWatchs()
    {
        var decision = AlarmEvaluation.Evaluate(Rule(2, 2), [70, 80.5], AlarmStates.Ok);
        Assert.Equal(
            "Threshold Crossed: 2 out of the last 2 datapoints [80.5, 70] were greater than the threshold (50) (minimum 2 datapoints for OK -> ALARM transition).",
            decision.Reason);
    }

    [Fact]
    public void Property_the_state_follows_from_the_counts_and_complete_windows_never_depend_on_the_treatment()
    {
        var cases = from n in Gen.Choose(1, 10)
                    from m in Gen.Choose(1, n)
                    from values in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant<double?>(null)), (4, Gen.Choose(0, 100).Select(v => (double?)v))), n)
                    from missing in Gen.Elements(MissingData.All.ToArray())
                    from comparison in Gen.Elements(AlarmComparisons.All.ToArray())
                    from before in Gen.Elements(AlarmStates.Ok, AlarmStates.Alarm, AlarmStates.InsufficientData)
                    select (N: n, M: m, Values: values, Missing: missing, Comparison: comparison, Before: before);
        PropertyRuns.Check(output, "alarm evaluation", Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var rule = new AlarmRule(c.Comparison, 50, c.N, c.M, c.Missing);
            var state = AlarmEvaluation.Evaluate(rule, c.Values, c.Before).State;
            var breaching = c.Values.Count(v => v is { } x && AlarmComparisons.Breaches(c.Comparison, x, 50));
            var absent = c.Values.Count(v => v is null);
            if (breaching >= c.M)
            {
                Assert.Equal(AlarmStates.Alarm, state);
            }

            if (absent == 0)
            {
                Assert.Equal(breaching >= c.M ? AlarmStates.Alarm : AlarmStates.Ok, state);
                Assert.All(MissingData.All, t => Assert.Equal(state, AlarmEvaluation.Evaluate(rule with { TreatMissingData = t }, c.Values, c.Before).State));
            }

            // Only "missing" with nothing at all gives INSUFFICIENT_DATA; "ignore" may keep it.
            if (state == AlarmStates.InsufficientData)
            {
                Assert.True((c.Missing == MissingData.Missing && absent == c.N) || (c.Missing == MissingData.Ignore && c.Before == AlarmStates.InsufficientData));
            }

            if (c.Missing == MissingData.Breaching)
            {
                Assert.Equal(breaching + absent >= c.M ? AlarmStates.Alarm : AlarmStates.Ok, state);
            }
        }), inputsPerSeed: 2000);
    }
}
