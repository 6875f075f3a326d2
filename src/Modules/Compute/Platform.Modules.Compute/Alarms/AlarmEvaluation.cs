namespace Platform.Modules.Compute.Alarms;

/// <summary>CloudWatch's alarm states, as its API spells them.</summary>
internal static class AlarmStates
{
    public const string Ok = "OK";
    public const string Alarm = "ALARM";
    public const string InsufficientData = "INSUFFICIENT_DATA";
}

/// <summary>CloudWatch's comparison operators for a static threshold.</summary>
internal static class AlarmComparisons
{
    public const string GreaterThanOrEqualToThreshold = nameof(GreaterThanOrEqualToThreshold);
    public const string GreaterThanThreshold = nameof(GreaterThanThreshold);
    public const string LessThanThreshold = nameof(LessThanThreshold);
    public const string LessThanOrEqualToThreshold = nameof(LessThanOrEqualToThreshold);

    public static readonly IReadOnlyList<string> All = [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold];

    public static bool Breaches(string comparison, double value, double threshold) => comparison switch
    {
        GreaterThanOrEqualToThreshold => value >= threshold,
        GreaterThanThreshold => value > threshold,
        LessThanThreshold => value < threshold,
        LessThanOrEqualToThreshold => value <= threshold,
        _ => throw new ArgumentOutOfRangeException(nameof(comparison), comparison, "Not a comparison operator."),
    };
}

/// <summary>CloudWatch's TreatMissingData values.</summary>
internal static class MissingData
{
    public const string Missing = "missing";
    public const string Ignore = "ignore";
    public const string Breaching = "breaching";
    public const string NotBreaching = "notBreaching";

    public static readonly IReadOnlyList<string> All = [Missing, Ignore, Breaching, NotBreaching];
}

/// <summary>What decides an alarm's state: "<see cref="DatapointsToAlarm"/> out of <see cref="EvaluationPeriods"/>" datapoints beyond the threshold.</summary>
internal sealed record AlarmRule(string Comparison, double Threshold, int EvaluationPeriods, int DatapointsToAlarm, string TreatMissingData);

/// <summary>The state an evaluation arrives at and the reason CloudWatch would give in the alarm's history.</summary>
internal sealed record AlarmDecision(string State, string Reason);

/// <summary>
/// CloudWatch's "M out of N" evaluation of a metric alarm over the last <c>N</c> periods (oldest first, null where a period
/// has no datapoint). Missing datapoints are treated as the alarm says: <c>breaching</c> and <c>notBreaching</c> stand in for
/// them; <c>missing</c> leaves them out (no datapoint at all is INSUFFICIENT_DATA); <c>ignore</c> keeps the current state
/// unless the datapoints present decide on their own (M of them breach, or more than N − M do not). Pure: no clock, no store.
/// </summary>
internal static class AlarmEvaluation
{
    public static AlarmDecision Evaluate(AlarmRule rule, IReadOnlyList<double?> window, string currentState)
    {
        if (window.Count != rule.EvaluationPeriods)
        {
            throw new ArgumentException($"The window holds {window.Count} periods; the alarm evaluates {rule.EvaluationPeriods}.", nameof(window));
        }

        var present = window.OfType<double>().ToList();
        var missing = window.Count - present.Count;
        var breaching = present.Count(v => AlarmComparisons.Breaches(rule.Comparison, v, rule.Threshold));
        var notBreaching = present.Count - breaching;
        switch (rule.TreatMissingData)
        {
            case MissingData.Breaching:
                breaching += missing;
                break;
            case MissingData.NotBreaching:
                notBreaching += missing;
                break;
            case MissingData.Ignore when missing > 0:
                if (breaching < rule.DatapointsToAlarm && notBreaching <= rule.EvaluationPeriods - rule.DatapointsToAlarm)
                {
                    return new AlarmDecision(currentState, $"{missing} of the last {rule.EvaluationPeriods} datapoints were missing and the alarm ignores missing data: its state is kept.");
                }

                break;
            default:
                if (present.Count == 0)
                {
                    return new AlarmDecision(AlarmStates.InsufficientData,
                        $"Insufficient Data: {rule.EvaluationPeriods} datapoint{(rule.EvaluationPeriods == 1 ? " was" : "s were")} unknown.");
                }

                break;
        }

        var values = string.Join(", ", window.Reverse().Select(v => v is { } x ? x.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) : "missing"));
        var threshold = rule.Threshold.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        return breaching >= rule.DatapointsToAlarm
            ? new AlarmDecision(AlarmStates.Alarm,
                $"Threshold Crossed: {breaching} out of the last {rule.EvaluationPeriods} datapoints [{values}] were {Words(rule.Comparison)} the threshold ({threshold}) (minimum {rule.DatapointsToAlarm} datapoint{(rule.DatapointsToAlarm == 1 ? "" : "s")} for OK -> ALARM transition).")
            : new AlarmDecision(AlarmStates.Ok,
                $"Threshold Crossed: {notBreaching} out of the last {rule.EvaluationPeriods} datapoints [{values}] were not {Words(rule.Comparison)} the threshold ({threshold}) (minimum {rule.EvaluationPeriods - rule.DatapointsToAlarm + 1} datapoint{(rule.EvaluationPeriods - rule.DatapointsToAlarm == 0 ? "" : "s")} for ALARM -> OK transition).");
    }

    private static string Words(string comparison) => comparison switch
    {
        AlarmComparisons.GreaterThanOrEqualToThreshold => "greater than or equal to",
        AlarmComparisons.GreaterThanThreshold => "greater than",
        AlarmComparisons.LessThanThreshold => "less than",
        _ => "less than or equal to",
    };
}
