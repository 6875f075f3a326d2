using FsCheck;
using FsCheck.Fluent;
using Platform.Modules.Compute.AutoScaling;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.Modules.Compute.Tests.AutoScaling;

/// <summary>Auto Scaling's policy arithmetic: the examples AWS's documentation works through, and properties over generated groups.</summary>
public sealed class ScalingArithmeticTests(ITestOutputHelper output)
{
    [Theory]
    // capacity, metric, target, expected: AWS's example (10 instances at 70 % for a 50 % target: 14), a dead band, scale-in rounded up.
    [InlineData(10, 70, 50, 14)]
    [InlineData(3, 50, 50, 3)]
    [InlineData(3, 50.1, 50, 4)]
    [InlineData(3, 30, 50, 2)]
    [InlineData(3, 0, 50, 1)]
    [InlineData(1, 100, 50, 2)]
    [InlineData(2, 100, 40, 5)]
    public void Given_a_target_tracking_policy_Then_capacity_is_the_ceiling_of_capacity_times_metric_over_target(int capacity, double metric, double target,
        int expected) =>
        Assert.Equal(expected, ScalingArithmetic.TargetTracking(capacity, metric, target, minSize: 1, maxSize: 20, disableScaleIn: false));

    [Fact]
    public void Given_bounds_or_disabled_scale_in_Then_target_tracking_stays_within_them()
    {
        Assert.Equal(3, ScalingArithmetic.TargetTracking(1, 100, 10, minSize: 1, maxSize: 3, disableScaleIn: false));
        Assert.Equal(2, ScalingArithmetic.TargetTracking(4, 1, 50, minSize: 2, maxSize: 3, disableScaleIn: false));
        Assert.Equal(3, ScalingArithmetic.TargetTracking(3, 10, 50, minSize: 1, maxSize: 5, disableScaleIn: true));
        Assert.Equal(2, ScalingArithmetic.TargetTracking(2, double.NaN, 50, minSize: 1, maxSize: 5, disableScaleIn: false));
        Assert.Equal(1, ScalingArithmetic.TargetTracking(0, 90, 50, minSize: 1, maxSize: 5, disableScaleIn: false));
    }

    [Theory]
    // AWS's percentage rounding: 12.7 → 12, 0.67 → 1, −0.67 → −1, −6.67 → −6.
    [InlineData(127, 10, 139)]
    [InlineData(67, 1, 68)]
    [InlineData(67, -1, 66)]
    [InlineData(667, -1, 661)]
    [InlineData(10, 0, 10)]
    public void Given_a_percent_change_Then_it_is_rounded_toward_zero_but_at_least_one(int capacity, int percent, long expected) =>
        Assert.Equal(expected, ScalingArithmetic.Adjusted(capacity, AdjustmentTypes.PercentChangeInCapacity, percent, null));

    [Fact]
    public void Given_a_min_adjustment_magnitude_Then_a_small_percentage_is_raised_to_it()
    {
        Assert.Equal(6, ScalingArithmetic.Adjusted(4, AdjustmentTypes.PercentChangeInCapacity, 25, minAdjustmentMagnitude: 2));
        Assert.Equal(2, ScalingArithmetic.Adjusted(4, AdjustmentTypes.PercentChangeInCapacity, -25, minAdjustmentMagnitude: 2));
        Assert.Equal(7, ScalingArithmetic.Adjusted(4, AdjustmentTypes.ExactCapacity, 7, minAdjustmentMagnitude: 2));
    }

    private static readonly StepAdjustment[] Steps =
    [
        // For a 50 % threshold: [50, 60) nothing, [60, 70) add 1, 70 and up add 3; below it (40, 50) nothing, (30, 40] remove 1, 30 and under remove 2.
        new(0, 10, 0), new(10, 20, 1), new(20, null, 3), new(-10, 0, 0), new(-20, -10, -1), new(null, -20, -2),
    ];

    [Theory]
    [InlineData(55, 0)]
    [InlineData(60, 1)]
    [InlineData(69.99, 1)]
    [InlineData(70, 3)]
    [InlineData(99, 3)]
    [InlineData(50, 0)]
    [InlineData(40.1, 0)]
    [InlineData(40, -1)]
    [InlineData(30.1, -1)]
    [InlineData(30, -2)]
    [InlineData(29, -2)]
    public void Given_step_adjustments_Then_the_bounds_choose_the_step_as_AWS_does(double metric, int adjustment) =>
        Assert.Equal(adjustment, ScalingArithmetic.MatchingStep(Steps, metric, threshold: 50)!.ScalingAdjustment);

    [Fact]
    public void Given_instances_warming_up_Then_a_repeated_breach_adds_nothing_and_a_higher_step_only_the_difference()
    {
        var plusOne = new StepAdjustment(10, 20, 1);
        var plusThree = new StepAdjustment(20, null, 3);
        // 2 instances, +1: 3. The new one warms up: the same breach again keeps 3; the +3 step asks 2 + 3 = 5.
        Assert.Equal(3, ScalingArithmetic.StepScaling(2, 0, AdjustmentTypes.ChangeInCapacity, plusOne, null, 1, 10));
        Assert.Equal(3, ScalingArithmetic.StepScaling(3, 1, AdjustmentTypes.ChangeInCapacity, plusOne, null, 1, 10));
        Assert.Equal(5, ScalingArithmetic.StepScaling(3, 1, AdjustmentTypes.ChangeInCapacity, plusThree, null, 1, 10));
        // Warmed up: the same breach adds again.
        Assert.Equal(4, ScalingArithmetic.StepScaling(3, 0, AdjustmentTypes.ChangeInCapacity, plusOne, null, 1, 10));
        // A scale-in waits for the warm-up to end.
        var minusOne = new StepAdjustment(null, -10, -1);
        Assert.Equal(3, ScalingArithmetic.StepScaling(3, 1, AdjustmentTypes.ChangeInCapacity, minusOne, null, 1, 10));
        Assert.Equal(2, ScalingArithmetic.StepScaling(3, 0, AdjustmentTypes.ChangeInCapacity, minusOne, null, 1, 10));
    }

    [Fact]
    public void Given_a_simple_policy_Then_its_cooldown_refuses_a_second_activity_until_it_has_passed()
    {
        var end = new DateTime(2026, 12, 5, 13, 0, 0, DateTimeKind.Utc);
        var cooldown = TimeSpan.FromSeconds(300);
        Assert.Equal(3, ScalingArithmetic.SimpleScaling(2, AdjustmentTypes.ChangeInCapacity, 1, null, 1, 5, end.AddSeconds(1), null, cooldown));
        Assert.Null(ScalingArithmetic.SimpleScaling(3, AdjustmentTypes.ChangeInCapacity, 1, null, 1, 5, end.AddSeconds(299), end, cooldown));
        Assert.Equal(4, ScalingArithmetic.SimpleScaling(3, AdjustmentTypes.ChangeInCapacity, 1, null, 1, 5, end.AddSeconds(300), end, cooldown));
        Assert.Equal(5, ScalingArithmetic.SimpleScaling(3, AdjustmentTypes.ExactCapacity, 9, null, 1, 5, end.AddSeconds(300), end, cooldown));
    }

    [Fact]
    public void Given_warm_up_Then_an_instance_warms_until_launch_plus_warm_up()
    {
        var launched = new DateTime(2026, 12, 5, 13, 0, 0, DateTimeKind.Utc);
        Assert.True(ScalingArithmetic.WarmingUp(launched, launched.AddSeconds(59), TimeSpan.FromMinutes(1)));
        Assert.False(ScalingArithmetic.WarmingUp(launched, launched.AddSeconds(60), TimeSpan.FromMinutes(1)));
    }

    private static readonly Gen<(int Min, int Max, int Capacity)> Groups =
        from min in Gen.Choose(0, 20)
        from extra in Gen.Choose(0, 30)
        from capacity in Gen.Choose(0, 60)
        select (min, min + extra, capacity);

    [Fact]
    public void Property_target_tracking_stays_in_bounds_moves_toward_the_target_and_never_overshoots_it()
    {
        var cases = from g in Groups
                    from metric in Gen.Choose(0, 100_000).Select(m => m / 1000d)
                    from target in Gen.Choose(1, 100_000).Select(t => t / 1000d)
                    from disable in Gen.Elements(false, true)
                    select (g.Min, g.Max, g.Capacity, Metric: metric, Target: target, Disable: disable);
        PropertyRuns.Check(output, "target tracking", Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var next = ScalingArithmetic.TargetTracking(c.Capacity, c.Metric, c.Target, c.Min, c.Max, c.Disable);
            Assert.InRange(next, c.Min, c.Max);
            if (c.Capacity < c.Min || c.Capacity > c.Max || c.Capacity == 0)
            {
                return;
            }

            // Above the target it never shrinks, below it never grows; with the same load spread over the new
            // capacity the per-instance metric is at or under the target unless max_size stopped it.
            if (c.Metric > c.Target)
            {
                Assert.True(next >= c.Capacity);
            }

            if (c.Metric < c.Target)
            {
                Assert.True(next <= c.Capacity);
            }

            if (next < c.Max)
            {
                Assert.True(Math.Round(c.Capacity * c.Metric / next, 6) <= c.Target * (1 + 1e-6), $"{c} -> {next}");
            }

            if (c.Disable)
            {
                Assert.True(next >= c.Capacity);
            }
        }), inputsPerSeed: 2000);
    }

    [Fact]
    public void Property_step_scaling_stays_in_bounds_and_warm_up_never_stacks_a_repeated_breach()
    {
        var cases = from g in Groups
                    from warming in Gen.Choose(0, 5)
                    from type in Gen.Elements(AdjustmentTypes.All.ToArray())
                    from adjustment in Gen.Choose(-200, 200)
                    from magnitude in Gen.Elements<int?>(null, 1, 2, 5)
                    select (g.Min, g.Max, g.Capacity, Warming: warming, Type: type, Adjustment: adjustment, Magnitude: magnitude);
        PropertyRuns.Check(output, "step scaling", Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var step = new StepAdjustment(null, null, c.Type == AdjustmentTypes.ExactCapacity ? Math.Abs(c.Adjustment) : c.Adjustment);
            var desired = ScalingArithmetic.Clamp(c.Capacity, c.Min, c.Max);
            var warming = Math.Min(c.Warming, desired);
            var next = ScalingArithmetic.StepScaling(desired, warming, c.Type, step, c.Magnitude, c.Min, c.Max);
            Assert.InRange(next, c.Min, c.Max);
            if (warming > 0)
            {
                Assert.True(next >= desired, "a scale-in while instances warm up");
            }

            // The instances it adds warm up; the same breach again asks for nothing more.
            var added = next - desired;
            if (added > 0)
            {
                Assert.Equal(next, ScalingArithmetic.StepScaling(next, warming + added, c.Type, step, c.Magnitude, c.Min, c.Max));
            }
        }), inputsPerSeed: 2000);
    }
}
