using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platform.Modules.Compute.Metrics.Custom;
using Platform.Modules.Shared.Authentication;

namespace Platform.Modules.Compute.Alarms;

/// <summary>The native CloudWatch API: <c>/api/v1/cloudwatch/...</c>, snake_case JSON, signed for <c>monitoring</c>.</summary>
internal static class CloudWatchEndpoints
{
    public const string Prefix = "/api/v1/cloudwatch";

    public static RouteGroupBuilder MapCloudWatch(IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup(Prefix).WithTags("CloudWatch").WithMetadata(SigningService.CloudWatch);

        api.MapPut("/alarms/{name}", async ([FromRoute(Name = "name")] string name, PutAlarmBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new PutMetricAlarm(name, body.AlarmDescription, body.Namespace, body.MetricName, body.Dimensions, body.Statistic,
                body.ExtendedStatistic, body.Period, body.EvaluationPeriods, body.DatapointsToAlarm, body.Threshold, body.ComparisonOperator, body.TreatMissingData,
                body.ActionsEnabled, body.AlarmActions, body.OkActions, body.InsufficientDataActions), ct)));
        api.MapGet("/alarms", async ([FromQuery(Name = "alarm_name")] string[]? names, [FromQuery(Name = "alarm_name_prefix")] string? prefix,
                [FromQuery(Name = "state_value")] string? state, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeAlarms(names ?? [], prefix, state), ct)));
        api.MapPost("/alarms/delete", async (AlarmNamesBody body, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeleteAlarms(body.AlarmNames ?? []), ct);
            return TypedResults.NoContent();
        });
        api.MapPost("/alarms/enable-actions", async (AlarmNamesBody body, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new SwitchAlarmActions(body.AlarmNames ?? [], Enable: true), ct);
            return TypedResults.NoContent();
        });
        api.MapPost("/alarms/disable-actions", async (AlarmNamesBody body, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new SwitchAlarmActions(body.AlarmNames ?? [], Enable: false), ct);
            return TypedResults.NoContent();
        });
        api.MapPost("/alarms/{name}/state", async ([FromRoute(Name = "name")] string name, StateBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new SetAlarmState(name, body.StateValue, body.StateReason, body.StateReasonData), ct)));
        api.MapGet("/alarm-history", async ([FromQuery(Name = "alarm_name")] string? name, [FromQuery(Name = "history_item_type")] string? type,
                [FromQuery(Name = "start_date")] string? start, [FromQuery(Name = "end_date")] string? end, [FromQuery(Name = "max_records")] int? max,
                [FromQuery(Name = "scan_by")] string? scanBy, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeAlarmHistory(name, type, start, end, max, scanBy), ct)));
        api.MapGet("/metric-statistics", async ([FromQuery(Name = "namespace")] string? ns, [FromQuery(Name = "metric_name")] string? metric,
                [FromQuery(Name = "dimension")] string[]? dimensions, [FromQuery(Name = "statistic")] string[]? statistics, [FromQuery(Name = "period")] int? period,
                [FromQuery(Name = "start_time")] string? start, [FromQuery(Name = "end_time")] string? end, [FromQuery(Name = "unit")] string? unit,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetMetricStatistics(ns, metric, dimensions ?? [], statistics ?? [], period, start, end, unit), ct)));
        api.MapPost("/metric-data", async (PutMetricDataBody body, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new PutMetricData(body.Namespace, body.MetricData ?? []), ct);
            return TypedResults.NoContent();
        });
        api.MapGet("/metrics", async ([FromQuery(Name = "namespace")] string? ns, [FromQuery(Name = "metric_name")] string? metric,
                [FromQuery(Name = "dimension")] string[]? dimensions, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListMetrics(ns, metric,
                [.. (dimensions ?? []).Select(d => d.Split('=', 2) is [var name, var value] ? new DimensionFilter(name, value) : new DimensionFilter(d, null))]), ct)));
        api.MapPost("/metric-data/query", async (GetMetricDataBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetMetricData(body.MetricDataQueries ?? [], body.StartTime, body.EndTime, body.ScanBy, body.MaxDatapoints,
                body.NextToken), ct)));
        return api;
    }

    internal sealed record PutAlarmBody(
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
        List<string>? InsufficientDataActions);

    internal sealed record PutMetricDataBody(string? Namespace, List<MetricDatumInput>? MetricData);

    internal sealed record GetMetricDataBody(List<MetricDataQuery>? MetricDataQueries, string? StartTime, string? EndTime, string? ScanBy, int? MaxDatapoints,
        string? NextToken);

    internal sealed record AlarmNamesBody(List<string>? AlarmNames);

    internal sealed record StateBody(string? StateValue, string? StateReason, string? StateReasonData);
}
