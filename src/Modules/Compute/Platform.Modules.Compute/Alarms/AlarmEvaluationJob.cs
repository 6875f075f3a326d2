using System.Text.Json;
using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Modules.Compute.AutoScaling.Groups;
using Platform.Modules.Compute.AutoScaling.Policies;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Compute.Alarms;

/// <summary>What one pass over the alarms did.</summary>
internal sealed record AlarmPass(int Evaluated, int Transitions, int ActionsRun);

/// <summary>
/// Evaluates every metric alarm every 15 seconds, on every API replica at once. A transition is saved against the alarm's
/// version (a concurrency token): of two runners that read the same version, one saves and the other's save fails and is
/// dropped, so each transition is recorded once. Actions are claimed the same way (one conditional update clearing
/// <c>actions_due_for</c>) before they run, so each runs at most once per transition; Auto Scaling actions run again once a
/// minute while the alarm stays in ALARM, as CloudWatch's do. Actions execute the policies as ExecutePolicy does, in a
/// scope acting as the alarm's account (CloudWatch's service calling Auto Scaling on its behalf), honouring cooldowns.
/// </summary>
internal sealed partial class AlarmEvaluationJob(IServiceScopeFactory scopes, ComputeDbContext db, TimeProvider clock, ILogger<AlarmEvaluationJob> logger)
{
    public const string RecurringJobId = "cloudwatch-alarms";

    public static readonly TimeSpan AutoScalingRepeat = TimeSpan.FromMinutes(1);

    [AutomaticRetry(Attempts = 0)]
    public async Task<AlarmPass> RunAsync(CancellationToken cancellationToken)
    {
        var ids = await db.MetricAlarms.AsNoTracking().OrderBy(a => a.Id).Select(a => a.Id).ToListAsync(cancellationToken);
        int transitions = 0, actions = 0;
        foreach (var id in ids)
        {
            try
            {
                transitions += await EvaluateAsync(id, cancellationToken) ? 1 : 0;
                actions += await RunDueActionsAsync(id, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogAlarmFailed(logger, id, e);
            }
        }

        return new AlarmPass(ids.Count, transitions, actions);
    }

    /// <returns>Whether this runner recorded a transition.</returns>
    private async Task<bool> EvaluateAsync(string id, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        var alarm = await db.MetricAlarms.SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (alarm is null)
        {
            return false;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var from = now - TimeSpan.FromSeconds((long)alarm.Period * alarm.EvaluationPeriods);
        // Another module's metrics (AWS/RDS) are asked for through its contracts, in a scope of their own.
        using var scope = scopes.CreateScope();
        var scopedSender = scope.ServiceProvider.GetRequiredService<ISender>();
        var window = await new AlarmMetrics(db, scopedSender).PeriodsAsync(alarm.AccountId, AlarmLookup.Metric(alarm), alarm.Statistic, from, alarm.Period, alarm.EvaluationPeriods, cancellationToken);
        var decision = AlarmEvaluation.Evaluate(new AlarmRule(alarm.ComparisonOperator, alarm.Threshold, alarm.EvaluationPeriods, alarm.DatapointsToAlarm, alarm.TreatMissingData),
            window, alarm.StateValue);
        if (decision.State == alarm.StateValue)
        {
            return false;
        }

        var reasonData = JsonSerializer.Serialize(new
        {
            version = "1.0",
            queryDate = AlarmLookup.Time(now),
            startDate = AlarmLookup.Time(from),
            statistic = alarm.Statistic,
            period = alarm.Period,
            recentDatapoints = window.OfType<double>().ToList(),
            threshold = alarm.Threshold,
        });
        AlarmLookup.Transition(db, alarm, decision.State, decision.Reason, reasonData, now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another runner (or a user's change) saved this alarm since it was read: its decision stands; the next pass decides anew.
            return false;
        }
    }

    /// <returns>How many actions this runner invoked.</returns>
    private async Task<int> RunDueActionsAsync(string id, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        var alarm = await db.MetricAlarms.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var due = alarm?.ActionsDueFor
            ?? (alarm is { ActionsEnabled: true, StateValue: AlarmStates.Alarm, LastActionAt: { } last } && now - last >= AutoScalingRepeat
                && AlarmLookup.ActionsFor(alarm, AlarmStates.Alarm).Count > 0 && last >= alarm.StateUpdatedAt ? AlarmStates.Alarm : null);
        if (alarm is null || due is null)
        {
            return 0;
        }

        if (!await AlarmLookup.TryClaimActionsAsync(db, alarm, now, cancellationToken))
        {
            return 0;
        }

        var actions = AlarmLookup.ActionsFor(alarm, due);
        using var scope = scopes.CreateScope();
        var services = scope.ServiceProvider;
        services.GetRequiredService<CallerContext>().Authenticate(new CallerIdentity(alarm.AccountId, Arns.AccountRoot(alarm.AccountId),
            alarm.AccountId, null, "monitoring.amazonaws.com"), new Dictionary<string, string>());
        var sender = services.GetRequiredService<ISender>();
        var value = LatestDatapoint(alarm.StateReasonData) ?? alarm.Threshold;
        foreach (var action in actions)
        {
            var match = AlarmLookup.PolicyArn().Match(action);
            string summary;
            try
            {
                await sender.Send(new ExecutePolicy(match.Groups["group"].Value, match.Groups["policy"].Value, HonorCooldown: true, value, alarm.Threshold,
                    TriggeredBy: new AlarmTrigger(alarm.Name, due)), cancellationToken);
                summary = $"Successfully executed action {action}";
            }
            catch (ApiException e)
            {
                summary = $"Failed to execute action {action}. Received error: \"{e.Message}\"";
            }

            db.AlarmHistory.Add(new AlarmHistoryItem
            {
                Id = Guid.NewGuid().ToString(),
                AccountId = alarm.AccountId,
                AlarmName = alarm.Name,
                Timestamp = clock.GetUtcNow().UtcDateTime,
                HistoryItemType = HistoryItemTypes.Action,
                HistorySummary = summary,
                HistoryData = JsonSerializer.Serialize(new { actionState = summary.StartsWith("Succ", StringComparison.Ordinal) ? "Succeeded" : "Failed", stateValue = due }),
            });
        }

        await db.SaveChangesAsync(cancellationToken);
        return actions.Count;
    }

    /// <summary>The newest datapoint the transition saw: what a step policy measures its breach by.</summary>
    private static double? LatestDatapoint(string? reasonData)
    {
        if (reasonData is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(reasonData);
            return document.RootElement.TryGetProperty("recentDatapoints", out var points) && points.ValueKind == JsonValueKind.Array && points.GetArrayLength() > 0
                && points[points.GetArrayLength() - 1].TryGetDouble(out var latest) ? latest : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alarm {AlarmId} could not be evaluated; the next pass tries again")]
    private static partial void LogAlarmFailed(ILogger logger, string alarmId, Exception exception);
}
