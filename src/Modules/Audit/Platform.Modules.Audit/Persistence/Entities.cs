namespace Platform.Modules.Audit.Persistence;

/// <summary>One audited call: a mutating request, or any refused one.</summary>
internal sealed class AuditEvent
{
    public const int MaxUserAgent = 512;
    public const int MaxOperation = 512;
    public const int MaxErrorMessage = 1024;

    public required string Id { get; init; }

    public required string RequestId { get; init; }

    public DateTime EventTime { get; init; }

    /// <summary>Whose trail it is in; null when no account is known (a refused call with an unknown key): the management account's only.</summary>
    public string? AccountId { get; set; }

    public string? PrincipalArn { get; set; }

    /// <summary>The IAM user's name, <c>root</c> for an account's root; null before authentication.</summary>
    public string? UserName { get; set; }

    public string? AccessKeyId { get; set; }

    public string? SourceIpAddress { get; init; }

    public string? UserAgent { get; init; }

    public required string EventSource { get; set; }

    public required string EventName { get; set; }

    /// <summary>The method and route, as the API host saw them (never the query string).</summary>
    public required string Operation { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>The resource ARNs authorization named, one per line.</summary>
    public string? Resources { get; set; }

    public AuditOutcome Outcome { get; set; }

    public int? StatusCode { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }
}

/// <summary>Pending: recorded before the handler ran and never completed (the process stopped in between): the outcome is unknown.</summary>
internal enum AuditOutcome
{
    Pending = 0,
    Succeeded = 1,
    Failed = 2,
}

/// <summary>An account's trail: where its daily log files go.</summary>
internal sealed class Trail
{
    public const string DefaultName = "default";

    public required string AccountId { get; init; }

    public required string BucketName { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>The mark that one account's log file of one day was written: a second run (or replica) skips it.</summary>
internal sealed class LogDelivery
{
    public required string AccountId { get; init; }

    public DateOnly Day { get; init; }

    public required string BucketName { get; init; }

    public string? ObjectKey { get; init; }

    public int EventCount { get; init; }

    public DateTime DeliveredAt { get; init; }
}
