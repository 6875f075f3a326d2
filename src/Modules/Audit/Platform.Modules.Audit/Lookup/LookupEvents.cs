using System.Globalization;
using System.Text;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Audit.Persistence;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Audit.Lookup;

/// <summary>
/// LookupEvents: the caller's account's audited calls, newest first, filtered by time and lookup attributes (all given
/// must match). The management account also sees the refusals no account could be named for.
/// </summary>
internal sealed record LookupEvents(
    string? StartTime,
    string? EndTime,
    string? EventName,
    string? Username,
    string? AccessKeyId,
    string? ResourceName,
    string? EventSource,
    int? MaxResults,
    string? NextToken) : IRequest<LookupEventsResponse>, IRequiresPermission, IValidatable
{
    public const int MaxPage = 50;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("cloudtrail:LookupEvents", "*");

    public void Validate()
    {
        if (MaxResults is < 1 or > MaxPage)
        {
            throw AuditErrors.InvalidMaxResults();
        }

        var start = ParseTime(StartTime, "start_time");
        var end = ParseTime(EndTime, "end_time");
        if (start > end)
        {
            throw AuditErrors.InvalidTimeRange("Start time must be before end time.");
        }

        foreach (var (value, name) in new[] { (EventName, "event_name"), (Username, "username"), (AccessKeyId, "access_key_id"), (ResourceName, "resource_name"), (EventSource, "event_source") })
        {
            if (value is { Length: 0 or > 2048 })
            {
                throw AuditErrors.InvalidLookupAttributes($"The value of {name} must be 1 to 2048 characters.");
            }
        }

        if (NextToken is not null && PageToken.Parse(NextToken) is null)
        {
            throw AuditErrors.InvalidNextToken();
        }
    }

    public static DateTime? ParseTime(string? value, string name) =>
        value is null ? null
        : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time.UtcDateTime
        : long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds < 253402300800 ? DateTime.UnixEpoch.AddSeconds(seconds)
        : throw Shared.Errors.ApiErrors.InvalidParameterValue($"The value of {name} must be an ISO 8601 time or Unix seconds.");
}

internal sealed record LookupEventsResponse(IReadOnlyList<LookedUpEvent> Events, string? NextToken);

/// <param name="CloudTrailEvent">The whole record, as a JSON string (CloudTrail's shape).</param>
internal sealed record LookedUpEvent(
    string EventId,
    string EventName,
    string EventSource,
    DateTime EventTime,
    bool ReadOnly,
    string? Username,
    string? AccessKeyId,
    string? ErrorCode,
    string? ErrorMessage,
    IReadOnlyList<LookedUpResource> Resources,
    string CloudTrailEvent);

internal sealed record LookedUpResource(string ResourceName);

/// <summary>Where the next page starts: after the last event of this one, in (time, id) order.</summary>
internal sealed record PageToken(DateTime Time, string EventId)
{
    public override string ToString() =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Time.Ticks.ToString(CultureInfo.InvariantCulture)}:{EventId}"));

    public static PageToken? Parse(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 && long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks <= DateTime.MaxValue.Ticks && Guid.TryParse(text.AsSpan(colon + 1), out _)
                ? new PageToken(new DateTime(ticks, DateTimeKind.Utc), text[(colon + 1)..])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

internal sealed class LookupEventsHandler(AuditDbContext db, ICallerContext caller, ISender sender, IOptions<PlatformOptions> platform)
    : IRequestHandler<LookupEvents, LookupEventsResponse>
{
    public async ValueTask<LookupEventsResponse> Handle(LookupEvents request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var query = await sender.Send(new IsManagementAccount(account), cancellationToken)
            ? db.Events.AsNoTracking().Where(e => e.AccountId == account || e.AccountId == null)
            : db.Events.AsNoTracking().Where(e => e.AccountId == account);

        if (LookupEvents.ParseTime(request.StartTime, "start_time") is { } start)
        {
            query = query.Where(e => e.EventTime >= start);
        }

        if (LookupEvents.ParseTime(request.EndTime, "end_time") is { } end)
        {
            query = query.Where(e => e.EventTime <= end);
        }

        if (request.EventName is { } name)
        {
            query = query.Where(e => e.EventName == name);
        }

        if (request.EventSource is { } source)
        {
            query = query.Where(e => e.EventSource == source);
        }

        if (request.Username is { } user)
        {
            query = query.Where(e => e.UserName == user);
        }

        if (request.AccessKeyId is { } key)
        {
            query = query.Where(e => e.AccessKeyId == key);
        }

        if (request.ResourceName is { } resource)
        {
            // A resource's ARN or its name (a VPC id, a bucket): a whole line of the record's resources, or the end of one.
            query = query.Where(e => e.Resources != null && (("\n" + e.Resources + "\n").Contains("\n" + resource + "\n")
                || ("\n" + e.Resources + "\n").Contains("/" + resource + "\n") || ("\n" + e.Resources + "\n").Contains(":" + resource + "\n")));
        }

        if (request.NextToken is { } token && PageToken.Parse(token) is { } after)
        {
            query = query.Where(e => e.EventTime < after.Time || (e.EventTime == after.Time && string.Compare(e.Id, after.EventId) < 0));
        }

        var size = request.MaxResults ?? LookupEvents.MaxPage;
        var page = await query.OrderByDescending(e => e.EventTime).ThenByDescending(e => e.Id).Take(size + 1).ToListAsync(cancellationToken);
        var region = platform.Value.Region;
        var events = page.Take(size).Select(e => new LookedUpEvent(e.Id, e.EventName, e.EventSource, e.EventTime, e.ReadOnly, e.UserName, e.AccessKeyId,
            e.ErrorCode, e.ErrorMessage, [.. CloudTrailRecord.Resources(e).Select(r => new LookedUpResource(r))],
            CloudTrailRecord.From(e, region).ToJsonString())).ToList();
        var next = page.Count > size ? new PageToken(page[size - 1].EventTime, page[size - 1].Id).ToString() : null;
        return new LookupEventsResponse(events, next);
    }
}
