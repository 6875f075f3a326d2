using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Alarms;

internal sealed record AlarmHistoryItemResponse(string AlarmName, string AlarmType, DateTime Timestamp, string HistoryItemType, string HistorySummary, string? HistoryData);

internal sealed record AlarmHistoryResponse(IReadOnlyList<AlarmHistoryItemResponse> AlarmHistoryItems);

/// <summary>CloudWatch's DescribeAlarmHistory: the caller's alarms' configuration updates, state transitions and actions, newest first.</summary>
internal sealed record DescribeAlarmHistory(string? AlarmName, string? HistoryItemType, string? StartDate, string? EndDate, int? MaxRecords, string? ScanBy)
    : IRequest<AlarmHistoryResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("cloudwatch:DescribeAlarmHistory", AlarmLookup.Arn(region, caller.AccountId, AlarmName ?? "*"));

    public void Validate()
    {
        if (AlarmName is not null)
        {
            AlarmLookup.EnsureWellFormedName(AlarmName);
        }

        if (HistoryItemType is not null && !HistoryItemTypes.All.Contains(HistoryItemType))
        {
            throw ApiErrors.InvalidParameterValue($"The history item type '{HistoryItemType}' is not one of {string.Join(", ", HistoryItemTypes.All)}.");
        }

        if (MaxRecords is < 1 or > 100)
        {
            throw ApiErrors.InvalidParameterValue("The parameter MaxRecords must be from 1 to 100.");
        }

        if (ScanBy is not (null or "TimestampDescending" or "TimestampAscending"))
        {
            throw ApiErrors.InvalidParameterValue("The parameter ScanBy must be TimestampDescending or TimestampAscending.");
        }

        if (Start > End)
        {
            throw AlarmLookup.InvalidCombination("The StartDate must not be after the EndDate.");
        }
    }

    public DateTime? Start => Time(StartDate, "StartDate");

    public DateTime? End => Time(EndDate, "EndDate");

    private static DateTime? Time(string? value, string name) => value is null ? null
        : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed.UtcDateTime
            : throw ApiErrors.InvalidParameterValue($"The {name} '{value}' is not an ISO 8601 time (2026-12-01T20:00:00Z).");
}

internal sealed class DescribeAlarmHistoryHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DescribeAlarmHistory, AlarmHistoryResponse>
{
    public async ValueTask<AlarmHistoryResponse> Handle(DescribeAlarmHistory request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var query = db.AlarmHistory.AsNoTracking().Where(h => h.AccountId == accountId);
        if (request.AlarmName is { } name)
        {
            query = query.Where(h => h.AlarmName == name);
        }

        if (request.HistoryItemType is { } type)
        {
            query = query.Where(h => h.HistoryItemType == type);
        }

        if (request.Start is { } start)
        {
            query = query.Where(h => h.Timestamp >= start);
        }

        if (request.End is { } end)
        {
            query = query.Where(h => h.Timestamp <= end);
        }

        var items = await query.ToListAsync(cancellationToken);
        var ordered = request.ScanBy == "TimestampAscending" ? items.OrderBy(h => h.Timestamp) : items.OrderByDescending(h => h.Timestamp);
        return new AlarmHistoryResponse(ordered.Take(request.MaxRecords ?? 100)
            .Select(h => new AlarmHistoryItemResponse(h.AlarmName, "MetricAlarm", h.Timestamp, h.HistoryItemType, h.HistorySummary, h.HistoryData)).ToList());
    }
}
