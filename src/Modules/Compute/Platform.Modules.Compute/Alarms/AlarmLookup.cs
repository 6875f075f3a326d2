using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Metrics.Custom;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Alarms;

internal sealed record MetricDimension(string? Name, string? Value);

internal sealed record MetricAlarmResponse(
    string AlarmName,
    string AlarmArn,
    string? AlarmDescription,
    string Namespace,
    string MetricName,
    IReadOnlyList<MetricDimension> Dimensions,
    string Statistic,
    int Period,
    int EvaluationPeriods,
    int DatapointsToAlarm,
    double Threshold,
    string ComparisonOperator,
    string TreatMissingData,
    bool ActionsEnabled,
    IReadOnlyList<string> AlarmActions,
    IReadOnlyList<string> OkActions,
    IReadOnlyList<string> InsufficientDataActions,
    string StateValue,
    string StateReason,
    string? StateReasonData,
    DateTime StateUpdatedTimestamp,
    DateTime AlarmConfigurationUpdatedTimestamp);

internal sealed record MetricAlarmsResponse(IReadOnlyList<MetricAlarmResponse> MetricAlarms);

/// <summary>History item types, as CloudWatch spells them.</summary>
internal static class HistoryItemTypes
{
    public const string ConfigurationUpdate = nameof(ConfigurationUpdate);
    public const string StateUpdate = nameof(StateUpdate);
    public const string Action = nameof(Action);

    public static readonly IReadOnlyList<string> All = [ConfigurationUpdate, StateUpdate, Action];
}

/// <summary>Alarms' ARNs, errors, responses, and the one way a state changes (with its history entry and its actions due).</summary>
internal static partial class AlarmLookup
{
    public static string Arn(string region, string accountId, string name) => Arns.Build("cloudwatch", region, accountId, $"alarm:{name}");

    public static ApiException NotFound(string name) => ApiErrors.NotFound("ResourceNotFound", $"An alarm named '{name}' does not exist.");

    public static ApiException InvalidCombination(string message) => new(400, "InvalidParameterCombination", message);

    public static string Time(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    public static IReadOnlyList<string> Actions(string json) => JsonSerializer.Deserialize<List<string>>(json) ?? [];

    /// <summary>A scaling policy's ARN, as Auto Scaling gives it: <c>arn:aws:autoscaling:REGION:ACCOUNT:scalingPolicy:ID:autoScalingGroupName/G:policyName/P</c>.</summary>
    [GeneratedRegex("^arn:aws:autoscaling:(?<region>[a-z0-9-]+):(?<account>[0-9]{12}):scalingPolicy:(?<id>[0-9a-f-]{36}):autoScalingGroupName/(?<group>[^:]+):policyName/(?<policy>.+)$")]
    public static partial Regex PolicyArn();

    public static void EnsureWellFormedName(string? name, string parameter = "AlarmName")
    {
        if (string.IsNullOrEmpty(name) || name.Length > 255 || name.Any(char.IsControl))
        {
            throw ApiErrors.InvalidParameterValue($"The parameter {parameter} must be 1 to 255 characters without control characters.");
        }
    }

    public static MetricAlarmResponse Response(string region, MetricAlarm a) => new(a.Name, Arn(region, a.AccountId, a.Name), a.Description, a.Namespace, a.MetricName,
        Metric(a).Dimensions, a.Statistic, a.Period, a.EvaluationPeriods, a.DatapointsToAlarm, a.Threshold, a.ComparisonOperator,
        a.TreatMissingData, a.ActionsEnabled, Actions(a.AlarmActions), Actions(a.OkActions), Actions(a.InsufficientDataActions), a.StateValue, a.StateReason,
        a.StateReasonData, a.StateUpdatedAt, a.ConfigurationUpdatedAt);

    /// <summary>The metric the alarm watches: EC2's by its one dimension, a custom one by all of its own.</summary>
    public static MetricIdentity Metric(MetricAlarm a) => new(a.Namespace, a.MetricName,
        a.Dimensions is null ? [new MetricDimension(a.DimensionName, a.DimensionValue)] : CustomMetricIdentity.Parse(a.Dimensions));

    public static IReadOnlyList<string> ActionsFor(MetricAlarm alarm, string state) => Actions(state switch
    {
        AlarmStates.Alarm => alarm.AlarmActions,
        AlarmStates.Ok => alarm.OkActions,
        _ => alarm.InsufficientDataActions,
    });

    /// <summary>
    /// Moves the alarm to <paramref name="state"/> with CloudWatch's StateUpdate history item, and marks the new state's
    /// actions due (when actions are enabled). The caller saves: the alarm's version makes the save fail for a second writer.
    /// </summary>
    public static void Transition(ComputeDbContext db, MetricAlarm alarm, string state, string reason, string? reasonData, DateTime now)
    {
        var old = new { stateValue = alarm.StateValue, stateReason = alarm.StateReason, stateReasonData = alarm.StateReasonData };
        db.AlarmHistory.Add(new AlarmHistoryItem
        {
            Id = Guid.NewGuid().ToString(),
            AccountId = alarm.AccountId,
            AlarmName = alarm.Name,
            Timestamp = now,
            HistoryItemType = HistoryItemTypes.StateUpdate,
            HistorySummary = $"Alarm updated from {alarm.StateValue} to {state}",
            HistoryData = JsonSerializer.Serialize(new
            {
                version = "1.0",
                oldState = old,
                newState = new { stateValue = state, stateReason = reason, stateReasonData = reasonData },
            }),
        });
        alarm.StateValue = state;
        alarm.StateReason = reason;
        alarm.StateReasonData = reasonData;
        alarm.StateUpdatedAt = now;
        alarm.ActionsDueFor = alarm.ActionsEnabled && ActionsFor(alarm, state).Count > 0 ? state : null;
        alarm.Version++;
    }

    /// <summary>
    /// Takes the alarm's due actions for this runner with one conditional update: only if the alarm is still at the version
    /// <paramref name="seen"/> was read at (due actions cleared, <c>last_action_at</c> set, version raised). Of runners that
    /// read the same version, one gets true.
    /// </summary>
    public static async Task<bool> TryClaimActionsAsync(ComputeDbContext db, MetricAlarm seen, DateTime now, CancellationToken cancellationToken)
    {
        var (id, version) = (seen.Id, seen.Version);
        return await db.MetricAlarms.Where(a => a.Id == id && a.Version == version)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.ActionsDueFor, (string?)null).SetProperty(a => a.LastActionAt, now)
                .SetProperty(a => a.Version, version + 1), cancellationToken) == 1;
    }

    public static async Task<MetricAlarm> OwnedAsync(ComputeDbContext db, string accountId, string name, CancellationToken cancellationToken) =>
        await db.MetricAlarms.SingleOrDefaultAsync(a => a.AccountId == accountId && a.Name == name, cancellationToken) ?? throw NotFound(name);
}
