using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared.Accounts;

namespace Platform.Api.RateLimiting;

/// <summary>
/// The token buckets, from .NET's rate limiter (System.Threading.RateLimiting, in the shared framework). A signed request
/// takes one token from its account's bucket and one from its access key's; an unverified one from its source address's.
/// Buckets live in this process: each API replica throttles what reaches it, and idle buckets are dropped.
/// </summary>
internal sealed class RequestThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<CallerIdentity> _callers;
    private readonly PartitionedRateLimiter<string> _addresses;

    public RequestThrottle(IOptions<ThrottlingOptions> options)
    {
        var limits = options.Value;
        Enabled = limits.Enabled;
        var accounts = PartitionedRateLimiter.Create<CallerIdentity, string>(caller =>
            RateLimitPartition.GetTokenBucketLimiter(caller.AccountId, _ => Bucket(limits.AccountRequestsPerSecond, limits.AccountBurst)));
        var keys = PartitionedRateLimiter.Create<CallerIdentity, string>(caller =>
            RateLimitPartition.GetTokenBucketLimiter(caller.AccessKeyId, _ => Bucket(limits.AccessKeyRequestsPerSecond, limits.AccessKeyBurst)));
        _callers = PartitionedRateLimiter.CreateChained(keys, accounts);
        _addresses = PartitionedRateLimiter.Create<string, string>(address =>
            RateLimitPartition.GetTokenBucketLimiter(address, _ => Bucket(limits.SourceAddressRequestsPerSecond, limits.SourceAddressBurst)));
    }

    public bool Enabled { get; }

    /// <summary>One token from the caller's access key and one from its account; a failed lease says when to retry.</summary>
    public RateLimitLease AcquireForCaller(CallerIdentity caller) => _callers.AttemptAcquire(caller);

    /// <summary>One token from the address's bucket.</summary>
    public RateLimitLease AcquireForAddress(string address) => _addresses.AttemptAcquire(address);

    /// <summary>
    /// Whether the address's bucket holds less than a whole token. (Asking for zero tokens would not tell: the bucket refills
    /// in fractions, and any fraction counts as a token left.)
    /// </summary>
    public bool IsExhausted(string address) => _addresses.GetStatistics(address) is { CurrentAvailablePermits: < 1 };

    public void Dispose()
    {
        _callers.Dispose();
        _addresses.Dispose();
    }

    /// <summary>Whole tokens each second, or one token every so many seconds for rates below one a second.</summary>
    private static TokenBucketRateLimiterOptions Bucket(double perSecond, int burst) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = perSecond >= 1 ? (int)perSecond : 1,
        ReplenishmentPeriod = perSecond >= 1 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1 / perSecond),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
