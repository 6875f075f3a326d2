namespace Platform.Modules.Shared.Accounts;

/// <summary>The authenticated caller of the current request; every query is scoped by its account.</summary>
public interface ICallerContext
{
    /// <summary>The caller; throws when the request was not authenticated.</summary>
    CallerIdentity Identity { get; }

    bool IsAuthenticated { get; }

    /// <summary>Facts about the request that policy conditions may test (aws:SourceIp, aws:SecureTransport, ...).</summary>
    IReadOnlyDictionary<string, string> RequestFacts { get; }
}

/// <summary>The scoped holder the API host fills once per request, after SigV4 verification.</summary>
public sealed class CallerContext : ICallerContext
{
    private CallerIdentity? _identity;

    public CallerIdentity Identity => _identity ?? throw new InvalidOperationException("The request is not authenticated.");

    public bool IsAuthenticated => _identity is not null;

    public IReadOnlyDictionary<string, string> RequestFacts { get; private set; } = new Dictionary<string, string>();

    public void Authenticate(CallerIdentity identity, IReadOnlyDictionary<string, string> requestFacts)
    {
        if (_identity is not null)
        {
            throw new InvalidOperationException("The caller is already set for this request.");
        }

        _identity = identity;
        RequestFacts = requestFacts;
    }
}
