using System.Text.RegularExpressions;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Audit.Contracts;
using Platform.Modules.Audit.Persistence;
using Platform.Modules.Iam.Contracts;

namespace Platform.Modules.Audit.Recording;

/// <summary>The record of an authenticated mutating call, committed before its handler runs, with its outcome pending.</summary>
internal sealed class RecordCallStartedHandler(AuditDbContext db) : IRequestHandler<RecordCallStarted>
{
    public async ValueTask<Unit> Handle(RecordCallStarted request, CancellationToken cancellationToken)
    {
        var record = AuditRecords.New(request.Request);
        AuditRecords.SetPrincipal(record, request.Principal);
        db.Events.Add(record);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

/// <summary>
/// Completes a call's record with its action, resources and outcome, or makes the whole record of a call refused before
/// its handler ran. A refusal with no authenticated account goes to the account of the key it claimed, when there is one.
/// </summary>
internal sealed partial class RecordCallFinishedHandler(AuditDbContext db, ISender sender) : IRequestHandler<RecordCallFinished>
{
    public async ValueTask<Unit> Handle(RecordCallFinished request, CancellationToken cancellationToken)
    {
        var record = await db.Events.SingleOrDefaultAsync(e => e.RequestId == request.Request.RequestId, cancellationToken);
        if (record is null)
        {
            record = AuditRecords.New(request.Request);
            db.Events.Add(record);
        }

        if (request.Principal is { } principal)
        {
            AuditRecords.SetPrincipal(record, principal);
        }
        else if (request.ClaimedAccessKeyId is { } claimed && AccessKeyId().IsMatch(claimed))
        {
            // Not authenticated: the key is only what the request says. Its owner sees the attempt; the key id is no secret.
            record.AccessKeyId = claimed;
            record.AccountId = await sender.Send(new FindAccessKeyAccount(claimed), cancellationToken);
        }

        if (request.Actions.Count > 0)
        {
            var (source, name) = AuditRecords.EventOf(request.Actions[0].Action);
            record.EventSource = source;
            record.EventName = name;
            var resources = request.Actions.Select(a => a.Resource).Where(r => r.StartsWith("arn:", StringComparison.Ordinal) && !r.Contains('*', StringComparison.Ordinal))
                .Distinct(StringComparer.Ordinal).ToList();
            record.Resources = resources.Count > 0 ? string.Join('\n', resources) : null;
        }

        record.StatusCode = request.StatusCode;
        record.Outcome = request.StatusCode < 400 ? AuditOutcome.Succeeded : AuditOutcome.Failed;
        record.ErrorCode = request.StatusCode < 400 ? null : request.ErrorCode ?? $"Http{request.StatusCode}";
        record.ErrorMessage = request.StatusCode < 400 ? null : AuditRecords.Truncate(request.ErrorMessage, AuditEvent.MaxErrorMessage);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }

    [GeneratedRegex("^[A-Z0-9]{16,128}$")]
    private static partial Regex AccessKeyId();
}

internal static class AuditRecords
{
    public static AuditEvent New(AuditedRequest request) => new()
    {
        Id = Guid.NewGuid().ToString(),
        RequestId = request.RequestId,
        EventTime = request.EventTime,
        EventSource = request.EventSource,
        EventName = Truncate(request.Operation, AuditEvent.MaxOperation)!,
        Operation = Truncate(request.Operation, AuditEvent.MaxOperation)!,
        ReadOnly = request.ReadOnly,
        SourceIpAddress = Truncate(request.SourceIpAddress, 64),
        UserAgent = Truncate(request.UserAgent, AuditEvent.MaxUserAgent),
        Outcome = AuditOutcome.Pending,
    };

    public static void SetPrincipal(AuditEvent record, AuditedPrincipal principal)
    {
        record.AccountId = principal.AccountId;
        record.PrincipalArn = principal.PrincipalArn;
        record.UserName = principal.UserName ?? "root";
        record.AccessKeyId = principal.AccessKeyId;
    }

    /// <summary><c>ec2:CreateVpc</c> as CloudTrail names it: <c>ec2.amazonaws.com</c>, <c>CreateVpc</c>.</summary>
    public static (string Source, string Name) EventOf(string action) =>
        action.IndexOf(':', StringComparison.Ordinal) is var colon and > 0
            ? ($"{action[..colon]}.amazonaws.com", action[(colon + 1)..])
            : ("platform.amazonaws.com", action);

    public static string? Truncate(string? value, int max) => value is { Length: var length } && length > max ? value[..max] : value;
}
