namespace Platform.Modules.Compute.AutoScaling;

/// <summary>Auto Scaling's adjustment types.</summary>
internal static class AdjustmentTypes
{
    public const string ChangeInCapacity = nameof(ChangeInCapacity);
    public const string ExactCapacity = nameof(ExactCapacity);
    public const string PercentChangeInCapacity = nameof(PercentChangeInCapacity);

    public static readonly IReadOnlyList<string> All = [ChangeInCapacity, ExactCapacity, PercentChangeInCapacity];
}

/// <summary>
/// One step of a step scaling policy: bounds relative to the alarm's threshold (null: unbounded), as Auto Scaling's
/// StepAdjustment. Above the threshold the lower bound is inclusive and the upper exclusive; below it, the other way round.
/// </summary>
internal sealed record StepAdjustment(double? MetricIntervalLowerBound, double? MetricIntervalUpperBound, int ScalingAdjustment);

/// <summary>
/// The arithmetic of Auto Scaling's policies, pure and total: what capacity a target tracking, step or simple policy asks
/// for, clamped to the group's bounds, with warm-up and cooldown as AWS documents them.
/// </summary>
internal static class ScalingArithmetic
{
    /// <summary>A capacity within the group's bounds.</summary>
    public static int Clamp(long capacity, int minSize, int maxSize) => (int)Math.Clamp(capacity, minSize, maxSize);

    /// <summary>
    /// Target tracking: the capacity that brings the per-instance metric to the target if load stays the same,
    /// <c>ceil(capacity × metric / target)</c>. Rounding up scales out enough and scales in conservatively (the metric
    /// stays at or under the target after the scale-in). Scale-in is refused when disabled; no instance running means
    /// the metric says nothing, so the capacity stays.
    /// </summary>
    public static int TargetTracking(int currentCapacity, double metricValue, double targetValue, int minSize, int maxSize, bool disableScaleIn)
    {
        if (targetValue <= 0 || double.IsNaN(metricValue) || double.IsInfinity(metricValue) || metricValue < 0 || currentCapacity <= 0)
        {
            return Clamp(currentCapacity, minSize, maxSize);
        }

        // Rounded to a millionth first: 3 × 50 / 50 must be exactly 3, not 3.0000000000000004 rounded up to 4.
        var exact = Math.Round(currentCapacity * metricValue / targetValue, 6);
        var wanted = (long)Math.Min(Math.Ceiling(exact), int.MaxValue);
        if (disableScaleIn && wanted < currentCapacity)
        {
            wanted = currentCapacity;
        }

        return Clamp(wanted, minSize, maxSize);
    }

    /// <summary>The step whose interval holds <paramref name="metricValue"/> − <paramref name="threshold"/>, or none.</summary>
    public static StepAdjustment? MatchingStep(IReadOnlyList<StepAdjustment> steps, double metricValue, double threshold)
    {
        var difference = metricValue - threshold;
        return steps.FirstOrDefault(step => difference >= 0
            ? (step.MetricIntervalLowerBound is not { } low || difference >= low) && (step.MetricIntervalUpperBound is not { } high || difference < high)
            : (step.MetricIntervalLowerBound is not { } lo || difference > lo) && (step.MetricIntervalUpperBound is not { } hi || difference <= hi));
    }

    /// <summary>
    /// The capacity an adjustment asks for from <paramref name="capacity"/>. A percentage is rounded as Auto Scaling
    /// rounds it: toward zero, but at least one instance either way; <paramref name="minAdjustmentMagnitude"/> raises a
    /// smaller percentage change to it.
    /// </summary>
    public static long Adjusted(int capacity, string adjustmentType, int adjustment, int? minAdjustmentMagnitude)
    {
        switch (adjustmentType)
        {
            case AdjustmentTypes.ExactCapacity:
                return adjustment;
            case AdjustmentTypes.ChangeInCapacity:
                return (long)capacity + adjustment;
            case AdjustmentTypes.PercentChangeInCapacity:
                var change = capacity * (double)adjustment / 100;
                long rounded = change switch
                {
                    0 => 0,
                    > 0 and < 1 => 1,
                    < 0 and > -1 => -1,
                    _ => (long)Math.Truncate(change),
                };
                if (minAdjustmentMagnitude is { } magnitude && rounded != 0 && Math.Abs(rounded) < magnitude)
                {
                    rounded = Math.Sign(rounded) * magnitude;
                }

                return capacity + rounded;
            default:
                throw new ArgumentOutOfRangeException(nameof(adjustmentType), adjustmentType, "Not an adjustment type.");
        }
    }

    /// <summary>
    /// Step scaling with instances still warming up: they count toward capacity already, so a breach in the same step
    /// again adds nothing and a breach in a higher step adds only the difference. The adjustment applies to the capacity
    /// the group had before its warming instances (<paramref name="desiredCapacity"/> − <paramref name="warmingUp"/>);
    /// a scale-out never lowers the desired capacity, and a scale-in waits until no instance is warming up.
    /// </summary>
    public static int StepScaling(int desiredCapacity, int warmingUp, string adjustmentType, StepAdjustment step, int? minAdjustmentMagnitude,
        int minSize, int maxSize)
    {
        if (step.ScalingAdjustment == 0 && adjustmentType != AdjustmentTypes.ExactCapacity)
        {
            return Clamp(desiredCapacity, minSize, maxSize);
        }

        var baseCapacity = Math.Max(0, desiredCapacity - Math.Max(0, warmingUp));
        var wanted = Adjusted(baseCapacity, adjustmentType, step.ScalingAdjustment, minAdjustmentMagnitude);
        if (wanted > desiredCapacity)
        {
            return Clamp(wanted, minSize, maxSize);
        }

        if (warmingUp > 0)
        {
            return Clamp(desiredCapacity, minSize, maxSize);
        }

        return Clamp(Adjusted(desiredCapacity, adjustmentType, step.ScalingAdjustment, minAdjustmentMagnitude), minSize, maxSize);
    }

    /// <summary>
    /// Simple scaling: one adjustment, then nothing until the cooldown after the last simple scaling activity has passed
    /// (AWS's cooldown applies to simple scaling only). Null when the cooldown refuses.
    /// </summary>
    public static int? SimpleScaling(int desiredCapacity, string adjustmentType, int adjustment, int? minAdjustmentMagnitude, int minSize, int maxSize,
        DateTime now, DateTime? lastActivityEnd, TimeSpan cooldown)
    {
        if (lastActivityEnd is { } end && now < end + cooldown)
        {
            return null;
        }

        return Clamp(Adjusted(desiredCapacity, adjustmentType, adjustment, minAdjustmentMagnitude), minSize, maxSize);
    }

    /// <summary>Whether an instance launched at <paramref name="launchedAt"/> still warms up: its metrics are left out of the group's aggregate.</summary>
    public static bool WarmingUp(DateTime launchedAt, DateTime now, TimeSpan warmup) => now < launchedAt + warmup;
}
