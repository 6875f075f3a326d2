using System.Globalization;
using Platform.Modules.Compute.AutoScaling.Groups;
using Platform.Modules.Compute.AutoScaling.InstanceRefreshes;
using Platform.Modules.Compute.AutoScaling.LifecycleHooks;
using Platform.Modules.Compute.AutoScaling.Policies;
using Platform.Modules.Compute.AutoScaling.ScheduledActions;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Errors;
using static Platform.Modules.Shared.AwsQuery.AwsQueryXml;

namespace Platform.Modules.Compute.AutoScaling.AwsQuery;

/// <summary>
/// Auto Scaling on AWS's query protocol (botocore's autoscaling 2011-01-01 names, shapes and errors), each action bound to
/// the request the native API (<c>/api/v1/autoscaling</c>) sends, so both share every rule and permission. Describe calls page
/// with <c>MaxRecords</c>/<c>NextToken</c> over what the native request returned. Launch templates are EC2's actions
/// (<see cref="Ec2Query.LaunchTemplateEc2Actions"/>). Not here, because the native API has no such thing: launch
/// configurations, warm pools, mixed instances policies.
/// </summary>
internal static class AutoScalingQueryActions
{
    public const string Namespace = "http://autoscaling.amazonaws.com/doc/2011-01-01/";

    private const string PagingKey = "autoscaling.paging";

    public static AwsQueryService Table() => new AwsQueryService("autoscaling", "2011-01-01", Namespace)
        .Command("CreateAutoScalingGroup", c =>
        {
            var p = c.Parameters;
            return new CreateAutoScalingGroup(p.Optional("AutoScalingGroupName"), LaunchTemplate(p), p.OptionalInt("MinSize"), p.OptionalInt("MaxSize"),
                p.OptionalInt("DesiredCapacity"), p.Optional("VPCZoneIdentifier"), p.Optional("HealthCheckType"), p.OptionalInt("HealthCheckGracePeriod"),
                p.OptionalInt("DefaultCooldown"), p.OptionalInt("DefaultInstanceWarmup"), p.OptionalStringList("TerminationPolicies")?.ToList(),
                p.OptionalBool("NewInstancesProtectedFromScaleIn"), Tags(p), p.OptionalStringList("TargetGroupARNs")?.ToList());
        })
        .Action("DescribeAutoScalingGroups", c =>
        {
            var names = c.Parameters.OptionalStringList("AutoScalingGroupNames") ?? [];
            c.Items["instances"] = c.Parameters.OptionalBool("IncludeInstances") ?? true;
            c.Items["filters"] = GroupFilters(c.Parameters);
            c.Items[PagingKey] = AwsQueryPaging.Read(c.Parameters, "MaxRecords", "NextToken", 100, defaultSize: 50);
            return new DescribeAutoScalingGroups(names);
        }, (c, found) =>
        {
            var filters = (List<(string Name, IReadOnlyList<string> Values)>)c.Items["filters"];
            var shown = found.AutoScalingGroups.Where(g => filters.All(f => Matches(g, f.Name, f.Values)));
            var (page, next) = Paging(c).Apply(shown, g => g.AutoScalingGroupName);
            return new object?[] { Members("AutoScalingGroups", page, g => Group(g, (bool)c.Items["instances"])), Value("NextToken", next) };
        })
        .Command("UpdateAutoScalingGroup", c =>
        {
            var p = c.Parameters;
            return new UpdateAutoScalingGroup(p.Required("AutoScalingGroupName"), LaunchTemplate(p), p.OptionalInt("MinSize"), p.OptionalInt("MaxSize"),
                p.OptionalInt("DesiredCapacity"), p.Optional("VPCZoneIdentifier"), p.Optional("HealthCheckType"), p.OptionalInt("HealthCheckGracePeriod"),
                p.OptionalInt("DefaultCooldown"), p.OptionalInt("DefaultInstanceWarmup"), p.OptionalStringList("TerminationPolicies")?.ToList(),
                p.OptionalBool("NewInstancesProtectedFromScaleIn"));
        })
        .Command("DeleteAutoScalingGroup", c =>
            new DeleteAutoScalingGroup(c.Parameters.Required("AutoScalingGroupName"), c.Parameters.OptionalBool("ForceDelete") ?? false))
        .Command("SetDesiredCapacity", c => new SetDesiredCapacity(c.Parameters.Required("AutoScalingGroupName"), c.Parameters.OptionalInt("DesiredCapacity"),
            c.Parameters.OptionalBool("HonorCooldown")))
        .Action("DescribeScalingActivities", c =>
        {
            c.Items[PagingKey] = AwsQueryPaging.Read(c.Parameters, "MaxRecords", "NextToken", 100);
            return new DescribeScalingActivities(c.Parameters.Optional("AutoScalingGroupName"));
        }, (c, found) =>
        {
            // Newest first, as the native answer and AWS list them: the key orders by descending start time.
            var (page, next) = Paging(c).Apply(found.Activities, a => NewestFirst(a.StartTime) + a.ActivityId);
            return new object?[] { Members("Activities", page, Activity), Value("NextToken", next) };
        })
        .Action("SetInstanceProtection", c => new SetInstanceProtection(c.Parameters.Required("AutoScalingGroupName"),
            c.Parameters.OptionalStringList("InstanceIds")?.ToList(), c.Parameters.OptionalBool("ProtectedFromScaleIn")), _ => Array.Empty<object>())
        .Command("SuspendProcesses", c => new ChangeProcesses(c.Parameters.Required("AutoScalingGroupName"),
            c.Parameters.OptionalStringList("ScalingProcesses")?.ToList(), Suspend: true))
        .Command("ResumeProcesses", c => new ChangeProcesses(c.Parameters.Required("AutoScalingGroupName"),
            c.Parameters.OptionalStringList("ScalingProcesses")?.ToList(), Suspend: false))
        .Command("EnableMetricsCollection", c => new ChangeMetricsCollection(c.Parameters.Required("AutoScalingGroupName"),
            c.Parameters.OptionalStringList("Metrics")?.ToList(), c.Parameters.Required("Granularity"), Enable: true))
        .Command("DisableMetricsCollection", c => new ChangeMetricsCollection(c.Parameters.Required("AutoScalingGroupName"),
            c.Parameters.OptionalStringList("Metrics")?.ToList(), null, Enable: false))
        .Action("PutScalingPolicy", c =>
        {
            var p = c.Parameters;
            return new PutScalingPolicy(p.Required("AutoScalingGroupName"), p.Optional("PolicyName"), p.Optional("PolicyType"), p.Optional("AdjustmentType"),
                p.OptionalInt("ScalingAdjustment"), p.OptionalInt("MinAdjustmentMagnitude"), p.OptionalInt("Cooldown"), StepAdjustments(p),
                p.OptionalInt("EstimatedInstanceWarmup"), TargetTracking(p), p.OptionalBool("Enabled"));
        }, policy => new object?[] { Value("PolicyARN", policy.PolicyArn), Members("Alarms", Array.Empty<string>(), _ => null) })
        .Action("DescribePolicies", c =>
        {
            c.Items["names"] = c.Parameters.OptionalStringList("PolicyNames") ?? [];
            c.Items["types"] = c.Parameters.OptionalStringList("PolicyTypes") ?? [];
            c.Items[PagingKey] = AwsQueryPaging.Read(c.Parameters, "MaxRecords", "NextToken", 100, defaultSize: 50);
            return new DescribePolicies(c.Parameters.Optional("AutoScalingGroupName"));
        }, (c, found) =>
        {
            var names = (IReadOnlyList<string>)c.Items["names"];
            var types = (IReadOnlyList<string>)c.Items["types"];
            var shown = found.ScalingPolicies.Where(s => (names.Count == 0 || names.Contains(s.PolicyName) || names.Contains(s.PolicyArn))
                && (types.Count == 0 || types.Contains(s.PolicyType)));
            var (page, next) = Paging(c).Apply(shown, s => s.PolicyName);
            return new object?[] { Members("ScalingPolicies", page, Policy), Value("NextToken", next) };
        })
        .Command("DeletePolicy", c => new DeletePolicy(c.Parameters.Required("AutoScalingGroupName"), c.Parameters.Required("PolicyName")))
        .Command("ExecutePolicy", c => new ExecutePolicy(c.Parameters.Required("AutoScalingGroupName"), c.Parameters.Required("PolicyName"),
            c.Parameters.OptionalBool("HonorCooldown"), c.Parameters.OptionalDouble("MetricValue"), c.Parameters.OptionalDouble("BreachThreshold")))
        .Command("PutScheduledUpdateGroupAction", c => new PutScheduledUpdateGroupAction(c.Parameters.Required("AutoScalingGroupName"),
            ScheduledAction(c.Parameters, c.Parameters.Required("ScheduledActionName"))))
        .Action("DescribeScheduledActions", c =>
        {
            var p = c.Parameters;
            c.Items[PagingKey] = AwsQueryPaging.Read(p, "MaxRecords", "NextToken", 100, defaultSize: 50);
            return new DescribeScheduledActions(p.Optional("AutoScalingGroupName"), p.OptionalStringList("ScheduledActionNames") ?? [],
                Timestamp(p, "StartTime"), Timestamp(p, "EndTime"));
        }, (c, found) =>
        {
            var (page, next) = Paging(c).Apply(found.ScheduledUpdateGroupActions, a => a.AutoScalingGroupName + "\u0000" + a.ScheduledActionName);
            return new object?[] { Members("ScheduledUpdateGroupActions", page, ScheduledActionXml), Value("NextToken", next) };
        })
        .Command("DeleteScheduledAction", c => new DeleteScheduledAction(c.Parameters.Required("AutoScalingGroupName"), c.Parameters.Required("ScheduledActionName")))
        .Action("BatchPutScheduledUpdateGroupAction", c => new BatchPutScheduledUpdateGroupAction(c.Parameters.Required("AutoScalingGroupName"),
                c.Parameters.List("ScheduledUpdateGroupActions").Select(a => ScheduledAction(a, a.Required("ScheduledActionName"))).ToList()),
            failed => Members("FailedScheduledUpdateGroupActions", failed.FailedScheduledActions, FailedXml))
        .Action("BatchDeleteScheduledAction", c => new BatchDeleteScheduledAction(c.Parameters.Required("AutoScalingGroupName"),
                c.Parameters.OptionalStringList("ScheduledActionNames")?.ToList()),
            failed => Members("FailedScheduledActions", failed.FailedScheduledActions, FailedXml))
        .Action("PutLifecycleHook", c =>
        {
            var p = c.Parameters;
            return new PutLifecycleHook(p.Required("AutoScalingGroupName"), p.Required("LifecycleHookName"), p.Optional("LifecycleTransition"),
                p.OptionalInt("HeartbeatTimeout"), p.Optional("DefaultResult"), p.Optional("NotificationMetadata"));
        }, _ => Array.Empty<object>())
        .Action("DescribeLifecycleHooks", c => new DescribeLifecycleHooks(c.Parameters.Required("AutoScalingGroupName"),
                c.Parameters.OptionalStringList("LifecycleHookNames") ?? []),
            found => Members("LifecycleHooks", found.LifecycleHooks, h => new object?[]
            {
                Value("LifecycleHookName", h.LifecycleHookName),
                Value("AutoScalingGroupName", h.AutoScalingGroupName),
                Value("LifecycleTransition", h.LifecycleTransition),
                Value("NotificationMetadata", h.NotificationMetadata),
                Value("HeartbeatTimeout", h.HeartbeatTimeout),
                Value("GlobalTimeout", h.GlobalTimeout),
                Value("DefaultResult", h.DefaultResult),
            }))
        .Action("DeleteLifecycleHook", c => new DeleteLifecycleHook(c.Parameters.Required("AutoScalingGroupName"), c.Parameters.Required("LifecycleHookName")),
            _ => Array.Empty<object>())
        .Action("CompleteLifecycleAction", c =>
        {
            var p = c.Parameters;
            return new CompleteLifecycleAction(p.Required("AutoScalingGroupName"), p.Required("LifecycleHookName"), p.Optional("LifecycleActionToken"),
                p.Optional("InstanceId"), p.Required("LifecycleActionResult"));
        }, _ => Array.Empty<object>())
        .Action("RecordLifecycleActionHeartbeat", c =>
        {
            var p = c.Parameters;
            return new RecordLifecycleActionHeartbeat(p.Required("AutoScalingGroupName"), p.Required("LifecycleHookName"), p.Optional("LifecycleActionToken"),
                p.Optional("InstanceId"));
        }, _ => Array.Empty<object>())
        .Action("StartInstanceRefresh", c =>
        {
            var p = c.Parameters;
            var preferences = p.Structure("Preferences") is { } s
                ? new RefreshPreferences(s.OptionalInt("MinHealthyPercentage"), s.OptionalInt("InstanceWarmup"), s.OptionalInt("MaxHealthyPercentage"),
                    s.OptionalBool("SkipMatching"), s.OptionalStringList("CheckpointPercentages")?.Select(Percentage).ToList(), s.OptionalInt("CheckpointDelay"),
                    s.OptionalBool("AutoRollback"), s.Optional("ScaleInProtectedInstances"), s.Optional("StandbyInstances"), s.OptionalInt("BakeTime"),
                    s.Structure("AlarmSpecification") is { } alarms ? new RefreshAlarmSpecification(alarms.OptionalStringList("Alarms")) : null)
                : null;
            // A MixedInstancesPolicy is left unread, so the protocol layer refuses it: the native API has none.
            var desired = p.Structure("DesiredConfiguration") is { } d ? new RefreshDesiredConfiguration(LaunchTemplate(d)) : null;
            return new StartInstanceRefresh(p.Required("AutoScalingGroupName"), p.Optional("Strategy"), preferences, desired);
        }, started => Value("InstanceRefreshId", started.InstanceRefreshId))
        .Action("RollbackInstanceRefresh", c => new RollbackInstanceRefresh(c.Parameters.Required("AutoScalingGroupName")),
            rolledBack => Value("InstanceRefreshId", rolledBack.InstanceRefreshId))
        .Action("CancelInstanceRefresh", c => new CancelInstanceRefresh(c.Parameters.Required("AutoScalingGroupName")),
            cancelled => Value("InstanceRefreshId", cancelled.InstanceRefreshId))
        .Action("DescribeInstanceRefreshes", c =>
        {
            c.Items[PagingKey] = AwsQueryPaging.Read(c.Parameters, "MaxRecords", "NextToken", 100, defaultSize: 50);
            return new DescribeInstanceRefreshes(c.Parameters.Required("AutoScalingGroupName"), c.Parameters.OptionalStringList("InstanceRefreshIds") ?? []);
        }, (c, found) =>
        {
            var (page, next) = Paging(c).Apply(found.InstanceRefreshes, r => NewestFirst(r.StartTime) + r.InstanceRefreshId);
            return new object?[]
            {
                Members("InstanceRefreshes", page, r => new object?[]
                {
                    Value("InstanceRefreshId", r.InstanceRefreshId),
                    Value("AutoScalingGroupName", r.AutoScalingGroupName),
                    Value("Status", r.Status),
                    Value("StatusReason", r.StatusReason),
                    Value("StartTime", r.StartTime),
                    Value("EndTime", r.EndTime),
                    Value("PercentageComplete", r.PercentageComplete),
                    Value("InstancesToUpdate", r.InstancesToUpdate),
                    Element("ProgressDetails", Element("LivePoolProgress", Value("PercentageComplete", r.PercentageComplete),
                        Value("InstancesToUpdate", r.InstancesToUpdate))),
                    Element("Preferences", Value("MinHealthyPercentage", r.Preferences.MinHealthyPercentage), Value("InstanceWarmup", r.Preferences.InstanceWarmup),
                        r.Preferences.CheckpointPercentages is { } checkpoints ? Members("CheckpointPercentages", checkpoints, p => p) : null,
                        Value("CheckpointDelay", r.Preferences.CheckpointDelay), Value("SkipMatching", r.Preferences.SkipMatching),
                        Value("MaxHealthyPercentage", r.Preferences.MaxHealthyPercentage), Value("AutoRollback", r.Preferences.AutoRollback),
                        Value("ScaleInProtectedInstances", r.Preferences.ScaleInProtectedInstances), Value("StandbyInstances", r.Preferences.StandbyInstances),
                        Value("BakeTime", r.Preferences.BakeTime),
                        r.Preferences.AlarmSpecification?.Alarms is { } alarms ? Element("AlarmSpecification", Members("Alarms", alarms, a => a)) : null),
                    r.DesiredConfiguration?.LaunchTemplate is { } desired ? Element("DesiredConfiguration", Element("LaunchTemplate", LaunchTemplateXml(desired))) : null,
                    r.RollbackDetails is { } rollback
                        ? Element("RollbackDetails", Value("RollbackReason", rollback.RollbackReason), Value("RollbackStartTime", rollback.RollbackStartTime),
                            Value("PercentageCompleteOnRollback", rollback.PercentageCompleteOnRollback),
                            Value("InstancesToUpdateOnRollback", rollback.InstancesToUpdateOnRollback),
                            Element("ProgressDetailsOnRollback", Element("LivePoolProgress", Value("PercentageComplete", rollback.PercentageCompleteOnRollback),
                                Value("InstancesToUpdate", rollback.InstancesToUpdateOnRollback))))
                        : null,
                    Value("Strategy", r.Strategy),
                }),
                Value("NextToken", next),
            };
        })
        .Action("DescribeAutoScalingInstances", c =>
        {
            c.Items[PagingKey] = AwsQueryPaging.Read(c.Parameters, "MaxRecords", "NextToken", 50, defaultSize: 50);
            return new DescribeAutoScalingInstances(c.Parameters.OptionalStringList("InstanceIds") ?? []);
        }, (c, found) =>
        {
            var (page, next) = Paging(c).Apply(found.AutoScalingInstances, i => i.InstanceId);
            return new object?[]
            {
                Members("AutoScalingInstances", page, i => new object?[]
                {
                    Value("InstanceId", i.InstanceId),
                    Value("InstanceType", i.InstanceType),
                    Value("AutoScalingGroupName", i.AutoScalingGroupName),
                    Value("AvailabilityZone", i.AvailabilityZone),
                    Value("LifecycleState", i.LifecycleState),
                    Value("HealthStatus", i.HealthStatus),
                    Element("LaunchTemplate", LaunchTemplateXml(i.LaunchTemplate)),
                    Value("ProtectedFromScaleIn", i.ProtectedFromScaleIn),
                }),
                Value("NextToken", next),
            };
        });

    private static ScheduledActionSettings ScheduledAction(AwsQueryParameters p, string name) => new(name,
        Timestamp(p, "StartTime") ?? Timestamp(p, "Time"), Timestamp(p, "EndTime"), p.Optional("Recurrence"), p.Optional("TimeZone"),
        p.OptionalInt("MinSize"), p.OptionalInt("MaxSize"), p.OptionalInt("DesiredCapacity"));

    /// <summary>botocore's timestamps: ISO 8601 (an offset, or UTC when none).</summary>
    private static DateTime? Timestamp(AwsQueryParameters p, string name) => p.Optional(name) switch
    {
        null => null,
        var text when DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) => time.UtcDateTime,
        var text => throw ApiErrors.ValidationError($"Value '{text}' at '{name}' is not a valid timestamp."),
    };

    private static object?[] ScheduledActionXml(ScheduledActionResponse a) =>
    [
        Value("AutoScalingGroupName", a.AutoScalingGroupName),
        Value("ScheduledActionName", a.ScheduledActionName),
        Value("ScheduledActionARN", a.ScheduledActionArn),
        Value("Time", a.Time),
        Value("StartTime", a.StartTime),
        Value("EndTime", a.EndTime),
        Value("Recurrence", a.Recurrence),
        Value("MinSize", a.MinSize),
        Value("MaxSize", a.MaxSize),
        Value("DesiredCapacity", a.DesiredCapacity),
        Value("TimeZone", a.TimeZone),
    ];

    private static object?[] FailedXml(FailedScheduledAction f) =>
        [Value("ScheduledActionName", f.ScheduledActionName), Value("ErrorCode", f.ErrorCode), Value("ErrorMessage", f.ErrorMessage)];

    private static AwsQueryPaging Paging(AwsQueryCall call) => (AwsQueryPaging)call.Items[PagingKey];

    private static int Percentage(string text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
        ? value
        : throw ApiErrors.ValidationError($"Value '{text}' at 'preferences.checkpointPercentages' failed to satisfy constraint: Member must be an integer from 1 to 100.");

    private static string NewestFirst(DateTime time) => (DateTime.MaxValue.Ticks - time.Ticks).ToString("D19", CultureInfo.InvariantCulture);

    private static GroupLaunchTemplate? LaunchTemplate(AwsQueryParameters p) => p.Structure("LaunchTemplate") is { } t
        ? new GroupLaunchTemplate(t.Optional("LaunchTemplateId"), t.Optional("LaunchTemplateName"), t.Optional("Version"))
        : null;

    private static List<GroupTag>? Tags(AwsQueryParameters p)
    {
        var tags = p.List("Tags");
        if (tags.Count == 0)
        {
            // botocore sends an empty list as the bare name.
            return p.Optional("Tags") is null ? null : [];
        }

        return tags.Select(t =>
        {
            // ResourceId and ResourceType name the group being created; anything else is not a tag of it.
            if (t.Optional("ResourceType") is { } type && type != "auto-scaling-group")
            {
                throw ApiErrors.ValidationError($"Invalid resource type '{type}': a group's tags have resource type auto-scaling-group.");
            }

            if (t.Optional("ResourceId") is { } id && id != p.Optional("AutoScalingGroupName"))
            {
                throw ApiErrors.ValidationError($"The tag's ResourceId '{id}' is not the group being created.");
            }

            return new GroupTag(t.Optional("Key"), t.Optional("Value"), t.OptionalBool("PropagateAtLaunch"));
        }).ToList();
    }

    private static List<StepAdjustment>? StepAdjustments(AwsQueryParameters p)
    {
        var steps = p.List("StepAdjustments");
        return steps.Count == 0
            ? p.Optional("StepAdjustments") is null ? null : []
            : steps.Select(s => new StepAdjustment(s.OptionalDouble("MetricIntervalLowerBound"), s.OptionalDouble("MetricIntervalUpperBound"),
                s.OptionalInt("ScalingAdjustment") ?? throw ApiErrors.ValidationError("Each step adjustment must contain ScalingAdjustment."))).ToList();
    }

    private static TargetTrackingConfiguration? TargetTracking(AwsQueryParameters p) => p.Structure("TargetTrackingConfiguration") is { } t
        ? new TargetTrackingConfiguration(
            t.Structure("PredefinedMetricSpecification") is { } m ? new PredefinedMetricSpecification(m.Optional("PredefinedMetricType"), m.Optional("ResourceLabel")) : null,
            t.OptionalDouble("TargetValue"), t.OptionalBool("DisableScaleIn"))
        : null;

    /// <summary>Auto Scaling's filters on DescribeAutoScalingGroups: <c>tag-key</c>, <c>tag-value</c>, <c>tag:KEY</c>.</summary>
    private static List<(string Name, IReadOnlyList<string> Values)> GroupFilters(AwsQueryParameters p)
    {
        var filters = new List<(string, IReadOnlyList<string>)>();
        foreach (var filter in p.List("Filters"))
        {
            var name = filter.Required("Name");
            if (name is not ("tag-key" or "tag-value") && !name.StartsWith("tag:", StringComparison.Ordinal))
            {
                throw ApiErrors.ValidationError($"Filter name '{name}' is not supported: tag-key, tag-value or tag:<key>.");
            }

            filters.Add((name, filter.OptionalStringList("Values") ?? []));
        }

        return filters;
    }

    private static bool Matches(ScalingGroupResponse group, string name, IReadOnlyList<string> values) => name switch
    {
        "tag-key" => group.Tags.Any(t => values.Contains(t.Key)),
        "tag-value" => group.Tags.Any(t => values.Contains(t.Value)),
        _ => group.Tags.Any(t => t.Key == name[4..] && values.Contains(t.Value)),
    };

    private static object?[] LaunchTemplateXml(GroupLaunchTemplate t) =>
    [
        Value("LaunchTemplateId", t.LaunchTemplateId),
        Value("LaunchTemplateName", t.LaunchTemplateName),
        Value("Version", t.Version),
    ];

    private static object?[] Group(ScalingGroupResponse g, bool instances) =>
    [
        Value("AutoScalingGroupName", g.AutoScalingGroupName),
        Value("AutoScalingGroupARN", g.AutoScalingGroupArn),
        Element("LaunchTemplate", LaunchTemplateXml(g.LaunchTemplate)),
        Value("MinSize", g.MinSize),
        Value("MaxSize", g.MaxSize),
        Value("DesiredCapacity", g.DesiredCapacity),
        Value("DefaultCooldown", g.DefaultCooldown),
        Members("AvailabilityZones", g.AvailabilityZones, z => z),
        Members("LoadBalancerNames", Array.Empty<string>(), n => n),
        Members("TargetGroupARNs", g.TargetGroupArns, a => a),
        Value("HealthCheckType", g.HealthCheckType),
        Value("HealthCheckGracePeriod", g.HealthCheckGracePeriod),
        instances
            ? Members("Instances", g.Instances, i => new object?[]
            {
                Value("InstanceId", i.InstanceId),
                Value("AvailabilityZone", i.AvailabilityZone),
                Value("LifecycleState", i.LifecycleState),
                Value("HealthStatus", i.HealthStatus),
                Element("LaunchTemplate", LaunchTemplateXml(i.LaunchTemplate)),
                Value("ProtectedFromScaleIn", i.ProtectedFromScaleIn),
            })
            : null,
        Value("CreatedTime", g.CreatedTime),
        Members("SuspendedProcesses", g.SuspendedProcesses, s => new object?[] { Value("ProcessName", s.ProcessName), Value("SuspensionReason", s.SuspensionReason) }),
        Members("EnabledMetrics", g.EnabledMetrics, m => new object?[] { Value("Metric", m.Metric), Value("Granularity", m.Granularity) }),
        Value("VPCZoneIdentifier", g.VpcZoneIdentifier),
        Value("Status", g.Status),
        Members("Tags", g.Tags, t => new object?[]
        {
            Value("ResourceId", t.ResourceId),
            Value("ResourceType", t.ResourceType),
            Value("Key", t.Key),
            Value("Value", t.Value),
            Value("PropagateAtLaunch", t.PropagateAtLaunch),
        }),
        Members("TerminationPolicies", g.TerminationPolicies, t => t),
        Value("NewInstancesProtectedFromScaleIn", g.NewInstancesProtectedFromScaleIn),
        Value("DefaultInstanceWarmup", g.DefaultInstanceWarmup),
    ];

    private static object?[] Activity(ActivityResponse a) =>
    [
        Value("ActivityId", a.ActivityId),
        Value("AutoScalingGroupName", a.AutoScalingGroupName),
        Value("Description", a.Description),
        Value("Cause", a.Cause),
        Value("StartTime", a.StartTime),
        Value("EndTime", a.EndTime),
        Value("StatusCode", a.StatusCode),
        Value("StatusMessage", a.StatusMessage),
        Value("Progress", a.Progress),
    ];

    private static object?[] Policy(ScalingPolicyResponse s) =>
    [
        Value("AutoScalingGroupName", s.AutoScalingGroupName),
        Value("PolicyName", s.PolicyName),
        Value("PolicyARN", s.PolicyArn),
        Value("PolicyType", s.PolicyType),
        Value("AdjustmentType", s.AdjustmentType),
        Value("MinAdjustmentMagnitude", s.MinAdjustmentMagnitude),
        Value("ScalingAdjustment", s.ScalingAdjustment),
        Value("Cooldown", s.Cooldown),
        Members("StepAdjustments", s.StepAdjustments, step => new object?[]
        {
            Value("MetricIntervalLowerBound", step.MetricIntervalLowerBound),
            Value("MetricIntervalUpperBound", step.MetricIntervalUpperBound),
            Value("ScalingAdjustment", step.ScalingAdjustment),
        }),
        Value("EstimatedInstanceWarmup", s.EstimatedInstanceWarmup),
        Members("Alarms", Array.Empty<string>(), _ => null),
        s.TargetTrackingConfiguration is { } t
            ? Element("TargetTrackingConfiguration",
                t.PredefinedMetricSpecification is { } m
                    ? Element("PredefinedMetricSpecification", Value("PredefinedMetricType", m.PredefinedMetricType), Value("ResourceLabel", m.ResourceLabel))
                    : null,
                Value("TargetValue", t.TargetValue),
                Value("DisableScaleIn", t.DisableScaleIn))
            : null,
        Value("Enabled", s.Enabled),
    ];
}
