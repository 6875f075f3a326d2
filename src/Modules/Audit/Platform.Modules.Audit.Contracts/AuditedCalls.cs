using Mediator;

namespace Platform.Modules.Audit.Contracts;

/// <summary>
/// What the API host knows of a request before any module has run: its id, time, where it came from and which service
/// its endpoint belongs to. Never its body, its query string or its headers' secrets.
/// </summary>
/// <param name="EventSource">The service as CloudTrail names it (<c>ec2.amazonaws.com</c>).</param>
/// <param name="Operation">What names the call until authorization names its action: the method and route (<c>POST /api/v1/vpc/vpcs</c>).</param>
/// <param name="ReadOnly">A GET or HEAD: it reads and changes nothing.</param>
public sealed record AuditedRequest(
    string RequestId,
    DateTime EventTime,
    string EventSource,
    string Operation,
    bool ReadOnly,
    string? SourceIpAddress,
    string? UserAgent);

/// <summary>The authenticated signer of a request.</summary>
public sealed record AuditedPrincipal(string AccountId, string PrincipalArn, string? UserName, string AccessKeyId);

/// <summary>An action a request was checked for (<c>ec2:CreateVpc</c>) on a resource ARN (or <c>*</c>).</summary>
public sealed record AuditedAction(string Action, string Resource);

/// <summary>
/// Made durable before an authenticated mutating request's handler runs, so its effect can never be visible without
/// its record: a crash in between leaves the record with an unknown outcome, never no record.
/// </summary>
public sealed record RecordCallStarted(AuditedRequest Request, AuditedPrincipal Principal) : IRequest;

/// <summary>
/// A request's outcome once it was answered: completes the record <see cref="RecordCallStarted"/> made, or makes the
/// whole record of a call refused before its handler ran (bad signature, unknown key, refused read).
/// </summary>
/// <param name="Principal">The authenticated signer; null when the request was refused before it was authenticated.</param>
/// <param name="ClaimedAccessKeyId">The access key id the request's signature names, authenticated or not.</param>
/// <param name="Actions">What authorization checked, first the call's own action.</param>
/// <param name="StatusCode">The HTTP status answered.</param>
/// <param name="ErrorCode">The AWS error code answered (<c>AccessDenied</c>); null on success.</param>
public sealed record RecordCallFinished(
    AuditedRequest Request,
    AuditedPrincipal? Principal,
    string? ClaimedAccessKeyId,
    IReadOnlyList<AuditedAction> Actions,
    int StatusCode,
    string? ErrorCode,
    string? ErrorMessage) : IRequest;
