using System.ComponentModel.DataAnnotations;

namespace Platform.Api.RateLimiting;

/// <summary>
/// Request rates (section <c>Throttling</c>): a token bucket per account and one per access key for signed requests, one
/// per source address for requests no valid signature vouches for. Each bucket holds its burst and refills at its rate.
/// The defaults sit above what the benchmarks drive from one key; operators lower them per deployment.
/// </summary>
internal sealed class ThrottlingOptions
{
    public const string SectionName = "Throttling";

    /// <summary>False turns throttling off altogether.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests per second one account's principals may make together, on average.</summary>
    [Range(0.01, 1_000_000)]
    public double AccountRequestsPerSecond { get; set; } = 50_000;

    /// <summary>Requests one account may make at once after a quiet spell.</summary>
    [Range(1, 10_000_000)]
    public int AccountBurst { get; set; } = 100_000;

    [Range(0.01, 1_000_000)]
    public double AccessKeyRequestsPerSecond { get; set; } = 20_000;

    [Range(1, 10_000_000)]
    public int AccessKeyBurst { get; set; } = 40_000;

    /// <summary>Unsigned requests (anonymous S3, refusals) and requests whose signature was refused, per source address.</summary>
    [Range(0.01, 1_000_000)]
    public double SourceAddressRequestsPerSecond { get; set; } = 5_000;

    [Range(1, 10_000_000)]
    public int SourceAddressBurst { get; set; } = 10_000;
}
