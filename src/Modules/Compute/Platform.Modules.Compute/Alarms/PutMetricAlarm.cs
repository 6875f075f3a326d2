using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Metrics;
using Platform.Modules.Compute.Metrics.Custom;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Alarms;

/// <summary>
/// CloudWatch's PutMetricAlarm (creates or replaces by name) on one of EC2's metrics of an instance (dimension InstanceId)
/// or of an Auto Scaling group (AutoScalingGroupName), or on a custom metric of the account (PutMetricData's, by its
/// namespace, name and exact dimensions). Actions name scaling policies of the caller's account. A new
/// alarm starts INSUFFICIENT_DATA; a replaced one keeps its state, as CloudWatch's.
/// </summary>
internal sealed record PutMetricAlarm(
    string AlarmName,
    string? AlarmDescription,
    string? Namespace,
    string? MetricName,
    List<MetricDimension>? Dimensions,
    string? Statistic,
    string? ExtendedStatistic,
    int? Period,
    int? EvaluationPeriods,
    int? DatapointsToAlarm,
    double? Threshold,
    string? ComparisonOperator,
    string? TreatMissingData,
    bool? ActionsEnabled,
    List<string>? AlarmActions,
    List<string>? OkActions,
    List<string>? InsufficientDataActions) : IRequest<MetricAlarmResponse>, IRequiresRegionalPermission, IValidatable
{
    public const int MaxActions = 5;

    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("cloudwatch:PutMetricAlarm", AlarmLookup.Arn(region, caller.AccountId, AlarmName));

    public void Validate()
    {
        AlarmLookup.EnsureWellFormedName(AlarmName);
        if (AlarmDescription is { Length: > 1024 })
        {
            throw ApiErrors.InvalidParameterValue("The parameter AlarmDescription must be at most 1024 characters.");
        }

        if (Namespace is null || MetricName is null)
        {
            throw ApiErrors.MissingParameter($"The parameter {(Namespace is null ? "Namespace" : "MetricName")} is required.");
        }

        if (Namespace == RdsMetricCatalog.Namespace)
        {
            MetricIdentity.EnsureRds(MetricName, Dimensions);
        }
        else if (Namespace == AutoScalingMetricCatalog.Namespace)
        {
            MetricIdentity.EnsureAutoScaling(MetricName, Dimensions);
        }
        else if (Namespace != AlarmDimensions.Namespace)
        {
            if (Namespace.StartsWith(CustomMetricIdentity.ReservedPrefix, StringComparison.Ordinal))
            {
                throw ApiErrors.InvalidParameterValue($"The namespace '{Namespace}' has no metrics on this platform: alarms watch {AlarmDimensions.Namespace}, {RdsMetricCatalog.Namespace}, {AutoScalingMetricCatalog.Namespace} or custom namespaces.");
            }

            // A custom metric (PutMetricData's): any dimensions, as many as it was published with.
            CustomMetricIdentity.EnsureCustomNamespace(Namespace);
            CustomMetricIdentity.EnsureName(MetricName, "MetricName", 255);
            CustomMetricIdentity.EnsureDimensions(Dimensions);
        }
        else
        {
            if (!InstanceMetricCatalog.ByName.ContainsKey(MetricName))
            {
                throw ApiErrors.InvalidParameterValue($"The metric '{MetricName}' is not one of {string.Join(", ", InstanceMetricCatalog.All.Select(m => m.Name))}.");
            }

            if (Dimensions is not [var dimension])
            {
                throw Dimensions is { Count: > 1 }
                    ? AlarmLookup.InvalidCombination("An alarm watches one instance (InstanceId) or one Auto Scaling group (AutoScalingGroupName), not several dimensions.")
                    : ApiErrors.MissingParameter("The parameter Dimensions is required: InstanceId or AutoScalingGroupName.");
            }

            if (dimension.Name is not (AlarmDimensions.InstanceId or AlarmDimensions.AutoScalingGroupName) || string.IsNullOrEmpty(dimension.Value) || dimension.Value.Length > 1024)
            {
                throw ApiErrors.InvalidParameterValue($"The dimension '{dimension.Name}' is not InstanceId or AutoScalingGroupName with a value of 1 to 1024 characters.");
            }

            if (dimension.Name == AlarmDimensions.InstanceId)
            {
                try
                {
                    Instances.InstanceLookup.EnsureWellFormed(dimension.Value);
                }
                catch (ApiException e)
                {
                    // EC2's code (InvalidInstanceID.Malformed) is not CloudWatch's: the message stays.
                    throw ApiErrors.InvalidParameterValue(e.Message);
                }
            }
        }

        if ((Statistic is null) == (ExtendedStatistic is null))
        {
            throw AlarmLookup.InvalidCombination("Exactly one of Statistic and ExtendedStatistic must be specified.");
        }

        if (Statistic is null || !MetricStatistics.All.Contains(Statistic))
        {
            throw ApiErrors.InvalidParameterValue(Statistic is null
                ? "ExtendedStatistic (percentiles) is not kept here: use Statistic."
                : $"The statistic '{Statistic}' is not one of {string.Join(", ", MetricStatistics.All)}.");
        }

        if (Period is not { } period || EvaluationPeriods is not { } evaluationPeriods || Threshold is null || ComparisonOperator is null)
        {
            throw ApiErrors.MissingParameter("The parameters Period, EvaluationPeriods, Threshold and ComparisonOperator are required.");
        }

        if (period < AlarmDimensions.Sampling || period % AlarmDimensions.Sampling != 0 || period > 86400)
        {
            throw ApiErrors.InvalidParameterValue($"The parameter Period must be a multiple of {AlarmDimensions.Sampling} seconds (the platform samples each minute) up to 86400.");
        }

        if (evaluationPeriods < 1 || (long)evaluationPeriods * period > 86400)
        {
            throw ApiErrors.InvalidParameterValue("The parameter EvaluationPeriods must be at least 1, and EvaluationPeriods times Period at most 86400 seconds.");
        }

        if (DatapointsToAlarm is { } m && (m < 1 || m > evaluationPeriods))
        {
            throw ApiErrors.InvalidParameterValue($"DatapointsToAlarm ({m}) must be from 1 to EvaluationPeriods ({evaluationPeriods}).");
        }

        if (!double.IsFinite(Threshold.Value))
        {
            throw ApiErrors.InvalidParameterValue("The parameter Threshold must be a finite number.");
        }

        if (!AlarmComparisons.All.Contains(ComparisonOperator))
        {
            throw ApiErrors.InvalidParameterValue($"The comparison operator '{ComparisonOperator}' is not one of {string.Join(", ", AlarmComparisons.All)}.");
        }

        if (TreatMissingData is { } treat && !MissingData.All.Contains(treat))
        {
            throw ApiErrors.InvalidParameterValue($"The parameter TreatMissingData '{treat}' is not one of {string.Join(", ", MissingData.All)}.");
        }

        foreach (var (list, parameter) in new[] { (AlarmActions, "AlarmActions"), (OkActions, "OKActions"), (InsufficientDataActions, "InsufficientDataActions") })
        {
            if (list is { Count: > MaxActions })
            {
                throw ApiErrors.InvalidParameterValue($"The parameter {parameter} holds at most {MaxActions} actions.");
            }

            if (list is not null && list.Any(a => a is null || !AlarmLookup.PolicyArn().IsMatch(a)))
            {
                throw ApiErrors.InvalidParameterValue(
                    $"Invalid action in {parameter}: '{list.First(a => a is null || !AlarmLookup.PolicyArn().IsMatch(a))}'. Actions here are Auto Scaling policy ARNs.");
            }
        }
    }
}

internal sealed class PutMetricAlarmHandler(ComputeDbContext db, ICallerContext caller, IOptions<PlatformOptions> platform, IOptions<ComputeOptions> options, TimeProvider clock)
    : IRequestHandler<PutMetricAlarm, MetricAlarmResponse>
{
    public async ValueTask<MetricAlarmResponse> Handle(PutMetricAlarm request, CancellationToken cancellationToken) =>
        await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var accountId = caller.Identity.AccountId;
            var region = platform.Value.Region;
            var actions = (request.AlarmActions ?? []).Concat(request.OkActions ?? []).Concat(request.InsufficientDataActions ?? []).Distinct(StringComparer.Ordinal).ToList();
            foreach (var action in actions)
            {
                // A policy of this account in this region, which exists now: another account's policy is as unknown as a made-up one.
                var match = AlarmLookup.PolicyArn().Match(action);
                var id = match.Groups["id"].Value;
                var group = match.Groups["group"].Value;
                var name = match.Groups["policy"].Value;
                if (match.Groups["region"].Value != region || match.Groups["account"].Value != accountId
                    || !await db.ScalingPolicies.AnyAsync(p => p.Id == id && p.AccountId == accountId && p.Name == name
                        && db.ScalingGroups.Any(g => g.Id == p.GroupId && g.Name == group), cancellationToken))
                {
                    throw ApiErrors.InvalidParameterValue($"The action '{action}' names no scaling policy of this account in {region}.");
                }
            }

            var now = clock.GetUtcNow().UtcDateTime;
            var alarm = await db.MetricAlarms.SingleOrDefaultAsync(a => a.AccountId == accountId && a.Name == request.AlarmName, cancellationToken);
            var custom = request.Namespace != AlarmDimensions.Namespace;
            var dimensions = CustomMetricIdentity.Canonical(request.Dimensions ?? []);
            var dimension = dimensions.Count > 0 ? dimensions[0] : new MetricDimension("", "");
            if (alarm is null)
            {
                if (await db.MetricAlarms.CountAsync(a => a.AccountId == accountId, cancellationToken) >= options.Value.MaxAlarmsPerAccount)
                {
                    throw new ApiException(400, "LimitExceeded", $"The quota of {options.Value.MaxAlarmsPerAccount} alarms for this account has already been reached.");
                }

                alarm = new MetricAlarm
                {
                    Id = Guid.NewGuid().ToString(),
                    AccountId = accountId,
                    Name = request.AlarmName,
                    Namespace = request.Namespace!,
                    MetricName = request.MetricName!,
                    DimensionName = dimension.Name!,
                    DimensionValue = dimension.Value!,
                    Statistic = request.Statistic!,
                    ComparisonOperator = request.ComparisonOperator!,
                    TreatMissingData = MissingData.Missing,
                    StateValue = AlarmStates.InsufficientData,
                    StateReason = "Unchecked: Initial alarm creation",
                    StateUpdatedAt = now,
                };
                db.MetricAlarms.Add(alarm);
            }

            alarm.Description = request.AlarmDescription;
            alarm.Namespace = request.Namespace!;
            alarm.MetricName = request.MetricName!;
            alarm.DimensionName = dimension.Name!;
            alarm.DimensionValue = dimension.Value!;
            alarm.Dimensions = custom ? CustomMetricIdentity.Json(dimensions) : null;
            alarm.Statistic = request.Statistic!;
            alarm.Period = request.Period!.Value;
            alarm.EvaluationPeriods = request.EvaluationPeriods!.Value;
            alarm.DatapointsToAlarm = request.DatapointsToAlarm ?? request.EvaluationPeriods!.Value;
            alarm.Threshold = request.Threshold!.Value;
            alarm.ComparisonOperator = request.ComparisonOperator!;
            alarm.TreatMissingData = request.TreatMissingData ?? MissingData.Missing;
            alarm.ActionsEnabled = request.ActionsEnabled ?? true;
            alarm.AlarmActions = JsonSerializer.Serialize(request.AlarmActions ?? []);
            alarm.OkActions = JsonSerializer.Serialize(request.OkActions ?? []);
            alarm.InsufficientDataActions = JsonSerializer.Serialize(request.InsufficientDataActions ?? []);
            alarm.ConfigurationUpdatedAt = now;
            var created = alarm.Version == 0;
            alarm.Version++;
            db.AlarmHistory.Add(new AlarmHistoryItem
            {
                Id = Guid.NewGuid().ToString(),
                AccountId = accountId,
                AlarmName = alarm.Name,
                Timestamp = now,
                HistoryItemType = HistoryItemTypes.ConfigurationUpdate,
                HistorySummary = $"Alarm \"{alarm.Name}\" {(created ? "created" : "updated")}",
                HistoryData = JsonSerializer.Serialize(new { version = "1.0", type = created ? "Create" : "Update" }),
            });
            await db.SaveChangesAsync(cancellationToken);
            return AlarmLookup.Response(region, alarm);
        });
}
